"""BFCL-style AST checking of tool calls: decode a model's calls, then check them against acceptable values.

An expected call is BFCL's possible answer ``{name: {param: [acceptable values]}}``. A produced call
passes when, against the offered function's JSON Schema:

- its name is the expected name;
- every required parameter is present and no parameter lies outside the schema or the answer;
- every value has the schema's type (an int is accepted where a number is asked for; a bool never is)
  and equals one of the acceptable values; ``""`` among them lets an optional parameter be omitted;
- a value whose acceptable values have another type than the schema declares, and which has theirs, is a
  variable (BFCL's ``is_variable``: ``config="mapController"`` for an object parameter, ``null`` for a
  string): it must equal one of them as written. One level down the same holds for array items.

Values compare as BFCL compares them: strings after ``normalize_string`` (lower case, without spaces
and the punctuation ``, . / - _ * ^``, single quotes read as double), integers exactly, floats within
``FLOAT_TOLERANCE`` (BFCL: exactly),
lists element by element in order, objects key by key with each key's own acceptable values
(BFCL's nested form ``{"address": [{"city": ["Lyon"], "zip": ["", "69001"]}]}``).

Several expected calls (parallel) are matched without regard to order: a one-to-one assignment of
produced to expected calls must exist, and the counts must agree. No expected call (irrelevance)
passes only when nothing was called. (Deciding what a text that does not decode means is the task's
job: function_calling counts a prose reply as no call, but a cut-off or malformed attempt at calls
as a parse error, where BFCL counts any undecodable output as a correct abstention.)

Every failure carries one ``error_type``: ``parse_error``, ``wrong_count``, ``wrong_name``,
``missing_required``, ``unexpected_param``, ``type_error``, ``value_error``, ``irrelevance_called``
or ``no_call``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.metrics.calls import parse_call_list
from harness.types import ToolCall

ERROR_TYPES = (
    "parse_error",
    "wrong_count",
    "wrong_name",
    "missing_required",
    "unexpected_param",
    "type_error",
    "value_error",
    "irrelevance_called",
    "no_call",
)
# Floats compare within this (representation noise such as 0.1 + 0.2 only); integers compare exactly.
FLOAT_TOLERANCE = 1e-9
_PUNCTUATION = re.compile(r"[ ,./\-_*^]")
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
# Text that tries to call something (a JSON object or list, or name(...)) as opposed to a prose reply.
_CALL_ATTEMPT = re.compile(r"[\[{]|\b[A-Za-z_][\w.]*\s*\(")


# ---- decoding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    """The calls found in a model's output, or why none could be read."""

    calls: tuple[ToolCall, ...] = ()
    error: str | None = None
    # How the output was read: native, json, python, tool_call_tags, empty; or prose / invalid.
    how: str = ""

    @property
    def ok(self) -> bool:
        """Whether the output decoded into a (possibly empty) list of calls."""
        return self.error is None


def decode_calls(text: str, tools: Sequence[Mapping[str, Any]] = ()) -> Decoded:
    """Read tool calls from text in the documented forms; failures are returned, never raised.

    Accepted: a JSON list of ``{"name", "arguments"}`` objects (``parameters`` for ``arguments``,
    OpenAI's ``{"function": {...}}`` wrapper and a JSON-string ``arguments`` too), one such object
    alone, Hermes-style ``<tool_call>{...}</tool_call>`` blocks, or Python call syntax
    (``[f(a=1), g(b=2)]``, ``f(a=1); g(b=2)``) where positional arguments take the offered function's
    parameters in schema order. A Markdown code fence around the answer is removed. Blank output and
    ``[]`` are an empty list of calls.
    """
    source = text.strip()
    fenced = _FENCE.search(source)
    if fenced:
        source = fenced.group(1).strip()
    if not source:
        return Decoded(how="empty")
    if "<tool_call>" in source:
        return _from_tags(source)
    try:
        value = json.loads(source)
    except (json.JSONDecodeError, RecursionError):
        value = None
    else:
        return _from_json(value, "json")
    parsed = parse_call_list(source)
    if parsed.ok:
        params = {str(t["name"]): list((t.get("parameters") or {}).get("properties") or {}) for t in _functions(tools)}
        calls = []
        for call in parsed.calls:
            names = params.get(call.name, [])
            arguments = {(names[i] if i < len(names) else f"arg{i}"): v for i, v in enumerate(call.args)}
            arguments.update(call.kwargs)
            calls.append(ToolCall(call.name, arguments))
        return Decoded(tuple(calls), how="python")
    if not _CALL_ATTEMPT.search(source):
        return Decoded(error="a prose reply, not calls", how="prose")
    return Decoded(error=f"not a call list ({parsed.error})", how="invalid")


