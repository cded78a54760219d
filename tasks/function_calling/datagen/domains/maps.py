"""Maps: directions, nearby places, geocoding, travel-time estimates and saved places."""

from __future__ import annotations

import random

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool, join_words

DOMAIN = "maps"

PLACES = [
    "Union Square",
    "Riverside Park",
    "Kingsbridge Station",
    "Lakeview Hospital",
    "Harbor Point Marina",
    "Maple Grove Library",
    "Elm Street Market",
    "Westfield Stadium",
    "Oak Hill Campus",
    "City Hall",
    "Greenway Mall",
    "Northgate Airport",
    "Old Town Plaza",
    "Cedar Creek Trailhead",
    "Bayside Aquarium",
    "Pine Street Bakery",
    "Central Bus Terminal",
    "Hillcrest Golf Club",
    "Sunset Beach",
    "Willow Bend Zoo",
]
MODES = ["driving", "walking", "bicycling", "transit"]
CATEGORIES = {
    "restaurant": "restaurants",
    "cafe": "cafes",
    "pharmacy": "pharmacies",
    "gas_station": "gas stations",
    "atm": "ATMs",
    "hospital": "hospitals",
    "parking": "parking lots",
    "supermarket": "supermarkets",
    "hotel": "hotels",
    "museum": "museums",
    "ev_charger": "EV chargers",
    "bookstore": "bookstores",
}
# (city, country, postal code, other accepted spellings of the country)
CITIES = [
    ("Austin", "United States", "78701", ["USA", "US", "United States of America"]),
    ("Portland", "United States", "97205", ["USA", "US", "United States of America"]),
    ("Denver", "United States", "80202", ["USA", "US", "United States of America"]),
    ("Boston", "United States", "02108", ["USA", "US", "United States of America"]),
    ("Toronto", "Canada", "M5V 2T6", []),
    ("Vancouver", "Canada", "V6B 1A1", []),
    ("Edinburgh", "United Kingdom", "EH1 1YZ", ["UK", "GB", "Great Britain"]),
    ("Leeds", "United Kingdom", "LS1 4AP", ["UK", "GB", "Great Britain"]),
    ("Brighton", "United Kingdom", "BN1 1AA", ["UK", "GB", "Great Britain"]),
    ("Dublin", "Ireland", "D02 X285", []),
    ("Melbourne", "Australia", "3000", []),
    ("Perth", "Australia", "6000", []),
    ("Wellington", "New Zealand", "6011", []),
]
STREETS = [
    "Willow Road",
    "Harbour Street",
    "Maple Avenue",
    "Station Road",
    "King Street",
    "Park Lane",
    "Church Street",
    "Mill Lane",
    "Queen Street",
    "High Street",
    "Cedar Drive",
    "Orchard Way",
    "Bridge Street",
    "Victoria Terrace",
]
LABELS = [
    "Sunday Brunch Spot",
    "Trailhead Parking",
    "Best Sunset View",
    "Kayak Launch",
    "Quiet Reading Bench",
    "Dog Park",
    "Secret Picnic Meadow",
    "Taco Truck Corner",
    "Climbing Gym",
    "Farmers Market",
    "Birdwatching Hide",
    "Night Sky Lookout",
]
NOTES = [
    "Free parking after 6 pm",
    "Best in early spring",
    "Bring cash",
    "Closed on Mondays",
    "Great for a quick lunch",
    "Ask for the corner table",
]


def _num(value: float) -> int | float:
    """A whole number as an int (said "2", not "2.0"), others unchanged."""
    return int(value) if float(value).is_integer() else value


def _time(rng: random.Random) -> str:
    return f"{rng.randint(5, 22):02d}:{rng.choice([0, 10, 15, 20, 30, 40, 45, 50]):02d}"


