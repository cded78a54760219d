"""Suites as a notebook uses them (load_suite, make_suite, run_suite) and the default label that keeps runs apart."""

from __future__ import annotations

import pytest

from harness.errors import BadInput
from harness.registry import default_label
from harness.suite import SuiteResult, load_suite, make_suite, run_suite
from harness.types import RunConfig
from tests.conftest import TASK_DIR


@pytest.mark.parametrize(
    ("options", "label"),
    [
        ({}, "smollm2-135m"),
        ({"mode": "prompt", "batch_size": 2, "concurrency": 4, "threads": 1, "cache": False}, "smollm2-135m"),
        ({"mode": "native", "constrained": True, "shots": 3}, "smollm2-135m[native,constrained,shots=3]"),
        ({"seed": 7}, "smollm2-135m[seed=7]"),
        ({"model_args": {"temperature": "0.7", "dtype": "bfloat16"}}, "smollm2-135m[dtype=bfloat16,temperature=0.7]"),
        (
            {"model_args": {"device": "cuda", "max_retries": "2", "api_key": "sk-x", "continuous": "true"}},
            "smollm2-135m",
        ),
        ({"shots": 1, "model_args": {"max_tokens": "64"}}, "smollm2-135m[shots=1,max_tokens=64]"),
        ({"lm_eval_args": {"apply_chat_template": "true"}}, "smollm2-135m[apply_chat_template=true]"),
        ({"lm_eval_args": {"system_instruction": "Answer briefly."}}, "smollm2-135m[system_instruction=#"),
    ],
)
def test_default_label_shows_what_changes_the_answers(options, label):
    made = default_label(RunConfig(task="gis_command", model="smollm2-135m", **options))
    assert made == label or (label.endswith("#") and made.startswith(label) and len(made) == len(label) + 9)


def test_default_label_is_stable_and_keeps_short_model_names():
    config = RunConfig(task="t", model="replay:/tmp/x/out.jsonl", mode="native", model_args={"b": "1", "a": "2"})
    again = RunConfig(task="t", model="replay:/tmp/x/out.jsonl", mode="native", model_args={"a": "2", "b": "1"})
    assert default_label(config) == default_label(again) == "replay:out.jsonl[native,a=2,b=1]"
    assert default_label(RunConfig(task="t", model="runs/ckpt-1/")) == "ckpt-1"


