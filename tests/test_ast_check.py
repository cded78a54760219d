"""The BFCL-style AST checker and the tool-call decoder, on hand-written cases for every rule."""

from __future__ import annotations

import pytest

from harness.metrics.ast_check import (
    ERROR_TYPES,
    canonical_calls,
    check_call,
    check_calls,
    decode_calls,
    normalize_string,
    type_problem,
    value_matches,
)
from harness.types import ToolCall

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer"},
            "threshold": {"type": "number"},
            "alerts": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "where": {
                "type": "object",
                "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}, "label": {"type": "string"}},
                "required": ["lat", "lon"],
            },
        },
        "required": ["city"],
    },
}
EMAIL = {
    "name": "send_email",
    "description": "Send an email.",
    "parameters": {
        "type": "object",
        "properties": {"to": {"type": "array", "items": {"type": "string"}}, "subject": {"type": "string"}},
        "required": ["to"],
    },
}
TOOLS = [WEATHER, EMAIL]


def verdict(arguments, acceptable, name="get_weather", expected_name="get_weather"):
    return check_call(ToolCall(name, arguments), expected_name, acceptable, WEATHER)


# ---- normalisation and values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("New York", "new york", True),
        (" New York ", "NewYork", True),
        ("San Francisco, CA", "san francisco ca", True),
        ("2025-03-14", "20250314", True),
        ("pm2_5", "PM2.5", True),
        ("it's", 'it"s', True),
        ("a/b*c^d", "abcd", True),
        ("Paris", "Parisx", False),
        ("Paris!", "Paris", False),  # "!" is not among BFCL's ignored punctuation
    ],
)
def test_normalize_string(a, b, same):
    assert (normalize_string(a) == normalize_string(b)) is same


@pytest.mark.parametrize(
    ("actual", "acceptable", "ok"),
    [
        (3, 3, True),
        (3, 3.0, True),  # an int where a float is expected
        (0.1 + 0.2, 0.3, True),  # float tolerance
        (0.31, 0.3, False),
        (True, True, True),
        (True, 1, False),  # a bool is never a number
        (1, True, False),
        ("Lyon", "lyon", True),
        (["a", "B"], ["A", "b"], True),  # lists element by element, strings normalised
        (["b", "a"], ["a", "b"], False),  # in order
        (["a"], ["a", "b"], False),
        ({"lat": 1.0, "lon": 2}, {"lat": [1], "lon": [2.0]}, True),  # BFCL's nested form
        ({"lat": 1.0}, {"lat": [1], "lon": [2.0]}, False),  # a key the answer needs is missing
        ({"lat": 1.0}, {"lat": [1], "lon": ["", 2.0]}, True),  # "" lets it be omitted
        ({"lat": 1, "lon": 2, "x": 3}, {"lat": [1], "lon": [2]}, False),  # a key outside the answer
        ({"lat": 1, "lon": 5}, {"lat": [1], "lon": [2, 5]}, True),  # any acceptable value of a key
        ([{"k": 1}], [{"k": [1]}], True),  # objects inside lists
        (None, None, True),
    ],
)
def test_value_matches(actual, acceptable, ok):
    assert value_matches(actual, acceptable) is ok


@pytest.mark.parametrize(
    ("value", "schema", "problem"),
    [
        (3, {"type": "integer"}, None),
        (3.5, {"type": "integer"}, "expected integer, got number"),
        (True, {"type": "integer"}, "expected integer, got boolean"),
        (3, {"type": "number"}, None),
        ("3", {"type": "number"}, "expected number, got string"),
        (["a", 1], {"type": "array", "items": {"type": "string"}}, "item 1: expected string, got integer"),
        (
            {"lat": "x"},
            {"type": "object", "properties": {"lat": {"type": "number"}}},
            "lat: expected number, got string",
        ),
        ({"a": [1]}, {"type": "object", "properties": {"a": {"type": "array"}}}, None),
        ("x", {}, None),  # no declared type: anything goes (BFCL's "any")
        (None, {"type": ["string", "null"]}, None),
    ],
)
def test_type_problem(value, schema, problem):
    assert type_problem(value, schema) == problem


# ---- one call ------------------------------------------------------------------------------------------


def test_a_matching_call_passes():
    assert verdict({"city": "NEW YORK", "unit": "celsius"}, {"city": ["New York", "NYC"], "unit": ["celsius"]}).ok


def test_optional_parameter_may_be_omitted_only_where_empty_string_is_acceptable():
    assert verdict({"city": "Lyon"}, {"city": ["Lyon"], "unit": ["", "celsius"]}).ok
    assert verdict({"city": "Lyon", "unit": "celsius"}, {"city": ["Lyon"], "unit": ["", "celsius"]}).ok
    result = verdict({"city": "Lyon"}, {"city": ["Lyon"], "unit": ["celsius"]})
    assert (result.error_type, "unit" in result.message) == ("value_error", True)


