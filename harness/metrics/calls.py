"""Function-call strings: parse ``Name(arg, key=value); Other()`` with Python's ``ast`` and compare calls.

Shared by gis_command (web-map commands such as ``ZoomIn(3); AddLayer('roads')``) and function_calling.
The checker knows no command set: a call is a name, positional argument values and keyword argument
values. Parsing is Python expression syntax, so the details are Python's:

- calls are separated by ``;`` or newlines; a trailing ``;`` is allowed;
- a name may be dotted (``math.factorial``);
- argument values are literals: numbers (``-3``, ``2.5``, ``1e3``), strings in either quote style,
  lists, tuples and dicts of literals, ``True/False/None`` and, tolerated, JSON's ``true/false/null``;
- anything else (a bare name, an expression, ``*args``, a nested call) is a parse failure.

Comparison ignores how a value was written: numbers compare numerically (``ZoomIn(3.0)`` equals
``ZoomIn(3)``), quote style is gone after parsing, lists and tuples are both sequences. Booleans are
not numbers here (``f(true)`` does not equal ``f(1)``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.types import is_number

# JSON spellings a model may use instead of Python's constants.
JSON_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Call:
    """One call: a (possibly dotted) name, positional argument values, keyword argument values."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as stored in the ``parsed`` column."""
        return {"name": self.name, "args": list(self.args), "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class ParsedCalls:
    """The calls found in a text, or why the text is not a call sequence."""

    calls: tuple[Call, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole text parsed into at least one call."""
        return self.error is None

    @property
    def names(self) -> tuple[str, ...]:
        """The call names, in order."""
        return tuple(call.name for call in self.calls)


class _NotACall(ValueError):
    """Raised inside the parser; turned into ``ParsedCalls.error``."""


class _JsonConstants(ast.NodeTransformer):
    """Rewrites the bare names true/false/null into constants so ``literal_eval`` accepts them."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in JSON_CONSTANTS:
            return ast.copy_location(ast.Constant(JSON_CONSTANTS[node.id]), node)
        return node


def parse_calls(text: str) -> ParsedCalls:
    """Parse ``text`` (trimmed) as a sequence of calls; a failure is returned, never raised."""
    source = text.strip()
    if not source:
        return ParsedCalls(error="empty output")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        return ParsedCalls(error=f"syntax error: {exc.msg} (column {exc.offset})")
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return ParsedCalls(error=f"cannot parse: {type(exc).__name__}")
    try:
        calls = tuple(_statement_call(statement) for statement in tree.body)
    except _NotACall as exc:
        return ParsedCalls(error=str(exc))
    if not calls:
        return ParsedCalls(error="no call")
    return ParsedCalls(calls=calls)


def _statement_call(statement: ast.stmt) -> Call:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        raise _NotACall(f"not a call: {ast.unparse(statement)[:80]}")
    return _call(statement.value)


def parse_call_list(text: str) -> ParsedCalls:
    """Like ``parse_calls``, and also BFCL's bracketed form ``[f(a=1), g(b=2)]`` (``[]`` is no call)."""
    source = text.strip()
    if source.startswith("[") and source.endswith("]"):
        try:
            tree = ast.parse(source, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return parse_calls(source)
        if isinstance(tree.body, ast.List):
            try:
                calls = []
                for node in tree.body.elts:
                    if not isinstance(node, ast.Call):
                        raise _NotACall(f"not a call: {ast.unparse(node)[:80]}")
                    calls.append(_call(node))
            except _NotACall as exc:
                return ParsedCalls(error=str(exc))
            return ParsedCalls(calls=tuple(calls))
    return parse_calls(source)


def _call(node: ast.Call) -> Call:
    name = _dotted_name(node.func)
    args = []
    for index, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            raise _NotACall(f"{name}: *args are not allowed")
        args.append(_literal(arg, f"{name} argument {index + 1}"))
    kwargs: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise _NotACall(f"{name}: **kwargs are not allowed")
        if keyword.arg in kwargs:  # ast.parse leaves this to the compiler
            raise _NotACall(f"{name}: keyword argument {keyword.arg} repeated")
        kwargs[keyword.arg] = _literal(keyword.value, f"{name} argument {keyword.arg}")
    return Call(name, tuple(args), kwargs)


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    raise _NotACall(f"not a call name: {ast.unparse(node)[:80]}")


def _literal(node: ast.expr, what: str) -> Any:
    try:
        return ast.literal_eval(_JsonConstants().visit(node))
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise _NotACall(f"{what} is not a literal: {ast.unparse(node)[:80]}") from None


def values_equal(expected: Any, actual: Any) -> bool:
    """Argument values equal: numbers numerically, sequences and dicts element by element, bools strictly."""
    if is_number(expected) and is_number(actual):
        return bool(expected == actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(values_equal(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(values_equal(expected[k], actual[k]) for k in expected)
    return type(expected) is type(actual) and bool(expected == actual)


def calls_equal(expected: Call, actual: Call) -> bool:
    """Same name, same positional values in order, same keyword values (keyword order ignored)."""
    return (
        expected.name == actual.name
        and len(expected.args) == len(actual.args)
        and all(values_equal(e, a) for e, a in zip(expected.args, actual.args, strict=True))
        and values_equal(expected.kwargs, actual.kwargs)
    )


def match_calls(expected: Sequence[Call], actual: Sequence[Call], *, ordered: bool = True) -> bool:
    """Whether two call sequences are the same calls; ``ordered=False`` accepts any order (parallel calls)."""
    if len(expected) != len(actual):
        return False
    if ordered:
        return all(calls_equal(e, a) for e, a in zip(expected, actual, strict=True))
    unmatched = list(actual)
    for call in expected:
        found = next((i for i, candidate in enumerate(unmatched) if calls_equal(call, candidate)), None)
        if found is None:
            return False
        del unmatched[found]
    return True


def format_call(call: Call) -> str:
    """The canonical text of a call: ``Name(1, 'a', key=2.5)`` (Python literals, ``, `` between arguments)."""
    parts = [repr(value) for value in call.args] + [f"{key}={value!r}" for key, value in call.kwargs.items()]
    return f"{call.name}({', '.join(parts)})"


def format_calls(calls: Sequence[Call]) -> str:
    """The canonical text of a call sequence, joined by ``; ``."""
    return "; ".join(format_call(call) for call in calls)
