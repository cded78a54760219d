"""BFCL v4 from the bfcl-eval package: ``--data bfcl:CATEGORY``, and harness's checker against BFCL's own.

The fidelity tests run BFCL's ``ast_checker`` (from the installed package) and harness's ``check_calls`` on
BFCL's own questions and possible answers, with model-like outputs made from the answers (the first
acceptable values, then one change each: a wrong value or type, a variable's name, a missing or extra
parameter, a wrong name, an extra, missing or reordered call), and compare the verdicts one by one.

BFCL's checker module imports BFCL's model table (every provider SDK) only to rename dotted function names
for some APIs; ``bfcl-eval`` is installed with ``--no-deps``, so the tests put a one-entry stand-in for that
table in ``sys.modules`` (no model here renames names) and import the checker itself unchanged.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import types
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from harness.errors import BadInput
from harness.metrics.ast_check import canonical_calls, check_calls
from harness.tasks.function_calling import bfcl
from harness.tasks.function_calling.bfcl import PACKAGE_CATEGORIES, convert_function, package_data_dir
from harness.tasks.function_calling.task import FunctionCallingTask
from harness.types import ToolCall
from tests.conftest import harness_cli

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("bfcl_eval") is None, reason="needs `pip install --no-deps bfcl-eval`"
)
TASK = FunctionCallingTask()
AST_CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)


def bfcl_ast_checker() -> Any:
    """BFCL's ``ast_checker`` function, imported from the installed package."""
    name = "bfcl_eval.constants.model_config"
    if name not in sys.modules:

        class NoRenaming:
            underscore_to_dot = False

        table = types.ModuleType(name)
        table.MODEL_CONFIG_MAPPING = defaultdict(NoRenaming)  # type: ignore[attr-defined]
        sys.modules[name] = table
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

    return ast_checker


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def changed_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.5
    if isinstance(value, str):
        return value + " zz"
    if isinstance(value, list):
        return value[:-1] if value else ["zz"]
    return {} if isinstance(value, dict) else "zz"


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 7
    return "zz" if isinstance(value, list) else ["zz"]