@pytest.mark.parametrize(
    ("name", "arguments", "acceptable", "error_type"),
    [
        ("get_forecast", {"city": "Lyon"}, {"city": ["Lyon"]}, "wrong_name"),
        ("get_weather", {"unit": "celsius"}, {"city": ["Lyon"], "unit": ["celsius"]}, "missing_required"),
        ("get_weather", {"city": "Lyon", "color": "red"}, {"city": ["Lyon"]}, "unexpected_param"),  # not in schema
        ("get_weather", {"city": "Lyon", "days": 3}, {"city": ["Lyon"]}, "unexpected_param"),  # not in the answer
        ("get_weather", {"city": "Lyon", "days": "3"}, {"city": ["Lyon"], "days": [3]}, "type_error"),
        ("get_weather", {"city": "Lyon", "days": 3.0}, {"city": ["Lyon"], "days": [3]}, "type_error"),
        ("get_weather", {"city": "Lyon", "alerts": 1}, {"city": ["Lyon"], "alerts": [True]}, "type_error"),
        ("get_weather", {"city": 7}, {"city": ["Lyon"]}, "type_error"),
        ("get_weather", {"city": "Lyons"}, {"city": ["Lyon"]}, "value_error"),
        ("get_weather", {"city": "Lyon", "threshold": 2.5}, {"city": ["Lyon"], "threshold": [2.4]}, "value_error"),
        ("get_weather", {"city": "Lyon", "tags": ["b", "a"]}, {"city": ["Lyon"], "tags": [["a", "b"]]}, "value_error"),
        (
            "get_weather",
            {"city": "Lyon", "where": {"lat": 1, "lon": 3}},
            {"city": ["Lyon"], "where": [{"lat": [1], "lon": [2]}]},
            "value_error",
        ),
    ],
)
def test_each_rule_has_its_error_type(name, arguments, acceptable, error_type):
    result = verdict(arguments, acceptable, name=name)
    assert not result.ok
    assert result.error_type == error_type
    assert result.error_type in ERROR_TYPES


def test_int_for_float_nested_objects_and_lists_pass():
    acceptable = {
        "city": ["Lyon"],
        "threshold": [2.0],
        "tags": [["rain", "wind"]],
        "where": [{"lat": [45.76], "lon": [4.84], "label": ["", "home"]}],
    }
    arguments = {"city": "lyon", "threshold": 2, "tags": ["Rain", "wind"], "where": {"lat": 45.76, "lon": 4.84}}
    assert verdict(arguments, acceptable).ok


# ---- several calls ---------------------------------------------------------------------------------------

PARALLEL = [{"get_weather": {"city": ["Lyon"]}}, {"get_weather": {"city": ["Porto"]}}]


def test_parallel_calls_match_in_any_order():
    calls = [ToolCall("get_weather", {"city": "Porto"}), ToolCall("get_weather", {"city": "Lyon"})]
    assert check_calls(calls, PARALLEL, TOOLS).ok
    assert check_calls(list(reversed(calls)), PARALLEL, TOOLS).ok


def test_parallel_assignment_is_one_to_one():
    # Both produced calls fit the first expected call; only an assignment that uses each once is accepted.
    expected = [{"get_weather": {"city": ["Lyon", "Porto"]}}, {"get_weather": {"city": ["Lyon"]}}]
    calls = [ToolCall("get_weather", {"city": "Lyon"}), ToolCall("get_weather", {"city": "Porto"})]
    assert check_calls(calls, expected, TOOLS).ok
    twice = [ToolCall("get_weather", {"city": "Lyon"}), ToolCall("get_weather", {"city": "Lyon"})]
    result = check_calls(twice, PARALLEL, TOOLS)
    assert (result.ok, result.error_type) == (False, "value_error")


def test_parallel_multiple_and_counts():
    expected = [{"get_weather": {"city": ["Lyon"]}}, {"send_email": {"to": [["a@example.com"]]}}]
    calls = [ToolCall("send_email", {"to": ["a@example.com"]}), ToolCall("get_weather", {"city": "Lyon"})]
    assert check_calls(calls, expected, TOOLS).ok
    assert check_calls(calls[:1], expected, TOOLS).error_type == "wrong_count"
    assert check_calls([*calls, calls[0]], expected, TOOLS).error_type == "wrong_count"
    swapped = [ToolCall("send_email", {"to": ["a@example.com"]}), ToolCall("send_email", {"to": ["b@example.com"]})]
    assert check_calls(swapped, expected, TOOLS).error_type == "wrong_name"
    unknown = [ToolCall("launch_rocket", {}), ToolCall("get_weather", {"city": "Lyon"})]
    assert "not an offered tool" in check_calls(unknown, expected, TOOLS).message


def test_no_call_and_irrelevance():
    assert check_calls([], PARALLEL, TOOLS).error_type == "no_call"
    assert check_calls([], [], TOOLS).ok
    result = check_calls([ToolCall("get_weather", {"city": "Lyon"})], [], TOOLS)
    assert (result.ok, result.error_type) == (False, "irrelevance_called")


