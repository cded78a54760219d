"""The call parser and checker shared by gis_command and function_calling."""

from __future__ import annotations

import pytest

from harness.metrics.calls import Call, calls_equal, format_calls, match_calls, parse_calls, values_equal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ZoomIn(3)", [Call("ZoomIn", (3,))]),
        ("  ZoomIn(3.5)\n", [Call("ZoomIn", (3.5,))]),
        ("Move(-33.87, 151.21)", [Call("Move", (-33.87, 151.21))]),
        ("AddLayer('roads')", [Call("AddLayer", ("roads",))]),
        ('AddLayer("roads")', [Call("AddLayer", ("roads",))]),
        ("ClearMap()", [Call("ClearMap")]),
        ("GoTo('Paris'); ZoomIn(2)", [Call("GoTo", ("Paris",)), Call("ZoomIn", (2,))]),
        ("GoTo('Paris');ZoomIn(2);", [Call("GoTo", ("Paris",)), Call("ZoomIn", (2,))]),
        ("GoTo('Paris')\nZoomIn(2)", [Call("GoTo", ("Paris",)), Call("ZoomIn", (2,))]),
        ("f(1, key='v', n=-2)", [Call("f", (1,), {"key": "v", "n": -2})]),
        ("f([1, -2.5, 'a'], [])", [Call("f", ([1, -2.5, "a"], []))]),
        ("f(true, false, null)", [Call("f", (True, False, None))]),
        ("f(True, None, x={'a': [1]})", [Call("f", (True, None), {"x": {"a": [1]}})]),
        ("math.factorial(5)", [Call("math.factorial", (5,))]),
        ("f(1e3, -(2))", [Call("f", (1000.0, -2))]),
    ],
)
def test_parse(text, expected):
    parsed = parse_calls(text)
    assert parsed.ok, parsed.error
    assert list(parsed.calls) == expected
    assert parsed.names == tuple(call.name for call in expected)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Sure! ZoomIn(3)", "syntax error"),
        ("ZoomIn(3", "syntax error"),
        ("Zoom in 3 levels", "syntax error"),
        ("ZoomIn", "not a call"),
        ("x = ZoomIn(3)", "not a call"),
        ("AddLayer(roads)", "not a literal: roads"),
        ("ZoomIn(1 + 2)", "not a literal"),
        ("f(g(1))", "not a literal"),
        ("f(*args)", "*args"),
        ("f(**kw)", "**kwargs"),
        ("f()()", "not a call name"),
        ("f(1, x=1, x=2)", "x repeated"),
    ],
)
def test_parse_failures_are_returned_not_raised(text, needle):
    parsed = parse_calls(text)
    assert not parsed.ok and parsed.calls == ()
    assert needle in (parsed.error or "")


@pytest.mark.parametrize(
    ("expected", "actual", "equal"),
    [
        (3, 3.0, True),
        (-0.5, -0.50, True),
        (1000, 1e3, True),
        (3, 3.01, False),
        (3, "3", False),
        ("a", "a", True),
        ("a", "A", False),
        (True, 1, False),
        (True, True, True),
        (None, None, True),
        (None, 0, False),
        ([1, 2.0], (1.0, 2), True),
        ([1, 2], [2, 1], False),
        ([1], [1, 1], False),
        ({"a": 1, "b": [2]}, {"b": [2.0], "a": 1.0}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
    ],
)
def test_values_equal(expected, actual, equal):
    assert values_equal(expected, actual) is equal


def test_calls_equal_compares_name_values_and_keywords():
    assert calls_equal(Call("ZoomIn", (3,)), Call("ZoomIn", (3.0,)))
    assert not calls_equal(Call("ZoomIn", (3,)), Call("ZoomOut", (3,)))
    assert not calls_equal(Call("ZoomIn", (3,)), Call("ZoomIn", (3, 1)))
    assert calls_equal(Call("f", (), {"a": 1, "b": 2}), Call("f", (), {"b": 2.0, "a": 1}))
    assert not calls_equal(Call("f", (1,)), Call("f", (), {"x": 1}))


def test_match_calls_ordered_and_unordered():
    a, b = Call("GoTo", ("Paris",)), Call("ZoomIn", (2,))
    assert match_calls([a, b], [a, b])
    assert not match_calls([a, b], [b, a])
    assert match_calls([a, b], [b, a], ordered=False)
    assert not match_calls([a, b], [a])
    assert not match_calls([a, a], [a, b], ordered=False)
    assert match_calls([], [])


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        ("ZoomIn(3)", "ZoomIn(3.0)", True),
        ("ZoomIn(3)", " ZoomIn( 3 ) ", True),
        ("AddLayer('roads')", 'AddLayer("roads")', True),
        ("Move(51.36, 25.6)", "Move(51.360, 25.60)", True),
        ("Move(51.36, 25.6)", "Move(25.6, 51.36)", False),
        ("ZoomIn(3)", "ZoomIn('3')", False),
        ("GoTo('Lima'); ZoomIn(2)", "GoTo('Lima');ZoomIn(2.0)", True),
        ("GoTo('Lima'); ZoomIn(2)", "ZoomIn(2); GoTo('Lima')", False),
        ("GoTo('Lima'); ZoomIn(2)", "GoTo('Lima')", False),
        ("GoTo('Lima')", "GoTo('lima')", False),
    ],
)
def test_call_level_hand_cases(expected, actual, same):
    left, right = parse_calls(expected), parse_calls(actual)
    assert left.ok and right.ok
    assert match_calls(left.calls, right.calls) is same


def test_format_is_canonical_and_round_trips():
    calls = [Call("Move", (-33.87, 151.2)), Call("AddMarker", (1.5, 2, "Base camp")), Call("ClearMap")]
    text = format_calls(calls)
    assert text == "Move(-33.87, 151.2); AddMarker(1.5, 2, 'Base camp'); ClearMap()"
    assert list(parse_calls(text).calls) == calls
    assert format_calls([Call("f", (True, None, [1, "a"]), {"k": 2.0})]) == "f(True, None, [1, 'a'], k=2.0)"
    assert format_calls(parse_calls('AddLayer("roads")').calls) == "AddLayer('roads')"


def test_to_dict_is_json_shaped():
    assert Call("f", (1, "a"), {"k": [2]}).to_dict() == {"name": "f", "args": [1, "a"], "kwargs": {"k": [2]}}
