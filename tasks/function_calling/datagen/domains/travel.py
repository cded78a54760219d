"""Travel: flight search, hotel rooms, flight status and visa requirements."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool

DOMAIN = "travel"

AIRPORTS = {
    "Lisbon": "LIS",
    "Oslo": "OSL",
    "Dublin": "DUB",
    "Vienna": "VIE",
    "Helsinki": "HEL",
    "Athens": "ATH",
    "Singapore": "SIN",
    "Auckland": "AKL",
    "Santiago": "SCL",
    "Lima": "LIM",
    "Bogota": "BOG",
    "Nairobi": "NBO",
    "Zurich": "ZRH",
    "Prague": "PRG",
    "Budapest": "BUD",
    "Montreal": "YUL",
    "Vancouver": "YVR",
    "Boston": "BOS",
    "Seattle": "SEA",
    "Hanoi": "HAN",
    "Manila": "MNL",
    "Marrakesh": "RAK",
    "Copenhagen": "CPH",
    "Edinburgh": "EDI",
}
CABINS = {
    "economy": ["in economy", "in economy class"],
    "premium_economy": ["in premium economy"],
    "business": ["in business class", "in business"],
    "first": ["in first class"],
}
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
HOTELS = [
    "Hotel Aurora",
    "Casa Alta",
    "Villa Serena",
    "Linden House",
    "Maple Lodge",
    "Brightwater Inn",
    "Fernhill Lodge",
    "Hotel Cordelia",
    "Quayside Suites",
    "Hotel Belvane",
    "Larkspur Inn",
    "Copperleaf Suites",
    "Pension Kestrel",
    "Hotel Mirabel",
]
HOTEL_CITIES = ["Porto", "Seville", "Kyoto", "Cusco", "Tallinn", "Bruges", "Hobart", "Ljubljana", "Split", "Galway"]
ROOMS = {
    "single": ["a single room"],
    "double": ["a double room"],
    "twin": ["a twin room"],
    "suite": ["a suite"],
}
AIRLINES = ["KL", "LH", "AF", "TP", "AY", "SK", "QF", "NZ", "AC", "LA", "EI", "OS", "IB", "JL", "TK", "ET"]
COUNTRIES = [
    "Brazil",
    "Canada",
    "India",
    "Japan",
    "Kenya",
    "Mexico",
    "Norway",
    "Vietnam",
    "Australia",
    "Egypt",
    "Chile",
    "Germany",
    "Indonesia",
    "Morocco",
    "Peru",
    "Thailand",
    "Ghana",
    "Portugal",
    "Argentina",
    "South Korea",
    "New Zealand",
    "Colombia",
    "Poland",
    "Jordan",
]
PURPOSES = {
    "tourism": [" for tourism", " for a holiday"],
    "business": [" on business", " for a business trip"],
    "study": [" to study", " for a study program"],
    "transit": [" for a transit stop", " in transit only"],
}


def _date(rng: random.Random, start: datetime.date, span_days: int, spoken: bool) -> tuple[datetime.date, str, str]:
    """A date within ``span_days`` after ``start``: the date, its ISO form, and how the user says it."""
    day = start + datetime.timedelta(days=rng.randint(0, span_days))
    iso = day.isoformat()
    return day, iso, f"{day:%B} {day.day}, {day.year}" if spoken else iso


def _count(n: int, noun: str, plural: str, words: bool) -> str:
    """``n`` nouns, in digits or (for small numbers, when ``words``) in words."""
    number = NUMBER_WORDS[n] if words and n < len(NUMBER_WORDS) else str(n)
    return f"{number} {noun if n == 1 else plural}"


def _airport(rng: random.Random, city: str) -> str:
    """How the user names an airport: the city, or now and then its IATA code."""
    return AIRPORTS[city] if rng.random() < 0.25 else city


def _search_flights(rng: random.Random) -> Ask:
    origin, destination = rng.sample(list(AIRPORTS), k=2)
    spoken, words = rng.random() < 0.5, rng.random() < 0.4
    out_day, out_iso, out_spoken = _date(rng, datetime.date(2025, 3, 1), 600, spoken)
    adults = rng.randint(1, 4)
    children = rng.choice([0, 0, 0, 1, 2, 3])
    party = _count(adults, "adult", "adults", words)
    if children:
        party += " and " + _count(children, "child", "children", words)
    passengers = {"adults": [adults], "children": [children] if children else ["", 0]}
    args: dict[str, list] = {
        "origin": [origin, AIRPORTS[origin]],
        "destination": [destination, AIRPORTS[destination]],
        "departure_date": [out_iso],
        "passengers": [passengers],
    }
    cabin_text = ""
    if rng.random() < 0.5:
        cabin = rng.choice(list(CABINS))
        cabin_text = " " + rng.choice(CABINS[cabin])
        args["cabin"] = [cabin]
    else:
        args["cabin"] = ["", "economy"]
    nonstop = rng.random() < 0.3
    args["nonstop_only"] = [True] if nonstop else ["", False]
    kind = "nonstop flights" if nonstop else "flights"
    route = f"from {_airport(rng, origin)} to {_airport(rng, destination)}"
    if rng.random() < 0.4:
        _, back_iso, back_spoken = _date(rng, out_day + datetime.timedelta(days=2), 20, spoken)
        args["return_date"] = [back_iso]
        when = f"leaving {out_spoken} and returning {back_spoken}"
    else:
        when = rng.choice([f"on {out_spoken}", f"departing {out_spoken}"])
    clause = rng.choice(
        [
            "search for {k} {r}{c} for {p} {w}",
            "find {k} {r} {w} for {p}{c}",
            "look up {k} {r}{c} {w} for {p}",
        ]
    )
    return Ask(clause.format(k=kind, r=route, c=cabin_text, p=party, w=when), args)


def _book_hotel(rng: random.Random) -> Ask:
    hotel = rng.choice(HOTELS)
    city = rng.choice(HOTEL_CITIES)
    words = rng.random() < 0.4
    _, iso, spoken = _date(rng, datetime.date(2025, 3, 1), 600, rng.random() < 0.5)
    nights = rng.randint(1, 14)
    nights_text = _count(nights, "night", "nights", words)
    args: dict[str, list] = {"hotel_name": [hotel], "city": [city], "check_in": [iso], "nights": [nights]}
    if rng.random() < 0.6:
        room = rng.choice(list(ROOMS))
        room_text = rng.choice(ROOMS[room])
        args["room_type"] = [room]
    else:
        room_text = "a room"
        args["room_type"] = ["", "double"]
    extras = []
    if rng.random() < 0.4:
        guests = rng.randint(1, 4)
        extras.append(" for " + _count(guests, "guest", "guests", words))
        args["guests"] = [guests]
    else:
        args["guests"] = ["", 1]
    if rng.random() < 0.35:
        breakfast = rng.random() < 0.7
        extras.append(" with breakfast included" if breakfast else " without breakfast")
        args["breakfast_included"] = [breakfast]
    else:
        args["breakfast_included"] = ["", False]
    rng.shuffle(extras)
    clause = rng.choice(
        [
            "book {r} at {h} in {c} for {n} from {d}{x}",
            "reserve {r} at {h} in {c}{x}, checking in on {d} for {n}",
            "book {r} at {h} in {c} checking in {d} and staying {n}{x}",
        ]
    )
    return Ask(clause.format(r=room_text, h=hotel, c=city, n=nights_text, d=spoken, x="".join(extras)), args)


def _flight_status(rng: random.Random) -> Ask:
    airline = rng.choice(AIRLINES)
    number = rng.randint(10, 2999)
    spoken_number = rng.choice([f"{airline}{number}", f"{airline} {number}"])
    args: dict[str, list] = {"flight_number": [f"{airline}{number}"]}
    when = ""
    if rng.random() < 0.5:
        _, iso, spoken = _date(rng, datetime.date(2025, 1, 1), 700, rng.random() < 0.5)
        when = f" on {spoken}"
        args["date"] = [iso]
    gate = ""
    if rng.random() < 0.35:
        gate = rng.choice([" along with its gate and terminal", " with gate and terminal details"])
        args["include_gate_info"] = [True]
    else:
        args["include_gate_info"] = ["", False]
    clause = rng.choice(
        [
            "check the status of flight {f}{w}{g}",
            "get the live status of flight {f}{w}{g}",
            "find out whether flight {f} is on time{w}{g}",
        ]
    )
    return Ask(clause.format(f=spoken_number, w=when, g=gate), args)


def _visa(rng: random.Random) -> Ask:
    citizenship, destination = rng.sample(COUNTRIES, k=2)
    args: dict[str, list] = {"citizenship": [citizenship], "destination_country": [destination]}
    purpose_text = ""
    if rng.random() < 0.5:
        purpose = rng.choice(list(PURPOSES))
        purpose_text = rng.choice(PURPOSES[purpose])
        args["purpose"] = [purpose]
    else:
        args["purpose"] = ["", "tourism"]
    stay_text = ""
    if rng.random() < 0.4:
        days = rng.choice([5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180])
        stay_text = rng.choice([f", staying {days} days", f", for a stay of {days} days"])
        args["stay_days"] = [days]
    clause = rng.choice(
        [
            "get the visa requirements for citizens of {a} traveling to {b}{p}{s}",
            "check whether passport holders from {a} need a visa for {b}{p}{s}",
            "find out if a citizen of {a} needs a visa to enter {b}{p}{s}",
        ]
    )
    return Ask(clause.format(a=citizenship, b=destination, p=purpose_text, s=stay_text), args)


TOOLS = [
    Tool(
        "search_flights",
        "Search scheduled flights between two airports for a party of passengers.",
        {
            "type": "object",
            "properties": {
                "origin": {"type": "string", "description": "Departure city or IATA airport code."},
                "destination": {"type": "string", "description": "Arrival city or IATA airport code."},
                "departure_date": {"type": "string", "description": "Outbound date as YYYY-MM-DD."},
                "return_date": {
                    "type": "string",
                    "description": "Return date as YYYY-MM-DD; omit for a one-way trip.",
                },
                "passengers": {
                    "type": "object",
                    "description": "Who is travelling.",
                    "properties": {
                        "adults": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 9,
                            "description": "Travellers aged 12 or over.",
                        },
                        "children": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 8,
                            "description": "Travellers aged 2 to 11 (default 0).",
                        },
                    },
                    "required": ["adults"],
                },
                "cabin": {
                    "type": "string",
                    "enum": ["economy", "premium_economy", "business", "first"],
                    "description": "Cabin class (default economy).",
                },
                "nonstop_only": {
                    "type": "boolean",
                    "description": "Only return flights without stops (default false).",
                },
            },
            "required": ["origin", "destination", "departure_date", "passengers"],
        },
        _search_flights,
    ),
    Tool(
        "book_hotel_room",
        "Book a room at a named hotel.",
        {
            "type": "object",
            "properties": {
                "hotel_name": {"type": "string", "description": "Name of the hotel."},
                "city": {"type": "string", "description": "City the hotel is in."},
                "check_in": {"type": "string", "description": "Check-in date as YYYY-MM-DD."},
                "nights": {"type": "integer", "minimum": 1, "maximum": 30, "description": "Number of nights."},
                "room_type": {
                    "type": "string",
                    "enum": ["single", "double", "twin", "suite"],
                    "description": "Kind of room (default double).",
                },
                "guests": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 6,
                    "description": "Number of guests staying in the room (default 1).",
                },
                "breakfast_included": {
                    "type": "boolean",
                    "description": "Whether to add breakfast to the booking (default false).",
                },
            },
            "required": ["hotel_name", "city", "check_in", "nights"],
        },
        _book_hotel,
    ),
    Tool(
        "get_flight_status",
        "Get the live departure and arrival status of a flight.",
        {
            "type": "object",
            "properties": {
                "flight_number": {
                    "type": "string",
                    "description": "Airline code followed by the flight number, e.g. 'KL1234'.",
                },
                "date": {
                    "type": "string",
                    "description": "Scheduled departure date as YYYY-MM-DD; omit for the next departure.",
                },
                "include_gate_info": {
                    "type": "boolean",
                    "description": "Also return the departure gate and terminal (default false).",
                },
            },
            "required": ["flight_number"],
        },
        _flight_status,
    ),
    Tool(
        "get_visa_requirements",
        "Look up the entry visa rules for a citizen of one country visiting another.",
        {
            "type": "object",
            "properties": {
                "citizenship": {"type": "string", "description": "Country that issued the traveller's passport."},
                "destination_country": {"type": "string", "description": "Country the traveller will enter."},
                "purpose": {
                    "type": "string",
                    "enum": ["tourism", "business", "study", "transit"],
                    "description": "Purpose of the trip (default tourism).",
                },
                "stay_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 365,
                    "description": "Planned length of stay in days; omit if not known.",
                },
            },
            "required": ["citizenship", "destination_country"],
        },
        _visa,
    ),
]
