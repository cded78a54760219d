"""Rendering of the gis_command generator: filling templates, polite decoration, and the ID phrasing patterns."""

from __future__ import annotations

import random
import re

from harness.tasks.gis_command.datagen.families import FAMILIES, Family
from harness.tasks.gis_command.datagen.samplers import Sample

# Decoration of ID phrasings, and the connectors of two-command compositions in ood.
ID_PREFIXES = ("", "", "", "Please ", "Can you ", "Could you ")
ID_SUFFIXES = ("", "", " please", " now")
CONNECTORS = (" and then ", ", then ", ", after that ", " and also ", " followed by: ")


def fill(template: str, shown: dict[str, str]) -> str:
    """A template with its placeholders filled."""
    return template.format(**shown)


def sentence(text: str) -> str:
    """Upper-case the first character."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first character (templates never start with a name or with 'I')."""
    return text[:1].lower() + text[1:]


def id_phrase(rng: random.Random, family: Family, sample: Sample, *, decorate: bool) -> str:
    """An in-distribution phrasing, optionally with a polite prefix or a suffix."""
    body = fill(rng.choice(family.id_templates), sample.shown)
    if not decorate:
        return body
    prefix, suffix = rng.choice(ID_PREFIXES), rng.choice(ID_SUFFIXES)
    if prefix.strip() == "Please" and suffix.strip() == "please":
        suffix = ""
    return sentence(prefix + lower_first(body) if prefix else body) + suffix


def phrasing_pattern(template: str) -> re.Pattern[str]:
    """A regex that matches every input the ID ``template`` can produce, prefixes and suffixes included."""
    body = "(.+)".join(re.escape(part) for part in re.split(r"\{[a-z]+\}", template))
    prefixes = "|".join(re.escape(p) for p in sorted(set(ID_PREFIXES)) if p)
    suffixes = "|".join(re.escape(s) for s in sorted(set(ID_SUFFIXES)) if s)
    return re.compile(f"(?:{prefixes})?{body}(?:{suffixes})?", re.IGNORECASE)


def id_patterns() -> list[re.Pattern[str]]:
    """Patterns of every ID template of every family."""
    return [phrasing_pattern(t) for family in FAMILIES for t in family.id_templates]
