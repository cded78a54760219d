"""In-distribution schemas (train and test), part 2: shipping_address to real_estate_listing."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import timedelta

from harness.tasks.schema_json.datagen.gen_common import (
    D4,
    D6,
    D7,
    D2019,
    D2020,
    Display,
    Spec,
    T,
    Target,
    s_array,
    s_bool,
    s_enum,
    s_int,
    s_num,
    s_root,
    s_str,
)
from harness.tasks.schema_json.datagen.gen_values import (
    CITIES,
    COMPANIES,
    CURRENCIES,
    DATE_PATTERN,
    MONTHS,
    STREETS,
    TIME_PATTERN,
    VENUES,
    amount,
    cased,
    clock,
    day,
    flag,
    listed,
    maybe,
    minutes,
    person,
    pick_some,
    plain,
    plural,
    say_count,
    say_date,
    say_money,
    say_thousands,
    yes_no,
)

SHIPPING_ADDRESS = s_root(
    D4,
    "ShippingAddress",
    {
        "recipient": s_str(),
        "street": s_str(),
        "unit": s_str(),
        "city": s_str(),
        "postal_code": s_str(),
        "country": s_str(),
    },
    optional=("unit",),
)
POSTAL: tuple[tuple[str, str, Callable[[random.Random], str]], ...] = (
    ("Chicago", "United States", lambda rng: str(rng.randint(60601, 60661))),
    ("London", "United Kingdom", lambda rng: f"SW{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEH')}JQ"),
    ("Berlin", "Germany", lambda rng: str(rng.randint(10115, 14199))),
    ("Paris", "France", lambda rng: f"750{rng.randint(1, 20):02d}"),
    ("Toronto", "Canada", lambda rng: f"M5V {rng.randint(1, 9)}T{rng.randint(1, 9)}"),
    ("Madrid", "Spain", lambda rng: f"280{rng.randint(1, 80):02d}"),
    ("Lisbon", "Portugal", lambda rng: f"1{rng.randint(100, 999)}-{rng.randint(100, 999)}"),
    ("Dublin", "Ireland", lambda rng: f"D0{rng.randint(1, 8)} X{rng.randint(100, 999)}"),
)  # fmt: skip


def shipping_address(rng: random.Random) -> tuple[Target, Display]:
    """A postal address; the flat or suite is optional."""
    city, country, postcode = rng.choice(POSTAL)
    target: Target = {
        "recipient": person(rng),
        "street": f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
        "city": city,
        "postal_code": postcode(rng),
        "country": country,
    }
    if maybe(rng, 0.45):
        target["unit"] = rng.choice(
            (
                f"Apt {rng.randint(1, 30)}{rng.choice('ABC')}",
                f"Suite {rng.randint(100, 900)}",
                f"Flat {rng.randint(1, 12)}",
            )
        )
    return target, plain(target, *target)


EVENT = s_root(
    D7,
    "Event",
    {
        "name": s_str(),
        "venue": s_str(),
        "city": s_str(),
        "date": s_str(format="date"),
        "start_time": s_str(pattern=TIME_PATTERN),
        "ticket_price": s_num(minimum=0),
        "currency": s_enum(CURRENCIES),
    },
)
EVENT_NAMES = (
    "Summer Jazz Night", "Tech Founders Meetup", "Indie Film Festival", "Charity 5K Run", "Spring Craft Fair",
    "Symphony in the Park", "Comedy Open Mic", "Data Science Summit", "Wine Tasting Evening", "Vinyl Record Swap",
)  # fmt: skip


def event(rng: random.Random) -> tuple[Target, Display]:
    """A public event with a ticket price."""
    when, (start, said), currency = day(rng), clock(rng, 10, 21), rng.choice(CURRENCIES)
    price = float(rng.choice((5, 10, 12.5, 15, 20, 25, 35, 49.99, 60)))
    target: Target = {
        "name": rng.choice(EVENT_NAMES),
        "venue": rng.choice(VENUES),
        "city": rng.choice(CITIES)[0],
        "date": when.isoformat(),
        "start_time": start,
        "ticket_price": price,
        "currency": currency,
    }
    display = {
        **plain(target, "name", "venue", "city"),
        "date": say_date(rng, when),
        "start_time": said,
        "ticket_price+currency": say_money(rng, price, currency),
    }
    return target, display


RECIPE = s_root(
    D2020,
    "Recipe",
    {
        "name": s_str(),
        "servings": s_int(minimum=1),
        "prep_minutes": s_int(minimum=0),
        "cook_minutes": s_int(minimum=0),
        "ingredients": s_array(s_str(), minItems=2),
        "vegetarian": s_bool(),
    },
    optional=("cook_minutes",),
)
DISHES = (
    ("Lemon garlic pasta", ("spaghetti", "garlic", "lemon", "parmesan", "olive oil"), True),
    ("Chicken tikka masala", ("chicken thighs", "yogurt", "garam masala", "tomatoes", "cream"), False),
    ("Greek salad", ("cucumber", "tomatoes", "feta", "olives", "red onion"), True),
    ("Beef chili", ("ground beef", "kidney beans", "chili powder", "onion", "tomatoes"), False),
    ("Mushroom risotto", ("arborio rice", "mushrooms", "vegetable stock", "parmesan", "butter"), True),
    ("Salmon teriyaki", ("salmon fillets", "soy sauce", "mirin", "ginger", "sesame seeds"), False),
    ("Banana bread", ("bananas", "flour", "eggs", "brown sugar", "butter"), True),
    ("Shakshuka", ("eggs", "tomatoes", "bell pepper", "cumin", "paprika"), True),
)


def recipe(rng: random.Random) -> tuple[Target, Display]:
    """A recipe with a few of its ingredients; cooking time is optional."""
    name, pool, vegetarian = rng.choice(DISHES)
    target: Target = {
        "name": name,
        "servings": rng.randint(1, 8),
        "prep_minutes": rng.choice((5, 10, 15, 20, 30, 45)),
        "ingredients": pick_some(rng, pool, 3, 5),
        "vegetarian": vegetarian,
    }
    display = {
        "name": name,
        "servings": say_count(rng, target["servings"]),
        "prep_minutes": minutes(rng, target["prep_minutes"]),
        "ingredients": listed(target["ingredients"]),
        "vegetarian": flag(
            rng,
            vegetarian,
            ("Suitable for vegetarians.", "It's vegetarian."),
            ("Not vegetarian.", "Contains meat or fish."),
        ),
        "vegetarian#yn": yes_no(rng, vegetarian),
    }
    if name != "Greek salad" and maybe(rng, 0.7):
        target["cook_minutes"] = rng.choice((10, 15, 20, 25, 30, 40, 60, 90))
        display["cook_minutes"] = minutes(rng, target["cook_minutes"])
    return target, display


BANK_TRANSFER = s_root(
    D6,
    "BankTransfer",
    {
        "sender_name": s_str(),
        "recipient_name": s_str(),
        "recipient_iban": s_str(pattern="^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
        "amount": s_num(exclusiveMinimum=0),
        "currency": s_enum(CURRENCIES),
        "reference": s_str(maxLength=140),
        "execution_date": s_str(pattern=DATE_PATTERN),
    },
)


def iban(rng: random.Random) -> str:
    """An IBAN-shaped account number (German, French, Dutch or British layout)."""
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    country = rng.choice(("DE", "FR", "NL", "GB"))
    body = {
        "DE": digits(18),
        "FR": digits(23),
        "NL": rng.choice(("ABNA", "INGB", "RABO")) + digits(10),
        "GB": rng.choice(("NWBK", "BARC", "HBUK")) + digits(14),
    }[country]
    return f"{country}{digits(2)}{body}"


def bank_transfer(rng: random.Random) -> tuple[Target, Display]:
    """A payment order; the IBAN is sometimes written in groups of four."""
    when, currency, account = day(rng), rng.choice(("EUR", "EUR", "GBP")), iban(rng)
    value = amount(rng, 15, 25000)
    target: Target = {
        "sender_name": person(rng),
        "recipient_name": rng.choice((person(rng), rng.choice(COMPANIES))),
        "recipient_iban": account,
        "amount": value,
        "currency": currency,
        "reference": rng.choice(
            (
                f"INV-{rng.randint(1000, 99999)}",
                f"Rent {MONTHS[when.month - 1]}",
                f"Order {rng.randint(10000, 99999)}",
                "Deposit",
                "Consulting fee",
            )
        ),
    }
    grouped = " ".join(account[i : i + 4] for i in range(0, len(account), 4))
    display = {
        **plain(target, "sender_name", "recipient_name", "reference"),
        "recipient_iban": rng.choice((account, grouped)),
        "amount+currency": say_money(rng, value, currency),
        "execution_date": say_date(rng, when),
    }
    target["execution_date"] = when.isoformat()
    return target, display


MEDICAL_APPOINTMENT = s_root(
    D2019,
    "MedicalAppointment",
    {
        "patient": s_str(),
        "doctor": s_str(),
        "specialty": s_enum(
            ("general_practice", "dermatology", "cardiology", "pediatrics", "orthopedics", "ophthalmology")
        ),
        "date": s_str(format="date"),
        "time": s_str(pattern=TIME_PATTERN),
        "new_patient": s_bool(),
        "reason": s_str(),
    },
    optional=("reason",),
)
VISIT_REASONS = (
    "annual check-up",
    "persistent cough",
    "skin rash",
    "knee pain",
    "blurred vision",
    "follow-up on blood tests",
)


def medical_appointment(rng: random.Random) -> tuple[Target, Display]:
    """A doctor's appointment; the reason for the visit is optional."""
    when, (at, said) = day(rng), clock(rng, 8, 17)
    target: Target = {
        "patient": person(rng),
        "doctor": person(rng),
        "specialty": rng.choice(MEDICAL_APPOINTMENT["properties"]["specialty"]["enum"]),
        "date": when.isoformat(),
        "time": at,
        "new_patient": maybe(rng, 0.35),
    }
    display = {
        "patient": target["patient"],
        "doctor": rng.choice((f"Dr. {target['doctor']}", target["doctor"])),
        "specialty": cased(rng, target["specialty"]),
        "date": say_date(rng, when),
        "time": said,
        "new_patient": flag(
            rng,
            target["new_patient"],
            ("This is a first visit.", "First time at the clinic."),
            ("Returning patient.", "Seen here before."),
        ),
        "new_patient#yn": yes_no(rng, target["new_patient"]),
    }
    if maybe(rng, 0.5):
        target["reason"] = display["reason"] = rng.choice(VISIT_REASONS)
    return target, display