def outputs(calls: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Model-like outputs for one question: its answer, then one change each."""
    out = {"answer": calls}
    first, arguments = calls[0], calls[0]["arguments"]

    def changed(new_arguments: dict[str, Any] | None = None, name: str | None = None) -> list[dict[str, Any]]:
        made = copy.deepcopy(calls)
        made[0]["name"] = name or first["name"]
        if new_arguments is not None:
            made[0]["arguments"] = new_arguments
        return made

    if arguments:
        key = next(iter(arguments))
        out["wrong_value"] = changed({**arguments, key: changed_value(arguments[key])})
        out["wrong_type"] = changed({**arguments, key: wrong_type(arguments[key])})
        out["variable_name"] = changed({**arguments, key: "my_variable"})
        if isinstance(arguments[key], int) and not isinstance(arguments[key], bool):
            out["float_for_int"] = changed({**arguments, key: float(arguments[key])})
        if isinstance(arguments[key], str):
            out["case_and_spaces"] = changed({**arguments, key: arguments[key].upper().replace(" ", "  ")})
    required = next(t for t in tools if t["name"] == first["name"])["parameters"].get("required") or []
    present = [p for p in required if p in arguments]
    if present:
        out["missing_required"] = changed({p: v for p, v in arguments.items() if p != present[0]})
    out["extra_param"] = changed({**arguments, "zz_extra": 1})
    out["wrong_name"] = changed(name=first["name"] + "_x")
    out["extra_call"] = [*calls, copy.deepcopy(first)]
    if len(calls) > 1:
        out["dropped_call"] = calls[:-1]
        out["reversed"] = list(reversed(calls))
    return out


def verdicts() -> list[tuple[str, str, str, bool, bool, str]]:
    """(category, id, output kind, BFCL's verdict, harness's verdict, BFCL's error type) for every output."""
    from bfcl_eval.constants.enums import Language

    checker = bfcl_ast_checker()
    folder = package_data_dir()
    rows = []
    for category in AST_CATEGORIES:
        name = f"BFCL_v4_{category}.json"
        answers = {a["id"]: a["ground_truth"] for a in read_lines(folder / "possible_answer" / name)}
        for question in read_lines(folder / name):
            truth = answers[question["id"]]
            tools = [convert_function(doc, "t") for doc in question["function"]]
            for kind, calls in outputs(canonical_calls(truth, tools), tools).items():
                theirs = checker(
                    question["function"],
                    [{c["name"]: copy.deepcopy(c["arguments"])} for c in calls],
                    truth,
                    Language.PYTHON,
                    category,
                    "any-model",
                )
                ours = check_calls([ToolCall(c["name"], c["arguments"]) for c in calls], truth, tools)
                rows.append((category, question["id"], kind, theirs["valid"], ours.ok, str(theirs.get("error_type"))))
    return rows


@pytest.fixture(scope="module")
def compared():
    return verdicts()


# ---- --data bfcl:... -----------------------------------------------------------------------------------------


def test_a_category_is_read_from_the_installed_package():
    examples = TASK.load_data("bfcl:simple_python")
    assert len(examples) == 400
    first = examples[0]
    assert first.id == "simple_python_0" and first.split == "test"
    assert first.tags == ("simple", "bfcl:simple_python")
    assert first.target == [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]
    assert first.inputs["tools"][0]["parameters"]["properties"]["base"]["type"] == "integer"
    (irrelevant, *_) = TASK.load_data("bfcl:live_irrelevance")
    assert irrelevant.target == [] and irrelevant.tags == ("irrelevance", "bfcl:live_irrelevance", "live")


def test_all_reads_every_single_turn_category_with_its_tag():
    examples = TASK.load_data("bfcl:all")
    counts = Counter(next(t for t in e.tags if t.startswith("bfcl:")) for e in examples)
    assert set(counts) == {f"bfcl:{c}" for c in PACKAGE_CATEGORIES}
    folder = package_data_dir()
    for category in PACKAGE_CATEGORIES:
        assert counts[f"bfcl:{category}"] == len(read_lines(folder / f"BFCL_v4_{category}.json")), category
    assert len({e.id for e in examples}) == len(examples)
    java = next(e for e in examples if e.id == "simple_java_0")
    assert java.tags == ("simple", "bfcl:simple_java")


def test_several_categories_in_one_spec():
    examples = TASK.load_data("bfcl:parallel,irrelevance")
    assert Counter(e.tags[0] for e in examples) == {"parallel": 200, "irrelevance": 240}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bfcl:simple", "unknown BFCL category 'simple': use all or one of simple_python, simple_java"),
        ("bfcl:", "name a BFCL category after 'bfcl:': one of all, simple_python"),
        ("bfcl:multi_turn_base", "BFCL category 'multi_turn_base' is not supported (multi-turn"),
        ("bfcl:memory", "BFCL category 'memory' is not supported (agentic memory"),
        ("bfcl:web_search", "'web_search' is not supported (agentic web-search"),
        ("bfcl:live_relevance", "'live_relevance' is not supported"),
        ("bfcl:format_sensitivity", "'format_sensitivity' is not supported"),
    ],
)
def test_unknown_and_unsupported_categories_are_one_line(spec, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(")) as info:
        TASK.load_data(spec)
    assert "\n" not in str(info.value)


def test_answers_are_refused_with_the_package():
    with pytest.raises(BadInput, match="brings BFCL's own possible answers: leave out --answers"):
        TASK.load_data("bfcl:simple_python", answers="possible_answer.json")


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(bfcl.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BadInput, match=r"pip install --no-deps bfcl-eval"):
        TASK.load_data("bfcl:simple_python")


def test_cli_runs_a_category_and_refuses_bad_ones(db, tmp_path):
    replay = tmp_path / "replay.jsonl"
    calls = [
        {"name": "spotify.play", "arguments": {"artist": "Maroon 5", "duration": 15}},
        {"name": "spotify.play", "arguments": {"artist": "taylor swift", "duration": 20}},
    ]
    answers = [{"id": "parallel_0", "tool_calls": calls}, {"id": "parallel_1", "output": "[]"}]
    replay.write_text("".join(json.dumps(a) + "\n" for a in answers))
    ok = harness_cli(
        "run", "--task", "function_calling", "--model", f"replay:{replay}", "--data", "bfcl:parallel",
        "--limit", "2", "--db", db,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "ast_accuracy:parallel" in ok.stdout and "0.5000" in ok.stdout
    bad = harness_cli(
        "run", "--task", "function_calling", "--model", "oracle", "--data", "bfcl:multi_turn_base", "--db", db
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "multi_turn_base" in bad.stderr
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


# ---- checker fidelity ------------------------------------------------------------------------------------------


def test_verdicts_agree_with_bfcls_checker_on_bfcl_data(compared):
    """Every verdict agrees except the one deliberate deviation: BFCL matches parallel calls greedily (the
    first produced call an expected call accepts is taken), harness finds a one-to-one matching if one exists."""
    disagree = [row for row in compared if row[3] != row[4]]
    assert len(compared) > 20000
    for category, example_id, kind, theirs, ours, error_type in disagree:
        assert (theirs, ours) == (False, True), (category, example_id, kind)
        assert error_type == "parallel_function_checker_no_order:cannot_find_match", (category, example_id, kind)
    assert len(disagree) <= 2, disagree


def test_the_answers_themselves_pass_both_checkers(compared):
    answers = [row for row in compared if row[2] == "answer"]
    assert len(answers) == sum(len(read_lines(package_data_dir() / f"BFCL_v4_{c}.json")) for c in AST_CATEGORIES)
    failing = [(row[1], row[3], row[4]) for row in answers if not (row[3] and row[4])]
    # Five live answers list no acceptable value for some parameter: BFCL fails every output there, as harness does.
    assert all(theirs == ours is False for _, theirs, ours in failing), failing
    assert len(failing) <= 5, failing


@pytest.mark.parametrize("kind", ["wrong_type", "variable_name", "wrong_value", "missing_required", "extra_param"])
def test_each_kind_of_change_is_judged_alike(compared, kind):
    rows = [row for row in compared if row[2] == kind]
    assert rows
    assert sum(row[3] == row[4] for row in rows) == len(rows)


def test_variable_references_pass_as_bfcl_passes_them():
    """BFCL's is_variable: acceptable values of another type than declared accept a value of their type."""
    function = {
        "name": "present",
        "parameters": {
            "type": "dict",
            "properties": {
                "controller": {"type": "dict", "description": "a controller"},
                "start": {"type": "string", "description": "a date"},
                "ids": {"type": "array", "items": {"type": "integer"}, "description": "ids"},
            },
            "required": ["controller"],
        },
    }
    truth = [{"present": {"controller": ["mapController"], "start": [None, ""], "ids": [["a", "b"], ""]}}]
    from bfcl_eval.constants.enums import Language

    checker = bfcl_ast_checker()
    tools = [convert_function(function, "t")]
    cases = [
        ({"controller": "mapController"}, True),
        ({"controller": "mapcontroller"}, False),  # a variable's name is compared as written
        ({"controller": "mapController", "start": None}, True),
        ({"controller": "mapController", "ids": ["a", "b"]}, True),
        ({"controller": "mapController", "ids": [1, 2]}, False),
        ({"controller": {"a": 1}}, False),
    ]
    for arguments, expected in cases:
        theirs = checker([function], [{"present": arguments}], truth, Language.PYTHON, "simple", "m")["valid"]
        ours = check_calls([ToolCall("present", arguments)], truth, tools).ok
        assert theirs == ours == expected, arguments
