"""Structured-output helpers shared by tasks: JSON recovery from model text, JSON Schema checks, leaf comparison.

``schema_json`` uses all of them; function calling and API structured output can reuse them. jsonschema is
imported inside the functions that need it, so importing this module stays cheap.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.types import canonical_json, is_number

Path = tuple[str | int, ...]

FENCE = re.compile(r"```[A-Za-z0-9_+.-]*[ \t]*\r?\n?(.*?)(?:```|\Z)", re.DOTALL)
FIRST_BRACKET = re.compile(r"[{\[]")
MESSAGE_CHARS = 200
FEATURES = ("nested", "array", "array_of_objects", "enum", "format", "bounds", "pattern", "optional", "ref")
BOUND_KEYWORDS = frozenset(
    {
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    }
)


# ---- recovering JSON from model text ------------------------------------------------------------


@dataclass(frozen=True)
class ParsedJson:
    """The JSON value recovered from a model's text.

    ``how`` is ``raw`` (the whole text), ``fenced`` (a Markdown code block), ``embedded`` (the first
    value after some prose) or ``none``; ``ok`` is False only for ``none`` (``value`` may be JSON null).
    """

    ok: bool
    value: Any = None
    how: str = "none"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(text: str) -> tuple[bool, Any]:
    try:
        return True, _DECODER.decode(text)
    except ValueError:  # JSONDecodeError is a ValueError, and so is NaN/Infinity
        return False, None


def _first_value(text: str) -> tuple[bool, Any]:
    # Only the first bracket is tried: trying later ones would find an inner object of a truncated answer.
    match = FIRST_BRACKET.search(text)
    if match is None:
        return False, None
    try:
        value, _ = _DECODER.raw_decode(text, match.start())
    except ValueError:
        return False, None
    return True, value


def strip_code_fence(text: str) -> str:
    """The content of the first Markdown code block (closed or cut off), else the text itself, stripped."""
    match = FENCE.search(text)
    return (match.group(1) if match else text).strip()


def extract_json(text: str) -> ParsedJson:
    """The JSON value in a model's answer: the whole text, else a fenced block, else the first embedded value.

    Strict JSON only (no NaN/Infinity, no comments, no single quotes). The embedded case takes the value
    that starts at the first ``{`` or ``[`` and ignores whatever follows it.
    """
    stripped = text.strip()
    ok, value = _loads(stripped)
    if ok:
        return ParsedJson(True, value, "raw")
    body = strip_code_fence(stripped)
    if body != stripped:
        ok, value = _loads(body)
        if ok:
            return ParsedJson(True, value, "fenced")
    ok, value = _first_value(body)
    return ParsedJson(True, value, "embedded") if ok else ParsedJson(False)


# ---- JSON Schema validation ---------------------------------------------------------------------


def validator_class(schema: Any) -> Any:
    """The jsonschema validator class for a schema's ``$schema`` (draft-03 to 2020-12), 2020-12 by default.

    ``https://`` and ``http://`` spellings of a draft URI are taken as the same draft.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=None)
    if cls is None and isinstance(schema, dict) and isinstance(schema.get("$schema"), str):
        uri = schema["$schema"]
        swapped = (
            uri.replace("https://", "http://", 1)
            if uri.startswith("https://")
            else uri.replace("http://", "https://", 1)
        )
        cls = validator_for({"$schema": swapped}, default=None)
    return cls or Draft202012Validator


@lru_cache(maxsize=512)
def _validator_from_json(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = validator_class(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_validator(schema: Any) -> Any:
    """A validator with format checking on, cached by the schema's canonical JSON."""
    return _validator_from_json(canonical_json(schema))


@lru_cache(maxsize=512)
def _schema_problem_from_json(schema_json: str) -> str | None:
    from jsonschema.exceptions import SchemaError

    schema = json.loads(schema_json)
    try:
        validator_class(schema).check_schema(schema)
    except SchemaError as exc:
        return _short(f"{exc.json_path}: {exc.message}")
    return None


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a valid JSON Schema under its own draft's metaschema, or None."""
    if not isinstance(schema, (dict, bool)):
        return f"a JSON Schema is an object, not {type(schema).__name__}"
    return _schema_problem_from_json(canonical_json(schema))


def validation_error(schema: Any, instance: Any) -> str | None:
    """None when ``instance`` validates against ``schema``; else the most relevant error as one short line."""
    from jsonschema.exceptions import best_match

    try:
        error = best_match(schema_validator(schema).iter_errors(instance))
    except Exception as exc:  # a schema can pass its metaschema and still fail here (unresolvable $ref)
        return _short(f"schema cannot be applied: {type(exc).__name__}: {exc}")
    return None if error is None else _short(f"{error.json_path}: {error.message}")


def _short(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


# ---- comparing values leaf by leaf --------------------------------------------------------------


def leaf_items(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf of a JSON value with its path; an empty object or array is a leaf itself."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaf_items(child, (*path, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from leaf_items(child, (*path, index))
    else:
        yield path, value


def lookup(value: Any, path: Path) -> tuple[bool, Any]:
    """The value at ``path`` (object keys and array indices), with whether it exists."""
    for step in path:
        in_object = isinstance(step, str) and isinstance(value, dict) and step in value
        in_array = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        if in_object or in_array:
            value = value[step]
        else:
            return False, None
    return True, value


def format_path(path: Path) -> str:
    """A path as ``$.items[0].sku``, the form jsonschema uses in its errors."""
    return "$" + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def normalise_string(text: str) -> str:
    """Whitespace runs collapsed to one space, trimmed, case-folded."""
    return " ".join(text.split()).casefold()


def leaves_equal(expected: Any, actual: Any) -> bool:
    """Leaf equality: strings after normalisation, numbers numerically (2 == 2.0), everything else exactly.

    Types must agree: ``"5"`` is not ``5`` and ``true`` is not ``1``.
    """
    if isinstance(expected, str):
        return isinstance(actual, str) and normalise_string(expected) == normalise_string(actual)
    if is_number(expected):
        return is_number(actual) and math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    # an empty object or array
    return type(actual) is type(expected) and actual == expected


def values_equal(expected: Any, actual: Any) -> bool:
    """Deep equality with the leaf rules of ``leaves_equal``: same keys, same array lengths, any key order."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(values_equal(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(values_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return leaves_equal(expected, actual)


def field_accuracy(expected: Any, actual: Any) -> tuple[float, list[str]]:
    """Fraction of ``expected``'s leaves found equal at the same path in ``actual``, and the wrong paths.

    Array leaves are matched by index. Extra fields in ``actual`` do not count against it.
    """
    leaves = list(leaf_items(expected))
    wrong = []
    for path, value in leaves:
        found, other = lookup(actual, path)
        if not (found and leaves_equal(value, other)):
            wrong.append(format_path(path))
    return (len(leaves) - len(wrong)) / len(leaves), wrong


# ---- describing a schema ------------------------------------------------------------------------


def schema_features(schema: Any) -> tuple[str, ...]:
    """The structural features a schema uses, in ``FEATURES`` order, for per-feature breakdowns.

    ``nested``: an object inside an object's properties; ``array``/``array_of_objects``: arrays (of
    objects); ``enum`` (or ``const``), ``format``, ``bounds`` (numeric, length, item or property limits),
    ``pattern``; ``optional``: an object with a property it does not require; ``ref``: a ``$ref``.
    Local ``$ref``s are followed, so a definition counts where it is used.
    """
    found: set[str] = set()
    _walk(schema, schema, found, in_object=False, refs=frozenset())
    return tuple(feature for feature in FEATURES if feature in found)


def _resolve_local(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _is_object_schema(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _is_array_schema(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind) or "items" in node or "prefixItems" in node


def _resolved(node: Any, root: Any, refs: frozenset[str]) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in refs:
        refs = refs | {node["$ref"]}
        node = _resolve_local(root, node["$ref"])
    return node


def _walk(node: Any, root: Any, found: set[str], in_object: bool, refs: frozenset[str]) -> None:
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        found.add("ref")
        if ref not in refs:
            _walk(_resolve_local(root, ref), root, found, in_object, refs | {ref})
    _note_keywords(node, found)
    if _is_object_schema(node):
        _walk_object(node, root, found, in_object, refs)
    if _is_array_schema(node):
        _walk_array(node, root, found, refs)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(keyword, []) if isinstance(node.get(keyword), list) else []:
            _walk(branch, root, found, in_object, refs)


def _note_keywords(node: dict[str, Any], found: set[str]) -> None:
    if "enum" in node or "const" in node:
        found.add("enum")
    if "format" in node:
        found.add("format")
    if "pattern" in node:
        found.add("pattern")
    if BOUND_KEYWORDS & node.keys():
        found.add("bounds")


def _walk_object(node: dict[str, Any], root: Any, found: set[str], in_object: bool, refs: frozenset[str]) -> None:
    if in_object:
        found.add("nested")
    properties: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
    required: list[Any] = node["required"] if isinstance(node.get("required"), list) else []
    if set(properties) - set(required):
        found.add("optional")
    for child in properties.values():
        _walk(child, root, found, in_object=True, refs=refs)


def _walk_array(node: dict[str, Any], root: Any, found: set[str], refs: frozenset[str]) -> None:
    found.add("array")
    items = node.get("items")
    children = [items] if isinstance(items, dict) else list(node.get("prefixItems") or [])
    if isinstance(items, list):  # draft-04 to 2019-09 tuple form
        children = items
    for child in children:
        item = _resolved(child, root, refs)
        if isinstance(item, dict) and _is_object_schema(item):
            found.add("array_of_objects")
        _walk(child, root, found, in_object=False, refs=refs)
