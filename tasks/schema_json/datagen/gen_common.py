"""Machinery shared by the schema_json generator: schema builders, templates, specs and rendering.

Display keys name the target paths they show: ``due_date``, ``venue__city`` (nested),
``total+currency`` (two fields in one phrase), ``paid#label`` (a second wording); a key starting
with ``_`` is decoration. ``_coverage_problem`` checks every target field is shown and nothing else is.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

D4 = "http://json-schema.org/draft-04/schema#"
D6 = "http://json-schema.org/draft-06/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2019 = "https://json-schema.org/draft/2019-09/schema"
D2020 = "https://json-schema.org/draft/2020-12/schema"

Target = dict[str, Any]
Display = dict[str, str]


# ---- schema builders ----------------------------------------------------------------------------


def s_str(**extra: Any) -> dict[str, Any]:
    """A string property."""
    return {"type": "string", **extra}


def s_int(**extra: Any) -> dict[str, Any]:
    """An integer property."""
    return {"type": "integer", **extra}


def s_num(**extra: Any) -> dict[str, Any]:
    """A number property."""
    return {"type": "number", **extra}


def s_bool() -> dict[str, Any]:
    """A boolean property."""
    return {"type": "boolean"}


def s_enum(values: tuple[Any, ...], kind: str = "string") -> dict[str, Any]:
    """An enumerated property."""
    return {"type": kind, "enum": list(values)}


def s_array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An array property."""
    return {"type": "array", "items": items, **extra}


def s_obj(properties: dict[str, Any], optional: tuple[str, ...] = (), closed: bool = True) -> dict[str, Any]:
    """An object whose properties are all required except ``optional``."""
    node: dict[str, Any] = {"type": "object", "properties": properties}
    node["required"] = [key for key in properties if key not in optional]
    if closed:
        node["additionalProperties"] = False
    return node


def s_root(draft: str, title: str, properties: dict[str, Any], optional: tuple[str, ...] = (), **extra: Any) -> dict:
    """A top-level schema: ``$schema``, a title, the object, and extra keywords such as ``$defs``."""
    return {"$schema": draft, "title": title, **s_obj(properties, optional), **extra}


def s_ref(draft: str, name: str) -> dict[str, str]:
    """A ``$ref`` to a definition: ``$defs`` from 2019-09 on, ``definitions`` before."""
    return {"$ref": f"#/{'$defs' if draft in (D2019, D2020) else 'definitions'}/{name}"}


def s_defs(draft: str, **definitions: dict[str, Any]) -> dict[str, Any]:
    """The keyword holding definitions for this draft."""
    return {"$defs" if draft in (D2019, D2020) else "definitions": definitions}


# ---- templates and specs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A phrasing: a fixed head, body pieces (shuffled unless ``shuffle`` is False), a fixed tail."""

    head: str
    body: tuple[str, ...]
    tail: str = ""
    sep: str = " "
    shuffle: bool = True


def T(head: str, *body: str, tail: str = "", sep: str = " ", shuffle: bool = True) -> Template:
    """Shorthand for a Template."""
    return Template(head, body, tail, sep, shuffle)


@dataclass(frozen=True)
class Spec:
    """One schema of the data: its JSON Schema, a sampler of (target, display strings), its templates."""

    name: str
    schema: dict[str, Any]
    sample: Callable[[random.Random], tuple[Target, Display]]
    templates: tuple[Template, ...]


def _fields(piece: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(piece) if name}


def _target_paths(value: Any, prefix: str = "") -> set[str]:
    """Paths of the target's fields, descending into objects (an array is one field)."""
    paths = set()
    for key, child in value.items():
        path = f"{prefix}__{key}" if prefix else key
        paths.add(path)
        if isinstance(child, dict):
            paths |= _target_paths(child, path)
    return paths


def _coverage_problem(target: Target, used: set[str]) -> str | None:
    """Why the rendered pieces do not show exactly the target's fields, or None."""
    shown = {path for key in used if not key.startswith("_") for path in key.split("#")[0].split("+")}
    existing = _target_paths(target)
    if shown - existing:
        return f"text shows absent fields {sorted(shown - existing)}"
    leaves = {path for path in existing if not any(other.startswith(path + "__") for other in existing)}
    hidden = {leaf for leaf in leaves if not any(leaf == s or leaf.startswith(s + "__") for s in shown)}
    return f"text does not show {sorted(hidden)}" if hidden else None


def render(rng: random.Random, spec: Spec, target: Target, display: Display) -> str:
    """The text of one example: a template with its pieces for present fields, in shuffled order."""
    template = rng.choice(spec.templates)
    body = [piece for piece in template.body if _fields(piece) <= display.keys()]
    if template.shuffle:
        rng.shuffle(body)
    pieces = [piece for piece in (template.head, *body, template.tail) if piece]
    used = set().union(*(_fields(piece) for piece in pieces))
    problem = _coverage_problem(target, used)
    if problem:
        raise AssertionError(f"{spec.name}: template {template.head!r}: {problem}")
    return template.sep.join(piece.format(**display) for piece in pieces)


def ordered(target: Target, schema: dict[str, Any]) -> Target:
    """The target's top-level keys in the schema's property order."""
    return {key: target[key] for key in schema["properties"] if key in target}
