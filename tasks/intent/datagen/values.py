"""Value pools of the intent generator and ``Values``, which fills a template's slots for one record.

Slot values (names, emails, order numbers, phone numbers in the 07700 900xxx drama range) are invented.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

POOLS: dict[str, tuple[str, ...]] = {
    "product": (
        "laptop", "tablet", "smartphone", "smartwatch", "headset", "Bluetooth speaker", "e-reader",
        "fitness tracker", "power bank", "drone", "gaming mouse", "mechanical keyboard", "webcam", "Wi-Fi router",
        "soundbar", "4K monitor", "robot vacuum", "electric toothbrush", "printer", "external hard drive",
        "games console", "portable projector", "smart doorbell", "dashcam", "action camera", "smart TV",
        "air purifier", "digital camera", "baby monitor", "electric scooter",
    ),
    "when": (
        "yesterday", "last week", "on Monday", "last Friday", "three days ago", "a week ago", "two weeks ago",
        "at the weekend", "on the 3rd", "last Tuesday", "ten days ago", "earlier this month", "a few days ago",
        "on Sunday",
    ),
    "age": (
        "a few weeks", "two months", "three months", "six months", "eight months", "nearly a year", "ten months",
        "five weeks",
    ),
    "fault": (
        "won't turn on", "keeps switching itself off", "has stopped working", "keeps freezing", "gets really hot",
        "keeps disconnecting", "randomly restarts", "won't power up anymore",
    ),
    "damage": ("cracked", "dented", "smashed", "badly scratched", "broken", "bent"),
    "colour": ("black", "white", "silver", "blue", "red", "grey", "green", "rose gold"),
    "variant": (
        "the black one", "the white one", "the silver version", "the grey one", "the Pro model",
        "the larger size", "the blue one", "the newer model",
    ),
    "accessory": (
        "a charger", "a carrying case", "a screen protector", "a spare cable", "a wall mount", "an extra remote",
        "a protective sleeve",
    ),
    "qty": ("2", "3", "4", "two", "three"),
    "saving": ("£5", "£10", "£15", "£20", "£25", "£30", "£40", "£50", "£60", "£75", "£80", "£100"),
    "threshold": ("£20", "£25", "£30", "£40", "£50", "£75", "£100"),
    "gift_value": ("£20", "£25", "£50", "£75", "£100", "£150", "£200"),
    "city": (
        "Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "Edinburgh", "Norwich", "Brighton", "York",
        "Sheffield", "Nottingham", "Bath", "Exeter", "Aberdeen", "Belfast", "Liverpool", "Oxford", "Swansea",
        "Plymouth", "Leicester",
    ),
    "country": (
        "Ireland", "France", "Germany", "Spain", "the Netherlands", "Norway", "Switzerland", "the United States",
        "Canada", "Australia", "Jersey", "Portugal",
    ),
    "deadline": (
        "by Friday", "before the weekend", "by tomorrow", "by the 20th", "before Christmas", "in time for Saturday",
        "by Monday",
    ),
    "day": ("Saturday", "Friday", "Sunday", "Thursday", "Wednesday"),
    "since": ("since this morning", "since yesterday", "all day", "for two days", "for an hour", "since last night"),
    "device": ("the app", "the website", "my phone", "my laptop", "my tablet"),
    "card_kind": ("Visa", "Mastercard", "Amex", "debit card", "credit card"),
}  # fmt: skip

FIRST_NAMES = (
    "Mara", "Tobias", "Ines", "Callum", "Priya", "Jonah", "Leila", "Dmitri", "Saoirse", "Mateo", "Freya", "Kwame",
    "Hana", "Oskar", "Amara", "Felix", "Noor", "Ruben", "Elif", "Theo",
)  # fmt: skip
LAST_NAMES = (
    "Halvorsen", "Brightwater", "Castellan", "Lindqvist", "Marchetti", "Abernathy", "Pellegrin", "Fairclough",
    "Kowalczyk", "Ashdown", "Thornbury", "Okafor-Lane", "Quillon", "Varga", "Deverell", "Ostrander",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.co.uk")
STREET_NAMES = (
    "Larkspur", "Maple", "Kestrel", "Harbour", "Juniper", "Orchard", "Willow", "Copperfield", "Ashgrove",
    "Millbrook", "Foxglove", "Beacon",
)  # fmt: skip
STREET_KINDS = ("Lane", "Road", "Street", "Avenue", "Close", "Drive", "Court", "Way")
# Promo codes and the discount each one promises.
CODES = (
    ("SPRING20", "20%"), ("WELCOME10", "10%"), ("SAVE15", "15%"), ("TECH25", "25%"), ("FLASH30", "30%"),
    ("STUDENT10", "10%"), ("NEWYEAR15", "15%"), ("AUTUMN20", "20%"), ("LUMORA10", "10%"), ("WEEKEND25", "25%"),
    ("SUMMER15", "15%"), ("GADGET20", "20%"),
)  # fmt: skip
# (current plan, wanted plan): only switches a Lumora Plus member would ask for.
PLAN_PAIRS = (
    ("monthly", "annual"), ("annual", "monthly"), ("individual", "family"), ("family", "individual"),
    ("student", "individual"), ("individual", "student"), ("monthly", "family"), ("annual", "family"),
)  # fmt: skip


def with_article(noun: str) -> str:
    """``a laptop``, ``an e-reader`` (the pools hold no noun where the first letter misleads)."""
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun


class Values:
    """Draws slot values for one record; the clauses of a multi-intent record get different orders and products."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()  # membership tests only, never iterated

    def fresh(self, make: Callable[[], str]) -> str:
        """A value not used yet in this record (after a few tries, whatever comes)."""
        value = make()
        for _ in range(20):
            if value not in self.used:
                break
            value = make()
        self.used.add(value)
        return value

    def pick(self, pool: Sequence[str]) -> str:
        return self.rng.choice(pool)

    def draw(self, key: str, extras: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        """The value(s) of one slot; keys that belong together (``product``/``a_product``) come as one draw."""
        rng = self.rng
        if key in extras:
            return {key: self.pick(extras[key])}
        if key in ("product", "a_product", "product2", "a_product2"):
            suffix = "2" if key.endswith("2") else ""
            product = self.fresh(lambda: self.pick(POOLS["product"]))
            return {f"product{suffix}": product, f"a_product{suffix}": with_article(product)}
        if key in ("colour", "colour2"):
            first = self.fresh(lambda: self.pick(POOLS["colour"]))
            return {"colour": first, "colour2": self.fresh(lambda: self.pick(POOLS["colour"]))}
        if key in ("plan", "plan2"):
            current, wanted = rng.choice(PLAN_PAIRS)
            return {"plan": current, "plan2": wanted}
        if key in ("code", "percent"):
            code, percent = rng.choice(CODES)
            return {"code": code, "percent": percent}
        if key == "order":
            return {key: self.fresh(lambda: str(rng.randint(10000, 99999)))}
        if key == "amount":
            pounds = rng.choice(
                (rng.randint(8, 99), rng.randint(100, 499), rng.randint(100, 499), rng.randint(500, 1400))
            )
            pence = "" if rng.random() < 0.4 else f".{rng.choice(('00', '99', '49', '95'))}"
            return {key: f"£{pounds:,}{pence}"}
        if key == "last4":
            return {key: f"{rng.randint(0, 9999):04d}"}
        if key == "card":
            return {key: f"{self.pick(POOLS['card_kind'])} ending in {rng.randint(0, 9999):04d}"}
        if key == "gcode":
            return {key: f"LUM-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"}
        if key == "email":
            first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
            local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}"))
            return {key: f"{local.lower()}@{self.pick(EMAIL_DOMAINS)}"}
        if key == "phone":
            return {key: f"07700 900{rng.randint(0, 999):03d}"}
        if key == "name":
            return {key: f"{self.pick(FIRST_NAMES)} {self.pick(LAST_NAMES)}"}
        if key == "street":
            return {key: f"{rng.randint(2, 180)} {self.pick(STREET_NAMES)} {self.pick(STREET_KINDS)}"}
        if key == "days":
            return {key: str(rng.randint(6, 30))}
        if key in POOLS:
            return {key: self.pick(POOLS[key])}
        raise KeyError(f"no pool for slot {{{key}}}")

    def fill(self, template: str, extras: Mapping[str, tuple[str, ...]]) -> str:
        """The template with its slots filled (a slot used twice shows the same value)."""
        shown: dict[str, str] = {}
        for key in slots(template):
            if key not in shown:
                shown.update(self.draw(key, extras))
        return template.format(**shown)


SLOT = re.compile(r"\{([a-z_0-9]+)\}")


def slots(template: str) -> list[str]:
    """The slot names of a template, in order of appearance."""
    return SLOT.findall(template)
