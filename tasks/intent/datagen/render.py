"""Rendering of the intent generator: greeting/thanks decoration, multi-intent compositions, text comparison keys."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from harness.tasks.intent.datagen.spec import Spec
from harness.tasks.intent.datagen.values import SLOT, Values

PREFIX_PROBABILITY = 0.35
SUFFIX_PROBABILITY = 0.3
ID_PREFIXES = (
    "Hi, ",
    "Hello, ",
    "Hi there, ",
    "Hey, ",
    "Good morning, ",
    "Hi! ",
    "Hello. ",
    "Hello, I hope you can help. ",
)
ID_SUFFIXES = (" Thanks.", " Thank you!", " Thanks in advance.", " Cheers.", " Many thanks.", " Any help appreciated.")
KEEP_CAPITAL = ("I", "I'm", "I've", "I'd", "I'll", "Lumora", "VAT", "Plus")

# Multi-intent compositions: leads before an ``ask`` fragment, connectors between fragments.
ASK_LEADS = ("Can you", "Could you", "Could you please", "Please", "I need you to", "I'd like you to", "Would you")
QUESTION_LEADS = ("Can you", "Could you", "Could you please", "Would you")  # before the last ask of a list
ASK_JOINERS = (" and ", " and also ", ", and then ", " and, while you're at it, ", ", and please also ")
FOLLOW_LEADS = (
    "Also, can you", "Could you also", "And please", "While I have you, could you", "On top of that, can you",
    "Separately, please", "I'd also like you to", "And can you",
)  # fmt: skip
SAY_JOINERS = (", and ", ". Also, ", ". On top of that, ", "; also, ", ". And ", ". Separately, ", ", and also ")


def sentence(text: str) -> str:
    """Upper-case the first character."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first character, unless the first word is "I", a name or an acronym."""
    first = text.split(" ", 1)[0].rstrip(",.?!")
    if first in KEEP_CAPITAL or (len(first) > 1 and first.isupper()):
        return text
    return text[:1].lower() + text[1:]


def decorate(rng: random.Random, body: str, *, thanks: bool = True) -> str:
    """A body with an optional greeting prefix and (unless ``thanks`` is false) thanks suffix, drawn independently."""
    prefix = rng.choice(ID_PREFIXES) if rng.random() < PREFIX_PROBABILITY else ""
    suffix = rng.choice(ID_SUFFIXES) if rng.random() < SUFFIX_PROBABILITY and thanks else ""
    if prefix and not prefix.endswith((". ", "! ")):
        body = lower_first(body)
    return prefix + body + suffix


def normalise(text: str) -> str:
    """The comparison key of a text: lower case, words only, greeting and thanks decoration removed."""
    key = " ".join(re.findall(r"[a-z0-9£@]+", text.lower()))
    for prefix in sorted({normalise_plain(p) for p in ID_PREFIXES}, key=len, reverse=True):
        if key.startswith(prefix + " "):
            key = key[len(prefix) + 1 :]
            break
    for suffix in sorted({normalise_plain(s) for s in ID_SUFFIXES}, key=len, reverse=True):
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1]
            break
    return key


def normalise_plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9£@]+", text.lower()))


def phrasing_pattern(template: str) -> re.Pattern[str]:
    """A regex matching every text the ID ``template`` can produce, decoration included."""
    body = "(.+)".join(re.escape(part) for part in SLOT.split(template)[::2])
    prefixes = "|".join(re.escape(p) for p in ID_PREFIXES)
    suffixes = "|".join(re.escape(s) for s in ID_SUFFIXES)
    return re.compile(f"(?:{prefixes})?{body}(?:{suffixes})?", re.IGNORECASE | re.DOTALL)


def end_mark(lead: str) -> str:
    """``?`` after a lead that asks ("Could you also"), ``.`` after one that tells ("Please")."""
    return "?" if re.search(r"\b(can|could|would) you\b", lead, re.IGNORECASE) else "."


def compose(rng: random.Random, specs: Sequence[Spec]) -> str:
    """One message asking for every intent of ``specs`` (2 or 3), in the order given."""
    values = Values(rng)

    def ask(spec: Spec) -> str:
        return values.fill(rng.choice(spec.asks), spec.extras)

    def say(spec: Spec) -> str:
        return values.fill(rng.choice(spec.says), spec.extras)

    form = rng.randrange(3 if len(specs) == 2 else 4)
    if len(specs) == 2:
        first, second = specs
        if form == 0:
            lead = rng.choice(ASK_LEADS)
            return f"{lead} {ask(first)}{rng.choice(ASK_JOINERS)}{ask(second)}{end_mark(lead)}"
        if form == 1:
            lead = rng.choice(FOLLOW_LEADS)
            return f"{sentence(say(first))}. {lead} {ask(second)}{end_mark(lead)}"
        return f"{sentence(say(first))}{rng.choice(SAY_JOINERS)}{say(second)}."
    first, second, third = specs
    if form == 0:
        lead = rng.choice(ASK_LEADS)
        return f"{lead} {ask(first)}, {ask(second)}, and {ask(third)}{end_mark(lead)}"
    if form == 1:
        lead = rng.choice(FOLLOW_LEADS)
        return f"{sentence(say(first))}. {lead} {ask(second)} and {ask(third)}{end_mark(lead)}"
    if form == 2:
        return f"{sentence(say(first))}, {say(second)}, and please {ask(third)}."
    lead = rng.choice(QUESTION_LEADS)
    return (
        f"I have three things. First, {say(first)}. Second, {say(second)}. "
        f"And finally, {lower_first(lead)} {ask(third)}?"
    )
