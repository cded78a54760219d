"""Docs and metrics of the harness_* lm-eval tasks, written by `harness export-task --format lm-eval`.

Standard library only, apart from ``datasets`` (installed with lm-eval) to hand lm-eval its docs. Each
``process_<task>(doc, results)`` gives one output exactly the per-sample values harness's own scorer
gives it (harness's tests check this); README.md lists the metrics left out and why. Re-export rather
than edit this file.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load_docs(data_files: dict[str, str], **_: Any) -> Any:
    """Every task's ``custom_dataset``: its ``data_files`` read relative to this folder, from any working directory.

    lm-eval also passes the task's metadata as keyword arguments; they are not needed. Every doc field is
    a string, so Arrow keeps each value exactly as written.
    """
    import datasets

    splits = {}
    for split, name in data_files.items():
        with (HERE / name).open(encoding="utf-8") as handle:
            splits[split] = datasets.Dataset.from_list([json.loads(line) for line in handle if line.strip()])
    return datasets.DatasetDict(splits)


def no_metrics(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """A task from outside harness: its score() runs only in harness, on the logged samples."""
    return {}


# ---- JSON in model text (harness.metrics.structured.extract_json) ----------------------------------

_FENCE = re.compile(r"```[A-Za-z0-9_+.-]*[ \t]*\r?\n?(.*?)(?:```|\Z)", re.DOTALL)
_FIRST_BRACKET = re.compile(r"[{\[]")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(text: str) -> tuple[bool, Any]:
    try:
        return True, _DECODER.decode(text)
    except ValueError:
        return False, None


def extract_json(text: str) -> tuple[bool, Any]:
    """(found, value): strict JSON in the whole text, else in the first fenced block, else at the first bracket."""
    stripped = text.strip()
    ok, value = _loads(stripped)
    if ok:
        return True, value
    fenced = _FENCE.search(stripped)
    body = (fenced.group(1) if fenced else stripped).strip()
    if body != stripped:
        ok, value = _loads(body)
        if ok:
            return True, value
    start = _FIRST_BRACKET.search(body)
    if start is None:
        return False, None
    try:
        return True, _DECODER.raw_decode(body, start.start())[0]
    except ValueError:
        return False, None


# ---- schema_json (harness.metrics.structured: values_equal, field_accuracy) ------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _leaves_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str):
        return isinstance(actual, str) and " ".join(expected.split()).casefold() == " ".join(actual.split()).casefold()
    if _is_number(expected):
        return _is_number(actual) and math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    return type(actual) is type(expected) and actual == expected


def _values_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(_values_equal(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_values_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return _leaves_equal(expected, actual)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict) and value:
        return [leaf for key, child in value.items() for leaf in _leaves(child, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, child in enumerate(value) for leaf in _leaves(child, (*path, index))]
    return [(path, value)]


def _lookup(value: Any, path: tuple[Any, ...]) -> tuple[bool, Any]:
    for step in path:
        in_object = isinstance(step, str) and isinstance(value, dict) and step in value
        in_array = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        if not (in_object or in_array):
            return False, None
        value = value[step]
    return True, value


def _field_accuracy(expected: Any, actual: Any) -> float:
    leaves = _leaves(expected)
    wrong = 0
    for path, value in leaves:
        found, other = _lookup(actual, path)
        if not (found and _leaves_equal(value, other)):
            wrong += 1
    return (len(leaves) - wrong) / len(leaves)


def process_schema_json(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """json_parse; with a reference answer also field_accuracy and exact_match."""
    has_target = doc["target"] != ""
    found, value = extract_json(results[0])
    if not found:
        return dict.fromkeys(("json_parse", "field_accuracy", "exact_match") if has_target else ("json_parse",), 0.0)
    scores = {"json_parse": 1.0}
    if has_target:
        expected = json.loads(doc["gold"])
        scores["field_accuracy"] = _field_accuracy(expected, value)
        scores["exact_match"] = 1.0 if _values_equal(expected, value) else 0.0
    return scores


# ---- text metrics (harness.metrics.text: rapidfuzz and rouge-score, written out) --------------------

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_VALID_TOKEN = re.compile(r"^[a-z0-9]+$")


def _levenshtein(prediction: str, reference: str) -> float:
    """1 - edit distance / the longer length (two empty texts: 1), as rapidfuzz's normalized_similarity."""
    longest = max(len(prediction), len(reference))
    if not longest:
        return 1.0
    previous = list(range(len(reference) + 1))
    for i, char in enumerate(prediction, start=1):
        current = [i]
        for j, other in enumerate(reference, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return 1.0 - previous[-1] / longest


def _rouge_tokens(text: str) -> list[str]:
    """rouge-score's default tokenizer without stemming."""
    return [token for token in _SPACES.split(_NON_ALPHANUMERIC.sub(" ", text.lower())) if _VALID_TOKEN.match(token)]


def _fmeasure(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _rouge1(target: list[str], prediction: list[str]) -> float:
    target_counts, prediction_counts = Counter(target), Counter(prediction)
    overlap = 0
    for token in target_counts:
        overlap += min(target_counts[token], prediction_counts[token])
    return _fmeasure(overlap / max(len(prediction), 1), overlap / max(len(target), 1))


def _rouge_l(target: list[str], prediction: list[str]) -> float:
    if not target or not prediction:
        return 0.0
    previous = [0] * (len(prediction) + 1)
    for token in target:
        current = [0]
        for j, other in enumerate(prediction, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return _fmeasure(previous[-1] / len(prediction), previous[-1] / len(target))


# ---- call strings (harness.metrics.calls) ----------------------------------------------------------

_JSON_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


class _NotACall(ValueError):
    pass


class _JsonConstants(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _JSON_CONSTANTS:
            return ast.copy_location(ast.Constant(_JSON_CONSTANTS[node.id]), node)
        return node


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(_JsonConstants().visit(node))
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise _NotACall from None


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    raise _NotACall


def _call(node: ast.AST) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    if not isinstance(node, ast.Call):
        raise _NotACall
    name = _dotted_name(node.func)
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _NotACall
    args = tuple(_literal(arg) for arg in node.args)
    kwargs: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg in kwargs:
            raise _NotACall
        kwargs[keyword.arg] = _literal(keyword.value)
    return name, args, kwargs


def parse_calls(text: str) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]] | None:
    """``Name(arg, key=value); Other()`` as (name, args, kwargs) triples; None when the text is not calls."""
    source = text.strip()
    if not source:
        return None
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        calls = [_call(statement.value if isinstance(statement, ast.Expr) else statement) for statement in tree.body]
    except _NotACall:
        return None
    return calls or None


def parse_call_list(text: str) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]] | None:
    """Like parse_calls, and also the bracketed form ``[f(a=1), g(b=2)]`` (``[]``: no call)."""
    source = text.strip()
    if source.startswith("[") and source.endswith("]"):
        try:
            tree = ast.parse(source, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return parse_calls(source)
        if isinstance(tree.body, ast.List):
            try:
                return [_call(node) for node in tree.body.elts]
            except _NotACall:
                return None
    return parse_calls(source)


def _arguments_equal(expected: Any, actual: Any) -> bool:
    if _is_number(expected) and _is_number(actual):
        return bool(expected == actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(
            _arguments_equal(e, a) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_arguments_equal(expected[k], actual[k]) for k in expected)
    return type(expected) is type(actual) and bool(expected == actual)


def _calls_match(expected: list[Any], actual: list[Any]) -> bool:
    return len(expected) == len(actual) and all(
        e[0] == a[0] and _arguments_equal(e[1], a[1]) and _arguments_equal(e[2], a[2])
        for e, a in zip(expected, actual, strict=True)
    )


def process_gis_command(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """exact_match, levenshtein, rouge1, rougeL on the trimmed texts; parse_rate and call_accuracy on the calls."""
    text, reference = results[0], doc["target"]
    prediction, target = text.strip(), reference.strip()
    target_tokens, prediction_tokens = _rouge_tokens(target), _rouge_tokens(prediction)
    scores = {
        "exact_match": float(prediction == target),
        "levenshtein": _levenshtein(prediction, target),
        "rouge1": _rouge1(target_tokens, prediction_tokens),
        "rougeL": _rouge_l(target_tokens, prediction_tokens),
    }
    actual, expected = parse_calls(text), parse_calls(reference)
    scores["parse_rate"] = float(actual is not None)
    if expected is not None:
        scores["call_accuracy"] = float(actual is not None and _calls_match(expected, actual))
    return scores


# ---- intent (harness.tasks.intent.task.parse_labels) -----------------------------------------------


def intent_labels(text: str, labels: list[str]) -> list[str]:
    """The known labels an answer names: its JSON object, JSON string or list, or comma-separated plain text."""
    found, value = extract_json(text)
    if found:
        if isinstance(value, dict):
            value = value.get("intents", value.get("intent", value.get("label", value.get("labels"))))
        names = value if isinstance(value, list) else [value] if value is not None else []
    else:
        stripped = text.strip().strip("`").strip()
        names = [part for part in (p.strip().strip("\"'.") for p in stripped.split(",")) if part] if stripped else []
    by_key = {label.lower(): label for label in labels}
    known: list[str] = []
    for name in names:
        label = by_key.get(str(name).strip().lower()) if isinstance(name, str) else None
        if label is not None and label not in known:
            known.append(label)
    return known


def process_intent(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """accuracy (and subset_accuracy for a set of intents): the named labels equal the gold set."""
    gold = json.loads(doc["gold"])
    multi = isinstance(gold, list)
    known = intent_labels(results[0], json.loads(doc["labels"]))
    correct = float(frozenset(known) == (frozenset(gold) if multi else frozenset([gold])))
    return {"accuracy": correct, "subset_accuracy": correct} if multi else {"accuracy": correct}


# ---- function_calling (harness.metrics.ast_check.decode_calls, names only) -------------------------

_CALL_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_CALL_ATTEMPT = re.compile(r"[\[{]|\b[A-Za-z_][\w.]*\s*\(")


def _json_call_name(item: Any) -> str | None:
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
    return name


def _json_call_names(value: Any) -> list[str] | None:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        items = value["tool_calls"]
    names = [_json_call_name(item) for item in items]
    return None if None in names else [str(name) for name in names]


def _tagged_call_names(source: str) -> list[str] | None:
    names: list[str] = []
    for block in _TOOL_CALL_TAG.findall(source):
        try:
            value = json.loads(block)
        except json.JSONDecodeError:
            return None
        found = _json_call_names(value)
        if found is None:
            return None
        names.extend(found)
    return names


def decode_call_names(text: str) -> tuple[list[str] | None, bool]:
    """(names of the calls an answer makes, or None when it does not decode; whether it is a prose reply)."""
    source = text.strip()
    fenced = _CALL_FENCE.search(source)
    if fenced:
        source = fenced.group(1).strip()
    if not source:
        return [], False
    if "<tool_call>" in source:
        return _tagged_call_names(source), False
    try:
        value = json.loads(source)
    except (json.JSONDecodeError, RecursionError):
        pass
    else:
        return _json_call_names(value), False
    calls = parse_call_list(source)
    if calls is not None:
        return [name for name, _, _ in calls], False
    return None, not _CALL_ATTEMPT.search(source)


def process_function_calling(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """name_accuracy (the called names, as a multiset, are the expected ones) and parse_rate."""
    expected = json.loads(doc["gold"])
    names, prose = decode_call_names(results[0])
    if names is None:
        # A reply in words makes no call, which is right when no offered tool fits.
        return {"name_accuracy": 1.0 if prose and not expected else 0.0, "parse_rate": 0.0}
    wanted = Counter(next(iter(call)) for call in expected)
    return {"name_accuracy": float(Counter(names) == wanted), "parse_rate": 1.0}
