"""ToolBench / StableToolBench query files in function_calling: reading, naming, metrics, bad input, verifier.

The fixture files are hand-made in the documented format of ToolBench's ``solvable_queries/test_instruction``
(``{query_id, query, api_list: [{category_name, tool_name, api_name, api_description, required_parameters,
optional_parameters, method, template_response}], "relevant APIs": [[tool_name, api_name]]}``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness.errors import BadInput
from harness.runner import run_eval
from harness.tasks.function_calling.task import FunctionCallingTask
from harness.tasks.function_calling.toolbench import change_name, function_name, standardize
from harness.types import Response, RunConfig, ToolCall
from tests.conftest import harness_cli

TASK = FunctionCallingTask()


def api(category: str, tool: str, name: str, required: list[dict[str, Any]], optional: list[dict[str, Any]]):
    return {
        "category_name": category,
        "tool_name": tool,
        "api_name": name,
        "api_description": f"{name} of {tool}.",
        "required_parameters": required,
        "optional_parameters": optional,
        "method": "GET",
        "template_response": {"result": "str"},
    }


def param(name: str, kind: str, default: Any = "") -> dict[str, Any]:
    return {"name": name, "type": kind, "description": f"The {name}.", "default": default}


NAMES = [param("fname", "STRING", "John"), param("sname", "STRING", "Alice")]
LOVE = api("Entertainment", "Love Calculator", "getPercentage", NAMES, [])
JOKE = api("Entertainment", "Jokes by API-Ninjas", "/v1/jokes", [], [param("limit", "NUMBER", 1)])
WEATHER = api(
    "Weather",
    "Weather API",
    "Current weather data",
    [param("lat", "NUMBER"), param("lon", "number")],
    [param("units", "ENUM", "metric"), param("id", "STRING"), param("detailed", "BOOLEAN", "false")],
)
QUERIES = [
    {
        "query_id": 101,
        "query": "How compatible are John and Alice? Also tell me a joke.",
        "api_list": [LOVE, JOKE],
        "relevant APIs": [["Love Calculator", "getPercentage"], ["Jokes by API-Ninjas", "/v1/jokes"]],
    },
    {
        "query_id": 102,
        "query": "What is the weather at 48.85, 2.35 right now?",
        "api_list": [WEATHER, JOKE],
        "relevant APIs": [["Weather API", "Current weather data"]],
    },
]


def write(tmp_path: Path, records: Any, name: str = "G1_instruction.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return str(path)


@pytest.fixture
def examples(tmp_path):
    return TASK.load_data(write(tmp_path, QUERIES))


# ---- reading ---------------------------------------------------------------------------------------------------


def test_names_follow_toolbench_inference():
    # Hand-computed from ToolBench's standardize / change_name (toolbench/utils.py) and rapidapi.py's naming.
    assert standardize("Love Calculator") == "love_calculator"
    assert standardize("  /v1/jokes ") == "v1_jokes"
    assert standardize("3D Models--Search") == "get_3d_models_search"
    assert standardize("Çava") == "ava"  # ToolBench keeps ASCII letters, digits, '_', CJK and '^' only
    assert change_name("id") == "is_id" and change_name("from") == "is_from" and change_name("ID") == "ID"
    assert function_name("Love Calculator", "getPercentage") == "getpercentage_for_love_calculator"
    assert function_name("Jokes by API-Ninjas", "/v1/jokes") == "v1_jokes_for_jokes_by_api_ninjas"
    long = function_name("A" * 40, "b" * 40)
    assert len(long) == 64 and long == ("b" * 40 + "_for_" + "a" * 40)[-64:]


def test_a_query_file_is_detected_by_content_and_read(examples):
    first, second = examples
    assert (first.id, first.split) == ("101", "toolbench")
    assert first.tags == ("toolbench", "toolbench:G1_instruction", "category:Entertainment")
    assert second.tags == ("toolbench", "toolbench:G1_instruction", "category:Weather", "category:Entertainment")
    assert first.inputs["messages"] == ({"role": "user", "content": QUERIES[0]["query"]},)
    assert [t["name"] for t in first.inputs["tools"]] == [
        "getpercentage_for_love_calculator",
        "v1_jokes_for_jokes_by_api_ninjas",
    ]
    assert first.inputs["apis"]["v1_jokes_for_jokes_by_api_ninjas"] == ["Jokes by API-Ninjas", "/v1/jokes"]
    assert first.target == ["getpercentage_for_love_calculator", "v1_jokes_for_jokes_by_api_ninjas"]
    assert second.target == ["current_weather_data_for_weather_api"]


def test_parameters_become_json_schema(examples):
    weather = examples[1].inputs["tools"][0]
    assert weather["description"].startswith('This is the subfunction for tool "weather_api"')
    parameters = weather["parameters"]
    assert parameters["required"] == ["lat", "lon"]
    props = parameters["properties"]
    assert {k: v["type"] for k, v in props.items()} == {
        "lat": "number",
        "lon": "number",
        "units": "string",
        "is_id": "string",
        "detailed": "boolean",
    }
    assert props["units"]["description"] == "The units. (default: metric)"
    assert props["lat"]["description"] == "The lat."


def test_names_cut_to_one_get_numbered_and_repeated_apis_are_offered_once(tmp_path):
    tool = "A Tool With A Very Long Name That Fills Most Of The Sixty Four Chars"
    first, second = (api("Data", tool, name, [], []) for name in ("Recent quotes", "Popular quotes"))
    assert function_name(tool, "Recent quotes") == function_name(tool, "Popular quotes")
    record = {
        "query_id": 5,
        "query": "Popular quotes, please.",
        "api_list": [first, second, first],
        "relevant APIs": [[tool, "Popular quotes"]],
    }
    (example,) = TASK.load_data(write(tmp_path, [record]))
    names = [t["name"] for t in example.inputs["tools"]]
    assert len(names) == 2 and names[1] == (names[0] + "_2")[-64:] and len(names[1]) == 64
    assert example.target == [names[1]] and example.inputs["apis"][names[1]] == [tool, "Popular quotes"]


def test_unknown_types_are_strings(tmp_path):
    odd = api("Data", "Odd", "Thing", [param("when", "DATE"), param("n", "Integer")], [param("tags", "array")])
    (example,) = TASK.load_data(
        write(tmp_path, [{**QUERIES[0], "api_list": [odd], "relevant APIs": [["Odd", "Thing"]]}])
    )
    props = example.inputs["tools"][0]["parameters"]["properties"]
    assert (props["when"]["type"], props["n"]["type"], props["tags"]["type"]) == ("string", "integer", "array")


# ---- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"query_id": 7, "query": "x"}], r"\[0\] \(query_id 7\): a ToolBench query needs 'api_list'"),
        ([{"query_id": 7, "api_list": [LOVE]}], r"\(query_id 7\): a ToolBench query needs 'query'"),
        (
            [{**QUERIES[0], "relevant APIs": [["Love Calculator", "getNames"]]}],
            r"\(query_id 101\): relevant API \['Love Calculator', 'getNames'\] is not among the query's api_list",
        ),
        ([{**QUERIES[0], "api_list": []}], r"\(query_id 101\): 'api_list' is empty"),
        ([{**QUERIES[0], "relevant APIs": []}], r"\(query_id 101\): 'relevant APIs' must be a non-empty list"),
        ([QUERIES[0], {"id": "x", "messages": []}], r"\[1\]: not a ToolBench query"),
    ],
)
def test_bad_queries_are_one_line_naming_file_and_query(tmp_path, records, message):
    path = write(tmp_path, records)
    with pytest.raises(BadInput, match=message) as info:
        TASK.load_data(path)
    assert "G1_instruction.json" in str(info.value) and "\n" not in str(info.value)


def test_cli_bad_input_exits_2_without_a_run(tmp_path, db):
    path = write(tmp_path, [{"query_id": 9, "query": "x", "api_list": [LOVE], "relevant APIs": [["Nope", "nope"]]}])
    result = harness_cli("run", "--task", "function_calling", "--model", "oracle", "--data", path, "--db", db)
    assert result.returncode == 2
    assert "G1_instruction.json[0] (query_id 9): relevant API ['Nope', 'nope']" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    if Path(db).exists():
        with duckdb.connect(db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)


# ---- metrics ---------------------------------------------------------------------------------------------------


def calls(*items: tuple[str, dict[str, Any]]) -> Response:
    return Response(tool_calls=tuple(ToolCall(name, arguments) for name, arguments in items))


LOVE_FN, JOKE_FN = "getpercentage_for_love_calculator", "v1_jokes_for_jokes_by_api_ninjas"
WEATHER_FN = "current_weather_data_for_weather_api"


@pytest.mark.parametrize(
    ("index", "response", "expected"),
    [
        # both relevant APIs, valid arguments: everything 1
        (0, calls((LOVE_FN, {"fname": "John", "sname": "Alice"}), (JOKE_FN, {})), (1, 1, 1, 1, 1, 1)),
        # one of two relevant: recall 1/2, precision 1, F1 2/3
        (0, calls((LOVE_FN, {"fname": "John", "sname": "Alice"})), (0.5, 1, 2 / 3, 0, 1, 1)),
        # the relevant API and a distractor, the distractor's argument of the wrong type
        (1, calls((WEATHER_FN, {"lat": 48.85, "lon": 2}), (JOKE_FN, {"limit": "3"})), (1, 0.5, 2 / 3, 0, 0, 1)),
        # a missing required parameter, an invented API
        (1, calls((WEATHER_FN, {"lat": 48.85}), ("made_up", {})), (1, 0.5, 2 / 3, 0, 0, 1)),
        # the same API twice counts once
        (1, calls((WEATHER_FN, {"lat": 1, "lon": 2}), (WEATHER_FN, {"lat": 3, "lon": 4})), (1, 1, 1, 1, 1, 1)),
    ],
)
def test_api_metrics_by_hand(examples, index, response, expected):
    scored = TASK.score(examples[index], response)
    names = ("api_recall", "api_precision", "api_f1", "api_exact", "args_valid", "parse_rate")
    assert [scored.scores[n] for n in names] == pytest.approx(list(expected))
    assert "ast_accuracy" not in scored.scores


def test_text_answers_no_calls_and_errors(examples):
    text = Response(text='[{"name": "getpercentage_for_love_calculator", "arguments": {"fname": "a", "sname": "b"}}]')
    assert TASK.score(examples[0], text).scores["api_recall"] == 0.5
    empty = TASK.score(examples[0], Response(text="[]"))
    assert empty.scores == {"api_recall": 0, "api_precision": 0, "api_f1": 0, "api_exact": 0, "parse_rate": 1}
    assert empty.details["error_type"] == "no_call"
    broken = TASK.score(examples[0], Response(text='[{"name": "getpercentage_for'))
    assert broken.scores["parse_rate"] == 0 and broken.scores["args_valid"] == 0
    failed = TASK.score(examples[0], Response(error="timeout"))
    assert set(failed.scores.values()) == {0.0}


def test_a_run_has_its_own_split_with_api_f1_primary(tmp_path, db):
    path = write(tmp_path, QUERIES, name="G2_category.json")
    replay = tmp_path / "replay.jsonl"
    lines = [
        {"id": "101", "tool_calls": [{"name": LOVE_FN, "arguments": {"fname": "J", "sname": "A"}}]},
        {"id": "102", "output": json.dumps([{"name": WEATHER_FN, "arguments": {"lat": 1.5, "lon": 2}}])},
    ]
    replay.write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = run_eval(RunConfig(task="function_calling", model=f"replay:{replay}", data=path, db=db))
    metrics = summary.metrics["toolbench"]
    assert metrics["api_f1"].value == pytest.approx((2 / 3 + 1) / 2)
    assert metrics["api_f1:G2_category"].value == pytest.approx((2 / 3 + 1) / 2)
    assert metrics["api_exact"].value == 0.5 and metrics["args_valid"].value == 1.0
    with duckdb.connect(db, read_only=True) as con:
        primary = con.execute("SELECT split, metric FROM metrics WHERE is_primary").fetchall()
    assert primary == [("toolbench", "api_f1")]


def test_the_oracle_calls_the_relevant_apis(tmp_path, db):
    path = write(tmp_path, QUERIES)
    result = harness_cli("run", "--task", "function_calling", "--model", "oracle", "--data", path, "--db", db)
    assert result.returncode == 0, result.stderr
    text = TASK.target_text(TASK.load_data(path)[0])
    # Required parameters take their documented defaults; ToolBench gives no reference arguments.
    assert json.loads(text) == [
        {"name": LOVE_FN, "arguments": {"fname": "John", "sname": "Alice"}},
        {"name": JOKE_FN, "arguments": {}},
    ]
    assert "api_f1 *" in result.stdout


# ---- the verifier and canonical answers (issue 19) -------------------------------------------------------------


def test_verify_never_reads_the_target(examples):
    responses = [
        calls((LOVE_FN, {"fname": "John", "sname": "Alice"})),
        calls((LOVE_FN, {"fname": "John"})),
        calls((WEATHER_FN, {"lat": "north", "lon": 2})),
        calls(("made_up", {})),
        Response(text="[]"),
        Response(text="not json ["),
    ]
    for example in examples:
        verdicts = [TASK.verify(example, r) for r in responses]
        swapped = replace(example, target=None)
        assert [TASK.verify(swapped, r) for r in responses] == verdicts
        other = replace(example, target=[WEATHER_FN] if example.target != [WEATHER_FN] else [LOVE_FN])
        assert [TASK.verify(other, r) for r in responses] == verdicts
    first, second = examples
    assert [TASK.verify(first, r) for r in responses] == [True, False, False, False, False, False]
    assert TASK.verify(second, calls((WEATHER_FN, {"lat": 1.0, "lon": 2}))) is True
    assert TASK.verify(second, Response(error="boom")) is None


def test_canonical_answers_ignore_call_order(examples):
    one = calls((LOVE_FN, {"fname": "John", "sname": "Alice"}), (JOKE_FN, {}))
    other = calls((JOKE_FN, {}), (LOVE_FN, {"sname": "alice", "fname": "JOHN"}))
    assert TASK.canonical_answer(examples[0], one) == TASK.canonical_answer(examples[0], other)
    assert TASK.canonical_answer(examples[0], Response(text="{")) is None


def test_native_tool_calling_through_both_sdks(tmp_path, db, monkeypatch):
    """ToolBench queries in native mode: the fake server answers each with the target's calls as tool calls."""
    from harness.fake_server import FakeServer, Script

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    path = write(tmp_path, QUERIES)
    with FakeServer(Script.oracle("function_calling", data=path)) as server:
        for provider, url in (("openai", server.openai_url), ("anthropic", server.anthropic_url)):
            summary = run_eval(
                RunConfig(
                    task="function_calling",
                    data=path,
                    db=db,
                    model=f"{provider}:fake-model",
                    mode="native",
                    model_args={"base_url": url, "timeout": "5"},
                )
            )
            assert summary.n_errors == 0, provider
            metrics = summary.metrics["toolbench"]
            assert metrics["api_f1"].value == 1.0, provider
            # query 102's weather API needs lat and lon, which have no documented defaults
            assert metrics["args_valid"].value == 0.5, provider
        tools = [body["tools"] for body in server.bodies if "tools" in body]
        names = {t.get("name") or t["function"]["name"] for offered in tools for t in offered}
        assert {LOVE_FN, JOKE_FN, WEATHER_FN} <= names