HOTEL_BOOKING = s_root(
    D7,
    "HotelBooking",
    {
        "guest": s_str(),
        "hotel": s_str(),
        "city": s_str(),
        "check_in": s_str(format="date"),
        "check_out": s_str(format="date"),
        "rooms": s_int(minimum=1, maximum=9),
        "breakfast_included": s_bool(),
    },
)
HOTELS = ("Grand Plaza Hotel", "Seaside Inn", "Hotel Lumière", "The Harbour View", "Parkside Suites", "Hotel Central")


def hotel_booking(rng: random.Random) -> tuple[Target, Display]:
    """A hotel stay of one to ten nights."""
    arrive = day(rng)
    leave = arrive + timedelta(days=rng.randint(1, 10))
    target: Target = {
        "guest": person(rng),
        "hotel": rng.choice(HOTELS),
        "city": rng.choice(CITIES)[0],
        "check_in": arrive.isoformat(),
        "check_out": leave.isoformat(),
        "rooms": rng.choice((1, 1, 1, 2, 3)),
        "breakfast_included": maybe(rng, 0.5),
    }
    display = {
        **plain(target, "guest", "hotel", "city"),
        "check_in": say_date(rng, arrive),
        "check_out": say_date(rng, leave),
        "rooms": plural(rng, target["rooms"], "room"),
        "rooms#n": str(target["rooms"]),
        "breakfast_included": flag(
            rng,
            target["breakfast_included"],
            ("Breakfast is included.", "Rate includes breakfast."),
            ("Breakfast is not included.", "Room only, no breakfast."),
        ),
        "breakfast_included#yn": yes_no(rng, target["breakfast_included"]),
    }
    return target, display


