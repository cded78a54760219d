"""Orders: place, track, cancel and list shop orders, return items and search the product catalogue."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool, join_words

DOMAIN = "orders"

SKU_PREFIXES = ["KB", "MUG", "LMP", "TSH", "BK", "HDP", "YGM", "PAN", "BTL", "CHR", "SOX", "CBL", "TNT", "PLN"]
RECIPIENTS = [
    "Dana Whitfield",
    "Arjun Mehta",
    "Lena Vogt",
    "Kofi Asante",
    "Mei Tanaka",
    "Rosa Ibarra",
    "Callum Reid",
    "Yasmin Farouk",
    "Nils Berg",
    "Ada Okonkwo",
]
STREETS = [
    "Birch Street",
    "Larkspur Lane",
    "Harbor Road",
    "Maple Avenue",
    "Quarry Close",
    "Willow Way",
    "Juniper Court",
    "Station Parade",
    "Orchard Row",
    "Foundry Street",
    "Heron Drive",
    "Copper Hill Road",
]
# (city, postal code, country as said, acceptable country values)
PLACES = [
    ("Portland", "97205", "United States", ["United States", "USA", "US"]),
    ("Denver", "80202", "United States", ["United States", "USA", "US"]),
    ("Toronto", "M5V 2T6", "Canada", ["Canada", "CA"]),
    ("Leeds", "LS1 4AP", "United Kingdom", ["United Kingdom", "UK", "GB"]),
    ("Lyon", "69003", "France", ["France", "FR"]),
    ("Leipzig", "04109", "Germany", ["Germany", "DE"]),
    ("Utrecht", "3511 AB", "Netherlands", ["Netherlands", "NL"]),
    ("Adelaide", "5000", "Australia", ["Australia", "AU"]),
    ("Porto", "4050-123", "Portugal", ["Portugal", "PT"]),
    ("Cork", "T12 X70A", "Ireland", ["Ireland", "IE"]),
]
PRODUCTS = {
    "wireless headphones": "electronics",
    "standing desks": "home",
    "espresso machines": "kitchen",
    "running shoes": "sports",
    "yoga mats": "sports",
    "cast iron pans": "kitchen",
    "mechanical keyboards": "electronics",
    "board games": "toys",
    "rain jackets": "clothing",
    "desk lamps": "home",
    "water bottles": "sports",
    "face moisturizers": "beauty",
    "science fiction novels": "books",
    "camping tents": "sports",
    "phone chargers": "electronics",
    "wool socks": "clothing",
    "building blocks": "toys",
    "cookbooks": "books",
    "lip balms": "beauty",
    "throw pillows": "home",
}
CATEGORIES = ["electronics", "home", "kitchen", "books", "toys", "sports", "clothing", "beauty"]
COUPONS = ["SPRING15", "WELCOME10", "FREESHIP", "SAVE20", "BUNDLE5", "LOYAL25"]


def _order_id(rng: random.Random) -> str:
    return f"ORD-{rng.randint(100000, 999999)}"


def _sku(rng: random.Random) -> str:
    return f"{rng.choice(SKU_PREFIXES)}-{rng.randint(1000, 9999)}"


def _units(quantity: int) -> str:
    return f"{quantity} unit" if quantity == 1 else f"{quantity} units"


def _place(rng: random.Random) -> Ask:
    count = rng.randint(1, 3)
    skus: list[str] = []
    while len(skus) < count:
        sku = _sku(rng)
        if sku not in skus:
            skus.append(sku)
    lines = [(sku, rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 10])) for sku in skus]
    style = rng.randrange(3)
    if style == 0:
        said = join_words([f"{_units(q)} of {s}" for s, q in lines])
    elif style == 1:
        said = join_words([f"{q} x {s}" for s, q in lines])
    else:
        said = join_words([f"{q} of item {s}" for s, q in lines])
    items = [{"sku": [s], "quantity": [q]} for s, q in lines]
    city, postal, country, countries = rng.choice(PLACES)
    street = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
    address: dict[str, list] = {"street": [street], "city": [city], "postal_code": [postal], "country": countries}
    said_address = f"{street}, {city} {postal}, {country}"
    if rng.random() < 0.5:
        name = rng.choice(RECIPIENTS)
        said_address = f"{name}, {said_address}"
        address["recipient_name"] = [name]
    clause = rng.choice(
        [
            "order {i} and ship everything to {a}",
            "place an order for {i}, shipping to {a}",
            "buy {i} and have the order delivered to {a}",
        ]
    ).format(i=said, a=said_address)
    args: dict[str, list] = {"items": [items], "shipping_address": [address]}
    speed = rng.random()
    if speed < 0.2:
        clause += rng.choice([" with express shipping", " by express delivery"])
        args["shipping_speed"] = ["express"]
    elif speed < 0.35:
        clause += rng.choice([" with overnight shipping", " for overnight delivery"])
        args["shipping_speed"] = ["overnight"]
    elif speed < 0.45:
        clause += " with standard shipping"
        args["shipping_speed"] = ["standard"]
    else:
        args["shipping_speed"] = ["", "standard"]
    if rng.random() < 0.25:
        clause += rng.choice([", gift-wrapped", " and gift-wrap it"])
        args["gift_wrap"] = [True]
    else:
        args["gift_wrap"] = ["", False]
    if rng.random() < 0.3:
        coupon = rng.choice(COUPONS)
        clause += rng.choice([" using coupon {c}", " with the coupon code {c}"]).format(c=coupon)
        args["coupon_code"] = [coupon]
    return Ask(clause, args)


def _track(rng: random.Random) -> Ask:
    order = _order_id(rng)
    if rng.random() < 0.35:
        clause = rng.choice(
            ["show the full tracking history of order {o}", "track order {o} and include every tracking event"]
        ).format(o=order)
        return Ask(clause, {"order_id": [order], "include_history": [True]})
    clause = rng.choice(
        ["track order {o}", "check where my order {o} is", "get the delivery status of order {o}"]
    ).format(o=order)
    return Ask(clause, {"order_id": [order], "include_history": ["", False]})


CANCEL_REASONS = {
    "ordered_by_mistake": ["because I ordered it by mistake", "since it was ordered by mistake"],
    "found_better_price": ["because I found a better price", "since I found it cheaper elsewhere"],
    "delivery_too_slow": ["because the delivery is too slow", "since it will arrive too late"],
    "changed_mind": ["because I changed my mind", "since I no longer want it"],
}


def _cancel(rng: random.Random) -> Ask:
    order = _order_id(rng)
    clause = rng.choice(["cancel order {o}", "cancel my order {o}", "call off order {o}"]).format(o=order)
    args: dict[str, list] = {"order_id": [order]}
    if rng.random() < 0.6:
        reason = rng.choice(list(CANCEL_REASONS))
        clause += " " + rng.choice(CANCEL_REASONS[reason])
        args["reason"] = [reason]
    if rng.random() < 0.3:
        refund = rng.choice(["store_credit", "original_payment"])
        clause += (
            " and refund me in store credit" if refund == "store_credit" else " and refund the original payment method"
        )
        args["refund_method"] = [refund]
    else:
        args["refund_method"] = ["", "original_payment"]
    return Ask(clause, args)


RETURN_REASONS = {
    "damaged": ["because it arrived damaged", "since it came broken"],
    "wrong_item": ["because the wrong item was sent", "since I received the wrong item"],
    "wrong_size": ["because it is the wrong size", "since the size does not fit"],
    "not_as_described": ["because it is not as described", "since it does not match the description"],
    "no_longer_needed": ["because I no longer need it", "since I do not need it anymore"],
}


def _return(rng: random.Random) -> Ask:
    order = _order_id(rng)
    sku = _sku(rng)
    reason = rng.choice(list(RETURN_REASONS))
    args: dict[str, list] = {"order_id": [order], "sku": [sku], "reason": [reason]}
    if rng.random() < 0.4:
        quantity = rng.randint(2, 5)
        what = f"{quantity} units of {sku}"
        args["quantity"] = [quantity]
    else:
        what = rng.choice([f"the {sku}", f"item {sku}"])
        args["quantity"] = ["", 1]
    clause = rng.choice(["return {w} from order {o}", "send back {w} from order {o}", "start a return of {w} in {o}"])
    clause = clause.format(w=what, o=order) + " " + rng.choice(RETURN_REASONS[reason])
    if rng.random() < 0.35:
        resolution = rng.choice(["refund", "exchange", "store_credit"])
        clause += {
            "refund": " and ask for a refund",
            "exchange": " and ask for an exchange",
            "store_credit": " and take store credit instead",
        }[resolution]
        args["resolution"] = [resolution]
    else:
        args["resolution"] = ["", "refund"]
    return Ask(clause, args)


SORTS = {
    "price_low_to_high": "sorted by price from low to high",
    "price_high_to_low": "sorted by price from high to low",
    "rating": "sorted by rating",
    "newest": "with the newest first",
}


def _search(rng: random.Random) -> Ask:
    product = rng.choice(list(PRODUCTS))
    clause = rng.choice(["search the shop for {p}", "find {p}", "look up {p} in the catalogue"]).format(p=product)
    args: dict[str, list] = {"query": [product]}
    if rng.random() < 0.35:
        category = PRODUCTS[product]
        clause += f" in the {category} category"
        args["category"] = [category]
    if rng.random() < 0.5:
        price = rng.choice([15, 25, 40, 49.99, 60, 75.5, 99, 120, 150, 249.99, 300])
        clause += rng.choice([" under ${p}", " costing at most ${p}"]).format(p=f"{price:.2f}" if price % 1 else price)
        args["max_price"] = [float(price)]
    if rng.random() < 0.4:
        rating = rng.choice([3.0, 3.5, 4.0, 4.2, 4.5, 4.8])
        clause += f" rated at least {rating:g} stars"
        args["min_rating"] = [rating]
    if rng.random() < 0.3:
        clause += rng.choice([" that are in stock", ", only ones in stock"])
        args["in_stock_only"] = [True]
    else:
        args["in_stock_only"] = ["", False]
    if rng.random() < 0.35:
        sort = rng.choice(list(SORTS))
        clause += ", " + SORTS[sort]
        args["sort_by"] = [sort]
    else:
        args["sort_by"] = ["", "relevance"]
    return Ask(clause, args)


STATUS_WORDS = {
    "pending": "pending",
    "shipped": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned",
}


def _list(rng: random.Random) -> Ask:
    args: dict[str, list] = {}
    status = ""
    if rng.random() < 0.6:
        name = rng.choice(list(STATUS_WORDS))
        status = STATUS_WORDS[name] + " "
        args["status"] = [name]
    if rng.random() < 0.4:
        limit = rng.choice([3, 5, 10, 20, 25])
        clause = rng.choice(["list my last {n} {s}orders", "show my {n} most recent {s}orders"]).format(
            n=limit, s=status
        )
        args["limit"] = [limit]
    else:
        clause = rng.choice(["list my {s}orders", "show all my {s}orders"]).format(s=status)
        args["limit"] = ["", 10]
    if rng.random() < 0.6 or len(args) == 1:
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 700))
        said = rng.choice([day.isoformat(), f"{MONTHS[day.month - 1]} {day.day}, {day.year}"])
        clause += rng.choice([" placed since {d}", " placed after {d}"]).format(d=said)
        args["placed_after"] = [day.isoformat()]
    return Ask(clause, args)


ORDER_ID = {"type": "string", "description": "Order number, e.g. ORD-123456."}

TOOLS = [
    Tool(
        "place_order",
        "Place a shop order for one or more products, shipped to an address.",
        {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "description": "Line items, in the order given.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "sku": {"type": "string", "description": "Product SKU, e.g. KB-1234."},
                            "quantity": {"type": "integer", "minimum": 1, "description": "Number of units."},
                        },
                        "required": ["sku", "quantity"],
                    },
                },
                "shipping_address": {
                    "type": "object",
                    "description": "Where to deliver the order.",
                    "properties": {
                        "recipient_name": {
                            "type": "string",
                            "description": "Name of the recipient; omit to use the account holder's name.",
                        },
                        "street": {"type": "string", "description": "House number and street."},
                        "city": {"type": "string", "description": "City."},
                        "postal_code": {"type": "string", "description": "Postal or ZIP code."},
                        "country": {"type": "string", "description": "Country."},
                    },
                    "required": ["street", "city", "postal_code", "country"],
                },
                "shipping_speed": {
                    "type": "string",
                    "enum": ["standard", "express", "overnight"],
                    "description": "Delivery speed (default standard).",
                },
                "gift_wrap": {"type": "boolean", "description": "Gift-wrap the order (default false)."},
                "coupon_code": {"type": "string", "description": "Discount coupon to apply; omit for none."},
            },
            "required": ["items", "shipping_address"],
        },
        _place,
    ),
    Tool(
        "track_order",
        "Get the shipping status of an order.",
        {
            "type": "object",
            "properties": {
                "order_id": ORDER_ID,
                "include_history": {
                    "type": "boolean",
                    "description": "Return every tracking event, not just the latest (default false).",
                },
            },
            "required": ["order_id"],
        },
        _track,
    ),
    Tool(
        "cancel_order",
        "Cancel an order that has not shipped yet.",
        {
            "type": "object",
            "properties": {
                "order_id": ORDER_ID,
                "reason": {
                    "type": "string",
                    "enum": list(CANCEL_REASONS),
                    "description": "Why the order is cancelled; omit if not given.",
                },
                "refund_method": {
                    "type": "string",
                    "enum": ["original_payment", "store_credit"],
                    "description": "How to refund the payment (default original_payment).",
                },
            },
            "required": ["order_id"],
        },
        _cancel,
    ),
    Tool(
        "return_order_item",
        "Start a return of an item from a delivered order.",
        {
            "type": "object",
            "properties": {
                "order_id": ORDER_ID,
                "sku": {"type": "string", "description": "SKU of the item to return."},
                "quantity": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Number of units to return (default 1).",
                },
                "reason": {
                    "type": "string",
                    "enum": list(RETURN_REASONS),
                    "description": "Why the item is returned.",
                },
                "resolution": {
                    "type": "string",
                    "enum": ["refund", "exchange", "store_credit"],
                    "description": "What the customer wants back (default refund).",
                },
            },
            "required": ["order_id", "sku", "reason"],
        },
        _return,
    ),
    Tool(
        "search_products",
        "Search the shop's product catalogue with filters.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to search for."},
                "category": {
                    "type": "string",
                    "enum": CATEGORIES,
                    "description": "Only products in this category; omit for all categories.",
                },
                "max_price": {"type": "number", "minimum": 0, "description": "Highest price in US dollars."},
                "min_rating": {
                    "type": "number",
                    "minimum": 1,
                    "maximum": 5,
                    "description": "Lowest average star rating, 1 to 5.",
                },
                "in_stock_only": {"type": "boolean", "description": "Only products in stock (default false)."},
                "sort_by": {
                    "type": "string",
                    "enum": ["relevance", *SORTS],
                    "description": "Order of the results (default relevance).",
                },
            },
            "required": ["query"],
        },
        _search,
    ),
    Tool(
        "list_orders",
        "List the user's past orders, newest first.",
        {
            "type": "object",
            "properties": {
                "status": {
                    "type": "string",
                    "enum": list(STATUS_WORDS),
                    "description": "Only orders with this status; omit for any status.",
                },
                "placed_after": {
                    "type": "string",
                    "description": "Only orders placed after this date, as YYYY-MM-DD.",
                },
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "description": "Most orders to return (default 10).",
                },
            },
            "required": [],
        },
        _list,
    ),
]
