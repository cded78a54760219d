"""Value pools and helpers that the schema_json samplers draw from and phrase values with."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from harness.tasks.schema_json.datagen.gen_common import Display, Target

# ---- value pools --------------------------------------------------------------------------------

FIRST_NAMES = (
    "Maria", "James", "Aisha", "Chen", "Lukas", "Priya", "Diego", "Sofia", "Tom", "Fatima", "Kenji", "Olivia",
    "Mateo", "Hannah", "Omar", "Elena", "Noah", "Yuki", "Grace", "Ivan", "Zara", "Samuel", "Leila", "Ravi",
    "Chloé", "Björn", "Amara", "Daniel",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Khan", "Wei", "Müller", "Patel", "Fernández", "Rossi", "Becker", "Okafor", "Tanaka",
    "Johnson", "Silva", "Novak", "Haddad", "Dubois", "Kowalski", "Nguyen", "O'Brien", "Lindqvist", "Mensah",
    "Herrera", "Kim", "Walsh",
)  # fmt: skip
COMPANIES = (
    "Acme Supplies", "Northwind Traders", "Blue Harbor Logistics", "Globex Ltd", "Initech", "Lumen Office Co.",
    "Redwood Analytics", "Brightline Media", "Kestrel Software", "Meridian Foods", "Orbit Telecom",
    "Pinecrest Hardware", "Quantum Print", "Silverline Consulting", "Tidewater Energy", "Vertex Robotics",
    "Harbor & Finch", "Nordlicht GmbH", "Solaris SARL", "Cobalt Health",
)  # fmt: skip
CITIES = (
    ("New York", "JFK"), ("London", "LHR"), ("Paris", "CDG"), ("Frankfurt", "FRA"), ("Tokyo", "HND"),
    ("Singapore", "SIN"), ("Dubai", "DXB"), ("Toronto", "YYZ"), ("Madrid", "MAD"), ("Amsterdam", "AMS"),
    ("Chicago", "ORD"), ("San Francisco", "SFO"), ("Sydney", "SYD"), ("Mumbai", "BOM"), ("São Paulo", "GRU"),
    ("Berlin", "BER"), ("Lisbon", "LIS"), ("Seoul", "ICN"), ("Boston", "BOS"), ("Dublin", "DUB"),
)  # fmt: skip
STREETS = (
    "Maple Avenue", "High Street", "Elm Street", "Kingsway", "Harbour Road", "Oak Lane", "Mission Street",
    "Baker Street", "Park Road", "Church Lane", "Station Road", "Lakeview Drive",
)  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "fastmail.com", "icloud.com")
CURRENCIES = ("USD", "EUR", "GBP")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
IATA_PATTERN = "^[A-Z]{3}$"
AIRLINES = (
    ("Lufthansa", "LH"), ("British Airways", "BA"), ("Air France", "AF"), ("United", "UA"), ("Emirates", "EK"),
    ("KLM", "KL"), ("Delta", "DL"), ("Singapore Airlines", "SQ"), ("Iberia", "IB"), ("Qantas", "QF"),
)  # fmt: skip
PRODUCTS = (
    "Nimbus 2 running shoes", "AeroPress coffee maker", "Kindle Paperwhite", "WH-1000XM5 headphones",
    "Instant Pot Duo", "MX Master 3 mouse", "V8 cordless vacuum", "Rambler tumbler", "Talon 22 backpack",
    "Hue starter kit", "Trailblazer tent", "Pixel Buds Pro",
)  # fmt: skip
VENUES = ("The Blue Note", "Riverside Hall", "Civic Center", "The Old Mill", "Grand Pavilion", "Union Hall", "The Loft")


# ---- helpers for samplers -----------------------------------------------------------------------


def person(rng: random.Random) -> str:
    """A full name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def email_for(rng: random.Random, name: str, domain: str | None = None) -> str:
    """A plausible address for a person, at a webmail domain unless one is given."""
    first, last = (_slug(part) for part in name.split(" ", 1))
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(2, 98)}", f"{last}.{first}"])
    return f"{local}@{domain or rng.choice(EMAIL_DOMAINS)}"


def company_domain(company: str) -> str:
    """The web domain of a company in the pool, its top-level domain following the legal form."""
    tld = {"GmbH": ".de", "SARL": ".fr", "Ltd": ".co.uk"}.get(company.split(" ")[-1], ".com")
    return _slug(company.split(" ")[0]) + tld


def phone(rng: random.Random) -> str:
    """A phone number in one of a few national styles, kept verbatim in targets."""
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    return rng.choice([f"+1 {a} {b} {c}", f"({a}) {b}-{c}", f"+44 20 {b + 7000} {c}", f"+49 30 {b}{c}"])