def _from_tags(source: str) -> Decoded:
    calls: list[ToolCall] = []
    for block in _TOOL_CALL_TAG.findall(source):
        try:
            value = json.loads(block)
        except json.JSONDecodeError as exc:
            return Decoded(error=f"<tool_call> block is not JSON ({exc.msg})", how="invalid")
        decoded = _from_json(value, "tool_call_tags")
        if not decoded.ok:
            return decoded
        calls.extend(decoded.calls)
    return Decoded(tuple(calls), how="tool_call_tags")


def _from_json(value: Any, how: str) -> Decoded:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        items = value["tool_calls"]
    calls = []
    for item in items:
        call = _json_call(item)
        if call is None:
            return Decoded(error=f"not a call object: {json.dumps(item)[:80]}", how="invalid")
        calls.append(call)
    return Decoded(tuple(calls), how=how)


def _json_call(item: Any) -> ToolCall | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):
        item = item["function"]
    name = item.get("name")
    arguments = item.get("arguments", item.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return None
    if not isinstance(name, str) or not name or not isinstance(arguments, dict):
        return None
    return ToolCall(name, arguments)


def _functions(tools: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Function documents, whether given bare or in OpenAI's ``{"type": "function", "function": ...}``."""
    return [t["function"] if isinstance(t.get("function"), Mapping) else t for t in tools]


# ---- checking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether produced calls match the expected ones, and if not, the first reason why."""

    ok: bool
    error_type: str | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


PASS = Verdict(True)


def normalize_string(value: str) -> str:
    """BFCL's string normalisation: lower case, no spaces or ``, . / - _ * ^``, single quotes as double."""
    return _PUNCTUATION.sub("", value).lower().replace("'", '"')


def type_problem(value: Any, schema: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not have the type ``schema`` declares (None when it does, or no type is declared).

    Arrays and objects are checked inside too: ``item 2: expected string, got integer``.
    """
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared] if declared else []
    problems = [_type_problem(value, kind, schema) for kind in types]
    found = [p for p in problems if p is not None]
    if not problems or len(found) < len(problems):
        return None
    return next((p for p in found if not p.startswith("expected")), None) or (
        f"expected {' or '.join(map(str, types))}, got {_json_type(value)}"
    )


def _type_problem(value: Any, kind: str, schema: Mapping[str, Any]) -> str | None:
    simple = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "array": isinstance(value, (list, tuple)),
        "object": isinstance(value, Mapping),
    }
    if not simple.get(kind, True):
        return f"expected {kind}, got {_json_type(value)}"
    if kind == "array" and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            problem = type_problem(item, schema["items"])
            if problem:
                return f"item {index}: {problem}"
    if kind == "object":
        properties = schema.get("properties") or {}
        for key, item in value.items():
            problem = type_problem(item, properties[key]) if key in properties else None
            if problem:
                return f"{key}: {problem}"
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null" if value is None else type(value).__name__


def value_matches(actual: Any, acceptable: Any) -> bool:
    """Whether a produced value equals one acceptable value (in BFCL's nested form for objects)."""
    if isinstance(acceptable, bool) or isinstance(actual, bool):
        return isinstance(acceptable, bool) and isinstance(actual, bool) and acceptable == actual
    if isinstance(acceptable, int) and isinstance(actual, int):
        return actual == acceptable
    if isinstance(acceptable, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(actual, acceptable, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(acceptable, str) and isinstance(actual, str):
        return normalize_string(actual) == normalize_string(acceptable)
    if isinstance(acceptable, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(actual) == len(acceptable) and all(
            value_matches(a, e) for a, e in zip(actual, acceptable, strict=True)
        )
    if isinstance(acceptable, Mapping) and isinstance(actual, Mapping):
        return _object_matches(actual, acceptable)
    return acceptable is None and actual is None


def _object_matches(actual: Mapping[str, Any], acceptable: Mapping[str, Any]) -> bool:
    """Key by key: each expected key's acceptable values, omission where ``""``.

    In BFCL's nested form a key maps to a list of acceptable values; a non-list (or empty list) is taken
    as the one acceptable value itself.
    """
    if set(actual) - set(acceptable):
        return False
    for key, options in acceptable.items():
        choices = options if isinstance(options, list) and options else [options]
        if key not in actual:
            if "" not in choices:
                return False
        elif not any(value_matches(actual[key], choice) for choice in choices if choice != "" or actual[key] == ""):
            return False
    return True


# The Python type BFCL expects for each JSON Schema type; no type is BFCL's ``any``, which it expects as a string.
_EXPECTED_TYPE: dict[str | None, type] = {
    None: str,
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def is_variable_reference(value: Any, schema: Mapping[str, Any], options: Sequence[Any]) -> bool:
    """Whether ``value`` stands for a variable (BFCL's ``is_variable``): the acceptable values have another type
    than the schema declares, and ``value`` has theirs (``config="mapController"`` for an object parameter,
    ``null`` for a string one). Such a value is compared as written: ``value in options``.
    """
    declared = schema.get("type")
    if not (declared is None or isinstance(declared, str)) or declared not in _EXPECTED_TYPE:
        return False
    answer = next((option for option in options if option != ""), None)
    if answer is None and all(option == "" for option in options):
        return False
    return type(answer) is not _EXPECTED_TYPE[declared] and type(value) is type(answer)


def _checked_schema(schema: Mapping[str, Any], options: Sequence[Any]) -> Mapping[str, Any]:
    """The schema a value's type is checked against: an array's item type is waived where the acceptable
    lists hold items of another type (BFCL's variable rule one level down: ``["apple"]`` for integer items)."""
    items = schema.get("items")
    if schema.get("type") != "array" or not isinstance(items, Mapping) or not isinstance(items.get("type"), str):
        return schema
    expected = _EXPECTED_TYPE.get(items["type"])
    answer_items = [item for option in options if isinstance(option, list) for item in option]
    if expected is not None and any(type(item) is not expected for item in answer_items):
        return {key: value for key, value in schema.items() if key != "items"}
    return schema


def check_call(
    call: ToolCall, expected_name: str, acceptable: Mapping[str, list[Any]], function: Mapping[str, Any]
) -> Verdict:
    """One produced call against one expected call of the offered ``function`` (its JSON-Schema document)."""
    if call.name != expected_name:
        return Verdict(False, "wrong_name", f"called {call.name}, expected {expected_name}")
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") or {}
    missing = [p for p in parameters.get("required") or [] if p not in call.arguments]
    if missing:
        return Verdict(False, "missing_required", f"{call.name}: missing required parameter {missing[0]}")
    for param in call.arguments:
        if param not in properties or param not in acceptable:
            where = "schema" if param not in properties else "answer"
            return Verdict(False, "unexpected_param", f"{call.name}: parameter {param} is not in the {where}")
    for param, value in call.arguments.items():
        options = acceptable[param]
        if is_variable_reference(value, properties[param], options):
            if value not in options:  # a variable's name is compared as written, as BFCL does
                return Verdict(False, "value_error", f"{call.name}.{param}: variable {value!r} is not one of {options}")
            continue
        problem = type_problem(value, _checked_schema(properties[param], options))
        if problem:
            return Verdict(False, "type_error", f"{call.name}.{param}: {problem}")
        if not any(value_matches(value, option) for option in options if option != "" or value == ""):
            return Verdict(
                False,
                "value_error",
                f"{call.name}.{param}: {json.dumps(value)[:60]} is not one of {json.dumps(options)[:120]}",
            )
    for param, options in acceptable.items():
        if param not in call.arguments and "" not in options:
            return Verdict(False, "value_error", f"{call.name}: parameter {param} is needed and was omitted")
    return PASS


def check_calls(
    produced: Sequence[ToolCall],
    expected: Sequence[Mapping[str, Mapping[str, list[Any]]]],
    tools: Sequence[Mapping[str, Any]],
) -> Verdict:
    """Produced calls against the expected list (``[]`` for irrelevance); order-free for several calls."""
    if not expected:
        if produced:
            return Verdict(False, "irrelevance_called", f"called {produced[0].name} where no offered tool fits")
        return PASS
    if not produced:
        return Verdict(False, "no_call", "no call was made")
    if len(produced) != len(expected):
        return Verdict(False, "wrong_count", f"{len(produced)} calls, expected {len(expected)}")
    functions = {str(f["name"]): f for f in _functions(tools)}
    wanted = [next(iter(e.items())) for e in expected]
    if Counter(c.name for c in produced) != Counter(name for name, _ in wanted):
        for call in produced:
            if call.name not in functions:
                return Verdict(False, "wrong_name", f"called {call.name}, which is not an offered tool")
        names = ", ".join(sorted(name for name, _ in wanted))
        return Verdict(False, "wrong_name", f"called {', '.join(sorted(c.name for c in produced))}, expected {names}")
    verdicts = [
        [check_call(call, name, acceptable, functions.get(name, {})) for call in produced]
        for name, acceptable in wanted
    ]
    assignment = _assign([[v.ok for v in row] for row in verdicts])
    if assignment is not None:
        return PASS
    # Report the first expected call that no produced call can take, with its nearest same-named failure.
    for row, (name, _) in zip(verdicts, wanted, strict=True):
        if not any(v.ok for v in row):
            same_name = [v for v, call in zip(row, produced, strict=True) if call.name == name]
            return same_name[0] if same_name else row[0]
    return Verdict(False, "value_error", "the calls cannot be matched one to one with the expected calls")


def _assign(fits: list[list[bool]]) -> list[int] | None:
    """A perfect matching of rows (expected) to columns (produced) where ``fits`` is true (Kuhn's algorithm).

    Written out because call lists are short (a handful) and it saves a scipy/networkx dependency.
    """
    owner: list[int | None] = [None] * (len(fits[0]) if fits else 0)

    def place(row: int, seen: set[int]) -> bool:
        for col, fit in enumerate(fits[row]):
            if fit and col not in seen:
                seen.add(col)
                holder = owner[col]
                if holder is None or place(holder, seen):
                    owner[col] = row
                    return True
        return False

    for row in range(len(fits)):
        if not place(row, set()):
            return None
    return [owner.index(row) for row in range(len(fits))]


def canonical_calls(
    expected: Sequence[Mapping[str, Mapping[str, list[Any]]]], tools: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The expected calls as ``[{"name", "arguments"}]`` with each parameter's first acceptable value.

    A parameter whose acceptable values include ``""`` is left out, unless the offered function (in ``tools``)
    requires it: then it takes its first other value (BFCL's answers mark a few required parameters omissible,
    which no checker accepts). Objects inside are made plain the same way.
    """
    functions = {str(f["name"]): f for f in _functions(tools)}
    calls = []
    for call in expected:
        for name, acceptable in call.items():
            required = (functions.get(name, {}).get("parameters") or {}).get("required") or ()
            calls.append({"name": name, "arguments": plain_arguments(acceptable, required)})
    return calls


def plain_arguments(acceptable: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    """One call's arguments from their acceptable values: the first of each, none where ``""`` is acceptable
    (unless the parameter is ``required``: then the first other value)."""
    out = {}
    for key, options in acceptable.items():
        choices = options if isinstance(options, list) and options else [options]
        if "" in choices:
            others = [choice for choice in choices if choice != ""]
            if key not in required or not others:
                continue
            choices = others
        out[key] = _plain_value(choices[0])
    return out


def _plain_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return plain_arguments(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value