REAL_ESTATE_LISTING = s_root(
    D2020,
    "RealEstateListing",
    {
        "property_type": s_enum(("apartment", "house", "townhouse", "condo")),
        "city": s_str(),
        "price": s_int(minimum=0),
        "bedrooms": s_int(minimum=0),
        "bathrooms": s_num(minimum=0, multipleOf=0.5),
        "area_sqft": s_int(minimum=100),
        "has_garage": s_bool(),
    },
)


def real_estate_listing(rng: random.Random) -> tuple[Target, Display]:
    """A property for sale."""
    beds = rng.randint(1, 5)
    target: Target = {
        "property_type": rng.choice(("apartment", "house", "townhouse", "condo")),
        "city": rng.choice(CITIES)[0],
        "price": rng.randrange(150_000, 1_500_000, 5_000),
        "bedrooms": beds,
        "bathrooms": rng.choice((1, 1.5, 2, 2.5, 3)) if beds > 1 else 1,
        "area_sqft": rng.randrange(450, 3800, 10),
        "has_garage": maybe(rng, 0.45),
    }
    baths = target["bathrooms"]
    display = {
        "property_type": cased(rng, target["property_type"]),
        "city": target["city"],
        "price": say_thousands(rng, target["price"]),
        "bedrooms": rng.choice((plural(rng, beds, "bedroom"), f"{beds} bd")),
        "bedrooms#n": str(beds),
        "bathrooms": f"{baths:g} bath{'' if baths == 1 else 's'}",
        "bathrooms#n": f"{baths:g}",
        "area_sqft": rng.choice((f"{target['area_sqft']:,} sq ft", f"{target['area_sqft']} square feet")),
        "has_garage": flag(
            rng,
            target["has_garage"],
            ("Comes with a garage.", "Garage included."),
            ("No garage.", "Street parking only."),
        ),
        "has_garage#yn": yes_no(rng, target["has_garage"]),
    }
    return target, display