def day(rng: random.Random, start: date = date(2025, 1, 6), span: int = 540) -> date:
    """A date in 2025-2026."""
    return start + timedelta(days=rng.randrange(span))


def say_date(rng: random.Random, value: date) -> str:
    """A date as people write it (never the ambiguous 03/04 forms)."""
    month = MONTHS[value.month - 1]
    return rng.choice(
        [
            value.isoformat(),
            f"{month} {value.day}, {value.year}",
            f"{value.day} {month} {value.year}",
            f"{month[:3]} {value.day}, {value.year}",
            f"{WEEKDAYS[value.weekday()]}, {month} {value.day}, {value.year}",
            f"{WEEKDAYS[value.weekday()][:3]} {value.day} {month[:3]} {value.year}",
        ]
    )


def clock(rng: random.Random, first: int = 8, last: int = 19) -> tuple[str, str]:
    """A time of day: the ``HH:MM`` target and a spoken form (``2:30 PM``, ``14:30``...)."""
    hour, minute = rng.randint(first, last), rng.choice((0, 0, 15, 30, 45))
    hh = f"{hour:02d}:{minute:02d}"
    twelve = f"{(hour - 1) % 12 + 1}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
    return hh, rng.choice([hh, twelve, twelve.lower().replace(" ", "")])


def amount(rng: random.Random, low: float, high: float) -> float:
    """A money amount with cents."""
    return round(rng.uniform(low, high), 2)


def say_money(rng: random.Random, value: float, currency: str) -> str:
    """An amount with its currency, as a symbol or a code."""
    grouped = f"{value:,.2f}"
    return rng.choice([f"{SYMBOLS[currency]}{grouped}", f"{grouped} {currency}", f"{currency} {value:.2f}"])


def say_count(rng: random.Random, value: int) -> str:
    """A small count as a digit or a word."""
    return NUMBER_WORDS[value] if value < len(NUMBER_WORDS) and rng.random() < 0.5 else str(value)


def say_thousands(rng: random.Random, value: int, symbol: str = "$") -> str:
    """A round price as ``$425,000`` or ``$425k``."""
    return rng.choice(
        [f"{symbol}{value:,}", f"{symbol}{value // 1000}k" if value % 1000 == 0 else f"{symbol}{value:,}"]
    )


def maybe(rng: random.Random, chance: float = 0.55) -> bool:
    """Whether an optional field is present in this example."""
    return rng.random() < chance


def plain(target: Target, *keys: str) -> Display:
    """Display strings that show target values as they are."""
    return {key: str(target[key]) for key in keys}


def cased(rng: random.Random, word: str) -> str:
    """An enum word as written in running text: as is, capitalised or upper case."""
    spoken = word.replace("_", " ")
    return rng.choice([spoken, spoken, spoken.capitalize(), spoken.upper()])


def flag(rng: random.Random, value: bool, yes: tuple[str, ...], no: tuple[str, ...]) -> str:
    """A boolean said as one of a few sentences."""
    return rng.choice(yes if value else no)


def yes_no(rng: random.Random, value: bool) -> str:
    """A boolean as a form field writes it."""
    return rng.choice(("yes", "Yes", "Y") if value else ("no", "No", "N"))


def listed(items: list[str]) -> str:
    """Items in running text: ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def plural(rng: random.Random, count: int, noun: str) -> str:
    """A count with its noun: ``two rooms``, ``1 room``."""
    return f"{say_count(rng, count)} {noun}{'' if count == 1 else 's'}"


def minutes(rng: random.Random, value: int) -> str:
    """A duration in minutes as people say it."""
    options = [f"{value} minutes", f"{value} min"]
    if value % 60 == 0:
        options.append(f"{value // 60} hour{'s' if value > 60 else ''}")
    elif value == 30:
        options.append("half an hour")
    elif value == 90:
        options.append("an hour and a half")
    return rng.choice(options)


def usd(value: float) -> str:
    """A dollar amount with cents."""
    return f"${value:,.2f}"


def pick_some(rng: random.Random, pool: tuple[str, ...], low: int, high: int) -> list[str]:
    """Distinct items of a pool, in the pool's order."""
    chosen = set(rng.sample(pool, rng.randint(low, high)))
    return [item for item in pool if item in chosen]


def stamp(rng: random.Random, start: date = date(2025, 1, 6), span: int = 540) -> tuple[str, str]:
    """A UTC date-time: the RFC 3339 target and how a text writes it."""
    when, (hh, said) = day(rng, start, span), clock(rng, 6, 22)
    return f"{when.isoformat()}T{hh}:00Z", f"{say_date(rng, when)} at {said} UTC"