def _directions(rng: random.Random) -> Ask:
    origin, destination, *stops = rng.sample(PLACES, k=4)
    mode = rng.choice(["", *MODES])
    kind = f"{mode} directions" if mode else "directions"
    args: dict[str, list] = {
        "origin": [origin],
        "destination": [destination],
        "mode": [mode] if mode else ["", "driving"],
    }
    clause = rng.choice(
        [
            "get {k} from {o} to {d}",
            "show me {k} from {o} to {d}",
            "find {k} to {d} starting at {o}",
        ]
    )
    text = clause.format(k=kind, o=origin, d=destination)
    if rng.random() < 0.4:
        waypoints = stops[: rng.randint(1, 2)]
        text += rng.choice([" via {w}", " with stops at {w}"]).format(w=join_words(waypoints))
        args["waypoints"] = [waypoints]
    else:
        args["waypoints"] = ["", []]
    if mode in ("", "driving") and rng.random() < 0.35:
        text += " avoiding toll roads"
        args["avoid_tolls"] = [True]
    else:
        args["avoid_tolls"] = ["", False]
    return Ask(text, args)


def _nearby(rng: random.Random) -> Ask:
    category = rng.choice(list(CATEGORIES))
    place = rng.choice(PLACES)
    args: dict[str, list] = {"category": [category], "near": [place]}
    if rng.random() < 0.65:
        radius = _num(rng.choice([0.5, 1, 1.5, 2, 2.5, 3, 5, 8, 10, 15]))
        text = rng.choice(["find {c} within {r} km of {p}", "look for {c} within {r} kilometers of {p}"])
        text = text.format(c=CATEGORIES[category], r=radius, p=place)
        args["radius_km"] = [radius]
    else:
        text = rng.choice(["find {c} near {p}", "show me {c} close to {p}"]).format(c=CATEGORIES[category], p=place)
        args["radius_km"] = ["", 1]
    if rng.random() < 0.35:
        text += " that are open now"
        args["open_now"] = [True]
    else:
        args["open_now"] = ["", False]
    if rng.random() < 0.35:
        rating = _num(rng.choice([3, 3.5, 4, 4.2, 4.5, 4.7]))
        text += f" rated at least {rating} stars"
        args["min_rating"] = [rating]
    if rng.random() < 0.3:
        limit = rng.choice([3, 5, 8, 15, 20])
        text += f" and give me at most {limit} results"
        args["max_results"] = [limit]
    else:
        args["max_results"] = ["", 10]
    return Ask(text, args)


def _geocode(rng: random.Random) -> Ask:
    city, country, postcode, other_names = rng.choice(CITIES)
    street = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
    address: dict[str, list] = {"street": [street], "city": [city], "country": [country, *other_names]}
    if rng.random() < 0.5:
        spoken = f"{street}, {city} {postcode}, {country}"
        address["postal_code"] = [postcode]
    else:
        spoken = f"{street}, {city}, {country}"
    clause = rng.choice(
        [
            "geocode the address {a}",
            "get the coordinates of {a}",
            "find the latitude and longitude of {a}",
        ]
    )
    text = clause.format(a=spoken)
    args: dict[str, list] = {"address": [address]}
    if rng.random() < 0.3:
        text += " and include its time zone"
        args["include_timezone"] = [True]
    else:
        args["include_timezone"] = ["", False]
    return Ask(text, args)


def _travel_time(rng: random.Random) -> Ask:
    origin, destination = rng.sample(PLACES, k=2)
    mode = rng.choice(MODES)
    round_trip = rng.random() < 0.3
    kind = f"round-trip {mode} time" if round_trip else f"{mode} time"
    clause = rng.choice(
        [
            "estimate the {k} from {o} to {d}",
            "tell me the expected {k} between {o} and {d}",
            "work out the {k} from {o} to {d}",
        ]
    )
    text = clause.format(k=kind, o=origin, d=destination)
    args: dict[str, list] = {
        "origin": [origin],
        "destination": [destination],
        "mode": [mode],
        "round_trip": [True] if round_trip else ["", False],
    }
    if rng.random() < 0.45:
        time = _time(rng)
        text += f" leaving at {time}"
        args["departure_time"] = [time]
    return Ask(text, args)