ID_SPECS_B = (
    Spec("shipping_address", SHIPPING_ADDRESS, shipping_address, (
        T("Please ship to:", "{recipient}", "{street}", "{unit}", "{city} {postal_code}", "{country}",
          sep="\n", shuffle=False),
        T("Send it to {recipient} at {street}, {city} {postal_code}, {country}.", "The unit is {unit}."),
        T("Deliver to {recipient}.", "Address: {street}.", "Unit: {unit}.", "City: {city}.", "Postcode: {postal_code}.",
          "Country: {country}."),
    )),
    Spec("event", EVENT, event, (
        T("Join us for {name}!", "{venue}, {city}.", "{date}, doors at {start_time}.",
          "Tickets {ticket_price+currency}."),
        T("{name} takes place at {venue} in {city} on {date}, starting at {start_time}.",
          "Entry costs {ticket_price+currency}."),
        T("EVENT: {name}", "WHERE: {venue}, {city}", "WHEN: {date} {start_time}", "PRICE: {ticket_price+currency}",
          sep="\n", shuffle=False),
    )),
    Spec("recipe", RECIPE, recipe, (
        T("{name}", "Serves {servings}.", "Prep time: {prep_minutes}.", "Cook time: {cook_minutes}.",
          "You'll need {ingredients}.", "{vegetarian}"),
        T("Tonight I'm making {name}; it serves {servings}.", "Prep takes {prep_minutes}.",
          "Cooking takes another {cook_minutes}.", "Ingredients: {ingredients}.", "{vegetarian}"),
        T("Recipe card: {name}", "Servings: {servings}", "Prep: {prep_minutes}", "Cook: {cook_minutes}",
          "Ingredients: {ingredients}", "Vegetarian: {vegetarian#yn}", sep="\n", shuffle=False),
    )),
    Spec("bank_transfer", BANK_TRANSFER, bank_transfer, (
        T("Please transfer {amount+currency} to {recipient_name}.", "IBAN: {recipient_iban}.",
          "Reference: \"{reference}\".", "Execute on {execution_date}.", tail="— {sender_name}"),
        T("Payment order from {sender_name}.", "Beneficiary: {recipient_name}, account {recipient_iban}.",
          "Amount: {amount+currency}.", "Value date: {execution_date}.", "Memo: {reference}."),
        T("Hi, {sender_name} here. Could you send {amount+currency} to {recipient_name} ({recipient_iban}) on "
          "{execution_date} with the reference \"{reference}\"?"),
    )),
    Spec("medical_appointment", MEDICAL_APPOINTMENT, medical_appointment, (
        T("Appointment confirmed: {patient} will see {doctor} ({specialty}) on {date} at {time}.", "{new_patient}",
          "Reason for visit: {reason}."),
        T("Patient: {patient}", "Clinician: {doctor}", "Department: {specialty}", "Date: {date}", "Time: {time}",
          "Visit reason: {reason}", "New patient: {new_patient#yn}", sep="\n", shuffle=False),
        T("Reminder for {patient}: {specialty} appointment with {doctor}.", "It is on {date} at {time}.",
          "{new_patient}", "Stated reason: {reason}."),
    )),
    Spec("hotel_booking", HOTEL_BOOKING, hotel_booking, (
        T("Reservation for {guest} at {hotel}, {city}.", "Check-in {check_in}, check-out {check_out}.", "{rooms}.",
          "{breakfast_included}"),
        T("Dear {guest}, thank you for choosing {hotel} in {city}.",
          "We have booked {rooms} for you from {check_in} to {check_out}.", "{breakfast_included}"),
        T("Booking summary", "Guest: {guest}", "Property: {hotel} ({city})", "Arrival: {check_in}",
          "Departure: {check_out}", "Rooms: {rooms#n}", "Breakfast: {breakfast_included#yn}", sep="\n", shuffle=False),
    )),
    Spec("real_estate_listing", REAL_ESTATE_LISTING, real_estate_listing, (
        T("For sale in {city}: {property_type} with {bedrooms} and {bathrooms}.", "{area_sqft}.", "Asking {price}.",
          "{has_garage}"),
        T("Just listed! A {area_sqft} {property_type} in {city}, priced at {price}.",
          "It has {bedrooms} and {bathrooms}.",
          "{has_garage}"),
        T("Type: {property_type}", "Location: {city}", "Price: {price}", "Beds: {bedrooms#n}", "Baths: {bathrooms#n}",
          "Size: {area_sqft}", "Garage: {has_garage#yn}", sep="\n", shuffle=False),
    )),
)  # fmt: skip