def write_suite(tmp_path, text: str, name: str = "suite.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_suite_file_gives_one_config_per_pair_with_entry_overrides(tmp_path):
    path = write_suite(
        tmp_path,
        "tasks: [echo, {name: gis_command, limit: 1, splits: ood}]\n"
        "models:\n  - oracle\n  - {spec: smollm2-135m, args: {dtype: bfloat16, max_tokens: 64, x: true},"
        " mode: native, shots: 2}\n"
        "splits: test,ood\nlimit: 5\nconstrained: true\nthreads: 1\n",
    )
    configs = load_suite(path).configs()
    assert [(c.task, c.model) for c in configs] == [
        ("echo", "oracle"),
        ("echo", "smollm2-135m"),
        ("gis_command", "oracle"),
        ("gis_command", "smollm2-135m"),
    ]
    echo_oracle, echo_small, gis_oracle, _ = configs
    assert (echo_oracle.splits, echo_oracle.limit, echo_oracle.mode, echo_oracle.shots) == (
        ("test", "ood"),
        5,
        "prompt",
        0,
    )
    assert echo_oracle.constrained and echo_oracle.threads == 1 and echo_oracle.model_args == {}
    assert (echo_small.mode, echo_small.shots) == ("native", 2)
    assert echo_small.model_args == {"dtype": "bfloat16", "max_tokens": "64", "x": "true"}
    assert (gis_oracle.splits, gis_oracle.limit) == (("ood",), 1)


def test_command_line_options_win_over_the_file_and_the_environment_does_not(tmp_path):
    path = write_suite(
        tmp_path,
        '{"tasks": [{"name": "echo", "limit": 9}], "models": [{"spec": "oracle", "mode": "native"}], "db": "f.duckdb"}',
        "suite.json",
    )
    suite = load_suite(path, {"limit": 2, "mode": "prompt", "model_args": {"k": "v"}}, {"db": "env.duckdb"})
    (config,) = suite.configs()
    assert (config.limit, config.mode, config.model_args, config.db) == (2, "prompt", {"k": "v"}, "f.duckdb")
    assert load_suite(path, {"tasks": ["gis_command"]}).configs()[0].task == "gis_command"
    assert make_suite({"db": "env.duckdb"}, {"tasks": ["echo"], "models": ["oracle"]}).db == "env.duckdb"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("tasks: [echo]\nmodels: [oracle]\nlimits: 3\n", ["suite.yaml: limits: unknown field", "'limit'", "splits"]),
        ("tasks: [echo]\nmodels: [{spec: oracle, arg: {a: 1}}]\n", ["models.0.arg: unknown field", "'args'"]),
        ("tasks: [{name: echo, dataa: x}]\nmodels: [oracle]\n", ["tasks.0.dataa: unknown field", "'data'"]),
        ("tasks: [echo]\nmodels: [oracle]\nlimit: 0\n", ["suite.yaml: limit:", "greater than or equal to 1"]),
        ("tasks: []\nmodels: [oracle]\n", ["suite.yaml: tasks:", "at least 1"]),
        ("models: [oracle]\n", ["suite.yaml: tasks: Field required"]),
        ("tasks: [echo\nmodels: [oracle]\n", ["suite.yaml:2: not valid YAML"]),
        ("- echo\n", ["a suite is a mapping of fields"]),
    ],
)
def test_a_bad_suite_file_is_one_line_naming_file_and_field(tmp_path, text, needles):
    path = write_suite(tmp_path, text)
    with pytest.raises(BadInput) as caught:
        load_suite(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    for needle in needles:
        assert needle in message, message


def test_run_suite_runs_each_pair_and_keeps_going_past_one_that_cannot_run(db):
    suite = make_suite(
        {"task_dir": str(TASK_DIR), "db": db, "limit": 2, "splits": ["test"]},
        {"tasks": ["echo"], "models": ["oracle", "no/such/ckpt", {"spec": "oracle", "shots": 1}]},
    )
    result = run_suite(suite)
    assert isinstance(result, SuiteResult)
    assert [o.label for o in result.outcomes] == ["oracle", "ckpt", "oracle[shots=1]"]
    assert [o.label for o in result.failed] == ["ckpt"] and not result.runs_with_errors
    assert "unknown model 'no/such/ckpt'" in str(result.failed[0].error)
    rows = result.rows()
    assert [(r["label"], r["split"], r["metric"], r["value"], r["n"], r["status"]) for r in rows] == [
        ("oracle", "test", "exact_match", 1.0, 2, "complete"),
        ("ckpt", None, None, None, None, "failed"),
        ("oracle[shots=1]", "test", "exact_match", 1.0, 2, "complete"),
    ]
    assert rows[0]["ci_low"] == 1.0 and rows[0]["run_id"] == result.outcomes[0].summary.run_id


def test_run_suite_refuses_unknown_tasks_and_shared_labels_before_running(db, tmp_path):
    with pytest.raises(BadInput, match="unknown task 'nope'"):
        run_suite(make_suite({"db": db}, {"tasks": ["gis_command", "nope"], "models": ["oracle"]}))
    shared = {"tasks": ["gis_command"], "models": ["oracle", {"spec": "oracle", "args": {"device": "cpu"}}]}
    with pytest.raises(BadInput, match="2 runs of task gis_command would share the label 'oracle'"):
        run_suite(make_suite({"db": db}, shared))
    assert not (tmp_path / "results.duckdb").exists()


def test_the_readme_suite_example_is_a_valid_suite(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    example = readme.split("harness run --config suite.yaml`:\n\n```yaml\n")[1].split("```")[0]
    suite = load_suite(write_suite(tmp_path, example))
    assert [t.name for t in suite.tasks] == ["schema_json", "function_calling"]
    labels = [default_label(c) if c.label is None else c.label for c in suite.configs()[:3]]
    assert labels == ["smollm2-135m", "smol-native", "openai:gpt-4o-mini"]