def test_canonical_calls_take_first_values_and_drop_omissible_ones():
    expected = [
        {"get_weather": {"city": ["Lyon", "lyon"], "unit": ["", "celsius"], "where": [{"lat": [1], "x": [""]}]}}
    ]
    assert canonical_calls(expected) == [{"name": "get_weather", "arguments": {"city": "Lyon", "where": {"lat": 1}}}]


# ---- decoding ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calls", "how"),
    [
        ('[{"name": "get_weather", "arguments": {"city": "Lyon"}}]', [("get_weather", {"city": "Lyon"})], "json"),
        ('{"name": "get_weather", "arguments": {"city": "Lyon"}}', [("get_weather", {"city": "Lyon"})], "json"),
        ('[{"name": "get_weather", "parameters": {"city": "Lyon"}}]', [("get_weather", {"city": "Lyon"})], "json"),
        (
            '[{"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Lyon\\"}"}}]',
            [("get_weather", {"city": "Lyon"})],
            "json",
        ),
        (
            '```json\n[{"name": "get_weather", "arguments": {"city": "Lyon"}}]\n```',
            [("get_weather", {"city": "Lyon"})],
            "json",
        ),
        ("[]", [], "json"),
        ("", [], "empty"),
        ("  \n", [], "empty"),
        (
            "[get_weather(city='Lyon'), send_email(to=['a@example.com'])]",
            [("get_weather", {"city": "Lyon"}), ("send_email", {"to": ["a@example.com"]})],
            "python",
        ),
        (
            "get_weather(city='Lyon'); get_weather(city='Porto')",
            [("get_weather", {"city": "Lyon"}), ("get_weather", {"city": "Porto"})],
            "python",
        ),
        ("get_weather('Lyon', 'celsius')", [("get_weather", {"city": "Lyon", "unit": "celsius"})], "python"),
        (
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>\n'
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Porto"}}\n</tool_call>',
            [("get_weather", {"city": "Lyon"}), ("get_weather", {"city": "Porto"})],
            "tool_call_tags",
        ),
    ],
)
def test_decode(text, calls, how):
    decoded = decode_calls(text, TOOLS)
    assert decoded.ok, decoded.error
    assert [(c.name, c.arguments) for c in decoded.calls] == calls
    assert decoded.how == how


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("I cannot help with that, there is no suitable tool.", "prose"),
        ('[{"name": "get_weather", "arguments": {"city": "Lyon"}', "invalid"),  # cut off
        ('[{"tool": "get_weather"}]', "invalid"),  # no name
        ('[{"name": "get_weather", "arguments": "not json"}]', "invalid"),
        ("Sure! get_weather(city='Lyon')", "invalid"),  # prose around a call is not accepted
        ("<tool_call>{broken</tool_call>", "invalid"),
    ],
)
def test_decode_failures_are_returned(text, how):
    decoded = decode_calls(text, TOOLS)
    assert not decoded.ok and decoded.calls == ()
    assert decoded.how == how


# ---- BFCL fidelity: integers exactly, variables (tests/test_bfcl_package.py compares with BFCL's checker) -----


@pytest.mark.parametrize(
    ("actual", "acceptable", "ok"),
    [
        (50000001, 50000000, False),  # integers compare exactly, however large (BFCL: Python ==)
        (50000000, 50000000.0, True),
        (2.5000000001, 2.5, True),  # float representation noise only
        (2.50001, 2.5, False),
    ],
)
def test_numbers_compare_as_bfcl_compares_them(actual, acceptable, ok):
    assert value_matches(actual, acceptable) is ok


CONTROLLER = {
    "name": "present",
    "parameters": {
        "type": "object",
        "properties": {
            "controller": {"type": "object"},
            "start": {"type": "string"},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "label": {},
        },
        "required": ["controller"],
    },
}


@pytest.mark.parametrize(
    ("arguments", "acceptable", "verdict"),
    [
        ({"controller": "mapController"}, {"controller": ["mapController"]}, None),  # a variable's name
        ({"controller": "MapController"}, {"controller": ["mapController"]}, "value_error"),  # as written
        ({"controller": "mapController"}, {"controller": [{"zoom": [1]}]}, "type_error"),  # not a variable there
        ({"controller": {}, "start": None}, {"controller": [{}], "start": [None, ""]}, None),  # null for a string
        ({"controller": {}, "ids": ["a", "b"]}, {"controller": [{}], "ids": [["a", "b"]]}, None),  # items too
        ({"controller": {}, "ids": ["a"]}, {"controller": [{}], "ids": [[1]]}, "type_error"),
        ({"controller": {}, "label": 3}, {"controller": [{}], "label": [3]}, None),  # no type: BFCL's any
        ({"controller": {}, "label": "3"}, {"controller": [{}], "label": [3]}, "value_error"),
    ],
)
def test_variables_are_accepted_as_bfcl_accepts_them(arguments, acceptable, verdict):
    result = check_call(ToolCall("present", arguments), "present", acceptable, CONTROLLER)
    assert result.error_type == verdict, result.message