def _save(rng: random.Random) -> Ask:
    label = rng.choice(LABELS)
    lat = round(rng.uniform(-45, 65), 4)
    lon = round(rng.uniform(-160, 175), 4)
    clause = rng.choice(
        [
            'save the spot at latitude {la} and longitude {lo} as "{n}"',
            'save a place called "{n}" at coordinates {la}, {lo}',
            'bookmark latitude {la}, longitude {lo} under the name "{n}"',
        ]
    )
    text = clause.format(la=lat, lo=lon, n=label)
    args: dict[str, list] = {"name": [label], "coordinates": [{"latitude": [lat], "longitude": [lon]}]}
    list_name = rng.choice(["", "", "favorites", "want_to_go", "starred"])
    if list_name:
        text += f" in my {list_name.replace('_', ' ')} list"
        args["list_name"] = [list_name]
    else:
        args["list_name"] = ["", "favorites"]
    if rng.random() < 0.3:
        note = rng.choice(NOTES)
        text += f' with the note "{note}"'
        args["note"] = [note]
    if rng.random() < 0.3:
        text += " and notify me when I am nearby"
        args["notify_when_nearby"] = [True]
    else:
        args["notify_when_nearby"] = ["", False]
    return Ask(text, args)


PLACE_PARAM = {"type": "string", "description": "Place name or address."}
MODE_PARAM = {"type": "string", "enum": MODES, "description": "How to travel."}

TOOLS = [
    Tool(
        "get_directions",
        "Get turn-by-turn directions between two places, optionally through waypoints.",
        {
            "type": "object",
            "properties": {
                "origin": PLACE_PARAM,
                "destination": PLACE_PARAM,
                "mode": {**MODE_PARAM, "description": "How to travel (default driving)."},
                "waypoints": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Places to pass through in order (default empty).",
                },
                "avoid_tolls": {"type": "boolean", "description": "Avoid toll roads (default false)."},
            },
            "required": ["origin", "destination"],
        },
        _directions,
    ),
    Tool(
        "find_nearby_places",
        "Find places of a category around a location.",
        {
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": list(CATEGORIES), "description": "Kind of place."},
                "near": {"type": "string", "description": "Place or address to search around."},
                "radius_km": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "Search radius in kilometres (default 1).",
                },
                "open_now": {"type": "boolean", "description": "Only places open now (default false)."},
                "min_rating": {
                    "type": "number",
                    "minimum": 1,
                    "maximum": 5,
                    "description": "Lowest star rating to include.",
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 50,
                    "description": "Maximum number of results (default 10).",
                },
            },
            "required": ["category", "near"],
        },
        _nearby,
    ),
    Tool(
        "geocode_address",
        "Convert a postal address to latitude and longitude.",
        {
            "type": "object",
            "properties": {
                "address": {
                    "type": "object",
                    "description": "The address, split into its parts.",
                    "properties": {
                        "street": {"type": "string", "description": "House number and street, e.g. 14 Willow Road."},
                        "city": {"type": "string", "description": "City."},
                        "postal_code": {"type": "string", "description": "Postal or ZIP code."},
                        "country": {"type": "string", "description": "Country name."},
                    },
                    "required": ["street", "city", "country"],
                },
                "include_timezone": {
                    "type": "boolean",
                    "description": "Also return the time zone of the location (default false).",
                },
            },
            "required": ["address"],
        },
        _geocode,
    ),
    Tool(
        "estimate_travel_time",
        "Estimate how long a trip between two places takes.",
        {
            "type": "object",
            "properties": {
                "origin": PLACE_PARAM,
                "destination": PLACE_PARAM,
                "mode": MODE_PARAM,
                "departure_time": {
                    "type": "string",
                    "description": "Departure time today, 24-hour HH:MM; omit to leave now.",
                },
                "round_trip": {"type": "boolean", "description": "Estimate there and back (default false)."},
            },
            "required": ["origin", "destination", "mode"],
        },
        _travel_time,
    ),
    Tool(
        "save_favorite_place",
        "Save a location to one of the user's place lists.",
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Label for the saved place."},
                "coordinates": {
                    "type": "object",
                    "description": "Where the place is.",
                    "properties": {
                        "latitude": {"type": "number", "description": "Latitude in degrees."},
                        "longitude": {"type": "number", "description": "Longitude in degrees."},
                    },
                    "required": ["latitude", "longitude"],
                },
                "list_name": {
                    "type": "string",
                    "enum": ["favorites", "want_to_go", "starred"],
                    "description": "List to save it in (default favorites).",
                },
                "note": {"type": "string", "description": "A short note about the place."},
                "notify_when_nearby": {
                    "type": "boolean",
                    "description": "Notify the user when they are close to the place (default false).",
                },
            },
            "required": ["name", "coordinates"],
        },
        _save,
    ),
]
