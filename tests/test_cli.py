"""The CLI as a user meets it: exit codes, one-line errors, no half-written runs."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TASK_DIR, harness_cli

ECHO = ["--task-dir", str(TASK_DIR), "--task", "echo"]


def assert_one_line_error(result, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def no_complete_run(db: str) -> bool:
    if not Path(db).exists():
        return True
    with duckdb.connect(db, read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs WHERE status = 'complete'").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "--task", "nope", "--model", "oracle"], ["unknown task 'nope'", "schema_json"]),
        (["run", *ECHO, "--model", "no/such/ckpt"], ["unknown model 'no/such/ckpt'", "smollm2-135m"]),
        (["run", *ECHO, "--model", "oracle", "--model-arg", "oops"], ["--model-arg 'oops'", "KEY=VALUE"]),
        (["run", *ECHO, "--model", "oracle", "--split", "dev"], ["no split 'dev'", "test"]),
        (["run", *ECHO, "--model", "oracle", "--data", "missing.jsonl"], ["missing.jsonl", "no such file"]),
        (["run", *ECHO, "--model", "replay:missing.jsonl"], ["replay:missing.jsonl", "missing"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needles, db):
    result = harness_cli(*args, "--db", db)
    assert_one_line_error(result, *needles)
    assert no_complete_run(db)


def test_corrupt_jsonl_line_names_file_and_line(tmp_path, db):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"text": "a"}\n{"text": "b"\n{"text": "c"}\n')
    result = harness_cli("run", *ECHO, "--model", "oracle", "--data", str(data), "--db", db)
    assert_one_line_error(result, f"{data}:2", "not valid JSON")
    assert no_complete_run(db)


def test_missing_field_names_the_field(tmp_path, db):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"text": "a"}\n{"txt": "b"}\n')
    result = harness_cli("run", *ECHO, "--model", "oracle", "--data", str(data), "--db", db)
    assert_one_line_error(result, f"{data}:2", "missing field 'text'")


def test_unknown_replay_option_names_the_key(tmp_path, db):
    replay = tmp_path / "r.jsonl"
    replay.write_text('{"id": "test-0000", "output": "X"}\n')
    result = harness_cli("run", *ECHO, "--model", f"replay:{replay}", "--model-arg", "temprature=1", "--db", db)
    assert_one_line_error(result, "--model-arg temprature", "not an option")


def test_sample_errors_exit_3_and_output_json(tmp_path, db):
    replay = tmp_path / "r.jsonl"
    replay.write_text('{"id": "test-0000", "output": "ALPHA0"}\n')
    summary_path = tmp_path / "summary.json"
    result = harness_cli(
        "run",
        *ECHO,
        "--model",
        f"replay:{replay}",
        "--split",
        "test",
        "--limit",
        "2",
        "--db",
        db,
        "--output-json",
        str(summary_path),
    )
    assert result.returncode == 3, result.stderr
    summary = json.loads(summary_path.read_text())
    assert set(summary) >= {  # the document's keys are only ever added to
        "run_id",
        "task",
        "task_version",
        "model",
        "label",
        "status",
        "n_samples",
        "n_errors",
        "wall_s",
        "metrics",
    }
    assert summary["status"] == "complete" and summary["n_errors"] == 1 and summary["n_samples"] == 2
    assert summary["metrics"]["test"]["exact_match"] == {"value": 0.5, "ci_low": 0.0, "ci_high": 1.0, "n": 2}
    assert summary["label"] == "replay:r.jsonl"


def test_export_by_label_writes_every_sample(tmp_path, db):
    assert harness_cli("run", *ECHO, "--model", "oracle", "--limit", "3", "--db", db, "--label", "mine").returncode == 0
    out = tmp_path / "samples.jsonl"
    result = harness_cli("export", "--run", "mine", "--out", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 6
    assert set(lines[0]) == {
        "id",
        "split",
        "attempt",
        "cost_usd",
        "cost_paid_usd",
        "tags",
        "input",
        "target",
        "output",
        "parsed",
        "scores",
        "error",
        "latency_ms",
        "tokens_in",
        "tokens_out",
    }
    assert lines[0]["scores"] == {"exact_match": 1.0}


def test_export_unknown_run_is_one_line(db, tmp_path):
    harness_cli("run", *ECHO, "--model", "oracle", "--limit", "1", "--db", db)
    result = harness_cli("export", "--run", "nobody", "--out", str(tmp_path / "x.jsonl"), "--db", db)
    assert_one_line_error(result, "nobody", "harness list runs")


def test_list_commands(db):
    harness_cli("run", *ECHO, "--model", "oracle", "--limit", "1", "--db", db)
    runs = harness_cli("list", "runs", "--db", db)
    assert runs.returncode == 0 and "oracle" in runs.stdout and "complete" in runs.stdout
    tasks = harness_cli("list", "tasks", "--task-dir", str(TASK_DIR))
    assert tasks.returncode == 0 and "echo" in tasks.stdout
    models = harness_cli("list", "models")
    assert models.returncode == 0 and "smollm2-135m" in models.stdout and "replay" in models.stdout


def test_help_and_list_do_not_import_heavy_modules():
    code = (
        "import sys; from harness.cli import app; from typer.testing import CliRunner; "
        "CliRunner().invoke(app, ['list', 'models']); CliRunner().invoke(app, ['--help']); "
        "import harness.store, harness.runner; "
        "heavy = [m for m in ('torch', 'transformers', 'openai', 'anthropic', 'xgrammar') if m in sys.modules]; "
        "print(heavy)"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_help_imports_neither_the_records_nor_the_store():
    # `harness --help` stays as fast as typer and rich allow: pydantic (harness.types) and duckdb load on use.
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['harness', '--help']; from harness.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'duckdb', 'harness.types', 'harness.store') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().endswith("[]")


def test_default_label_tells_configurations_apart_and_list_runs_shows_them(db):
    assert harness_cli("run", *ECHO, "--model", "oracle", "--limit", "2", "--db", db).returncode == 0
    native = harness_cli("run", *ECHO, "--model", "oracle", "--limit", "2", "--db", db, "--mode", "native",
                         "--shots", "2", "--output-json", str(Path(db).with_suffix(".json")))  # fmt: skip
    assert native.returncode == 0, native.stderr
    assert json.loads(Path(db).with_suffix(".json").read_text())["label"] == "oracle[native,shots=2]"
    rows = json.loads(harness_cli("list", "runs", "--db", db, "--format", "json").stdout)
    by_label = {row["label"]: row for row in rows}
    assert set(by_label) == {"oracle", "oracle[native,shots=2]"}
    assert (by_label["oracle"]["mode"], by_label["oracle"]["shots"], by_label["oracle"]["constrained"]) == (
        "prompt", 0, False
    )  # fmt: skip
    assert (by_label["oracle[native,shots=2]"]["mode"], by_label["oracle[native,shots=2]"]["shots"]) == ("native", 2)


def test_list_runs_has_the_primary_metric_per_split_in_full_plain_rows(tmp_path, db):
    replay = tmp_path / "r.jsonl"
    replay.write_text("".join(json.dumps({"id": f"test-{i:04d}", "output": w}) + "\n" for i, w in
                              enumerate(["ALPHA0", "BRAVO1", "nope", "DELTA3"])))  # fmt: skip
    label = "a-rather-long-label-that-would-not-fit-in-eighty-columns"
    args = ("--model", f"replay:{replay}", "--split", "test", "--limit", "4", "--label", label, "--db", db)
    assert harness_cli("run", *ECHO, *args).returncode == 0
    result = harness_cli("list", "runs", "--db", db, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split()[:8] == ["task", "label", "mode", "constrained", "shots", "status", "split", "primary"]
    assert "…" not in result.stdout and len(row) > 80
    cells = row.split()
    assert cells[:7] == ["echo", label, "prompt", "0", "complete", "test", "exact_match"]
    assert cells[7:10] == ["0.7500", "[0.250,", "1.000]"] and cells[10] == "4"


def test_list_formats_json_and_csv(db):
    import csv

    assert harness_cli("run", *ECHO, "--model", "oracle", "--limit", "2", "--db", db).returncode == 0
    rows = json.loads(harness_cli("list", "runs", "--db", db, "--format", "json").stdout)
    assert [(r["split"], r["metric"], r["value"], r["n"], r["is_primary"]) for r in rows] == [
        ("test", "exact_match", 1.0, 2, True),
        ("ood", "exact_match", 1.0, 2, True),
    ]
    table = list(csv.DictReader(harness_cli("list", "runs", "--db", db, "--format", "csv").stdout.splitlines()))
    assert [(r["split"], r["value"], r["label"], r["constrained"]) for r in table] == [
        ("test", "1.0", "oracle", "False"),
        ("ood", "1.0", "oracle", "False"),
    ]
    tasks = json.loads(harness_cli("list", "tasks", "--task-dir", str(TASK_DIR), "--format", "json").stdout)
    assert {"task": "echo", "version": "1", "splits": "train,test,ood", "primary_metric": "exact_match",
            "description": "upper-case the word"} in tasks  # fmt: skip


def test_list_tasks_not_on_a_terminal_prints_whole_descriptions():
    result = harness_cli("list", "tasks", env={"COLUMNS": "80"})
    assert result.returncode == 0 and "…" not in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("function_calling "))
    assert line.endswith("Call the right functions with the right arguments (BFCL-style AST check), or none.")


def test_several_tasks_and_models_run_each_pair_and_end_with_one_table(tmp_path, db):
    replay = tmp_path / "r.jsonl"
    replay.write_text('{"id": "test-0000", "output": "ALPHA0"}\n')
    out = tmp_path / "runs.json"
    result = harness_cli("run", "--task-dir", str(TASK_DIR), "--task", "echo,gis_command", "--model", "oracle",
                         "--model", f"replay:{replay}", "--split", "test", "--limit", "2", "--db", db,
                         "--output-json", str(out))  # fmt: skip
    assert result.returncode == 3, result.stderr  # replay has no answer for most examples: sample errors
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["task", "model", "label", "split", "primary", "metric", "value", "95%", "CI", "n",
                              "errors", "status", "run"]  # fmt: skip
    assert [row.split()[:2] for row in rows] == [
        ["echo", "oracle"], ["echo", "replay:r.jsonl"], ["gis_command", "oracle"], ["gis_command", "replay:r.jsonl"]
    ]  # fmt: skip
    assert rows[0].split()[2:5] == ["test", "exact_match", "1.0000"]
    assert rows[1].split()[2:5] == ["test", "exact_match", "0.5000"]
    summaries = json.loads(out.read_text())
    assert [(s["task"], s["label"], s["n_samples"]) for s in summaries] == [
        ("echo", "oracle", 2), ("echo", "replay:r.jsonl", 2), ("gis_command", "oracle", 2),
        ("gis_command", "replay:r.jsonl", 2),
    ]  # fmt: skip
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'complete'").fetchone()[0] == 4


def test_a_pair_that_cannot_run_is_reported_the_others_still_run(db):
    result = harness_cli("run", *ECHO, "--model", "oracle", "--model", "no/such/ckpt", "--limit", "1", "--db", db)
    assert result.returncode == 2, result.stderr
    assert "echo · ckpt: unknown model 'no/such/ckpt'" in result.stderr
    rows = [row.split() for row in result.stdout.splitlines()[1:]]
    assert [row[:2] for row in rows] == [["echo", "oracle"], ["echo", "oracle"], ["echo", "ckpt"]]
    assert rows[-1][-1] == "failed" and rows[0][-2] == "complete"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", *ECHO, "--task", "nope", "--model", "oracle"], ["unknown task 'nope'"]),
        (["run", *ECHO, "--model", "oracle", "--model", "oracle"], ["share the label 'oracle'", "own label"]),
        (["run", *ECHO, "--model", "oracle", "--model", "replay:x.jsonl", "--label", "x"], ["--label", "suite file"]),
        (["run", "--task", "echo,gis_command", "--model", "oracle", "--data", "x.jsonl"], ["--data", "one --task"]),
        (["run", "--model", "oracle"], ["pass --task and --model", "--config"]),
    ],
)
def test_bad_multi_run_input_is_one_line_before_anything_runs(args, needles, db):
    result = harness_cli(*args, "--db", db)
    assert_one_line_error(result, *needles)
    assert not Path(db).exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", *ECHO, "--model", "oracle", "--limit", "3", "--limit", "5"], ["--limit given 2 times", "once"]),
        (["run", *ECHO, "--model", "oracle", "--db", "b.duckdb"], ["--db given 2 times"]),
        (["run", *ECHO, "--model", "oracle", "--cache", "--no-cache"], ["--cache/--no-cache given 2 times"]),
        (["list", "runs", "--db", "b.duckdb"], ["list: --db given 2 times"]),
    ],
)
def test_a_repeated_single_valued_option_is_an_error(args, needles, db, tmp_path):
    result = harness_cli(*args, "--db", db, cwd=tmp_path)
    assert_one_line_error(result, *needles)
    assert not Path(db).exists() and not (tmp_path / "b.duckdb").exists()


def test_suite_file_runs_every_pair_and_command_line_options_win(tmp_path, db):
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        f"tasks: [echo]\ntask_dir: {TASK_DIR}\nsplits: [test]\nlimit: 3\ndb: {db}\n"
        "models:\n  - oracle\n  - {spec: oracle, label: oracle-native, mode: native}\n"
    )
    result = harness_cli("run", "--config", str(suite), "--limit", "2")
    assert result.returncode == 0, result.stderr
    rows = [row.split() for row in result.stdout.splitlines()[1:]]
    assert [row[:5] for row in rows] == [
        ["echo", "oracle", "test", "exact_match", "1.0000"],
        ["echo", "oracle-native", "test", "exact_match", "1.0000"],
    ]
    assert [row[7] for row in rows] == ["2", "2"]  # n: --limit 2 beat the file's limit: 3


def test_suite_file_with_an_unknown_key_names_file_and_field(tmp_path, db):
    suite = tmp_path / "suite.yaml"
    suite.write_text("tasks: [echo]\nmodels: [{spec: oracle, lable: mine}]\n")
    result = harness_cli("run", "--config", str(suite), "--db", db)
    assert_one_line_error(result, f"{suite}: models.0.lable: unknown field", "did you mean 'label'")


def test_version():
    from harness import __version__

    result = harness_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"harness {__version__}"


def test_threads_is_recorded_in_the_run_config(db):
    assert harness_cli("run", *ECHO, "--model", "oracle", "--limit", "1", "--threads", "1", "--db", db).returncode == 0
    with duckdb.connect(db, read_only=True) as con:
        (config,) = con.execute("SELECT config FROM runs").fetchone()
    assert json.loads(config)["threads"] == 1


def test_finetune_passes_threads_to_its_config(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from typer.testing import CliRunner

    import harness.finetune
    from harness.cli import app

    seen = {}

    def fake_finetune(config, progress):
        seen["threads"] = config.threads
        return SimpleNamespace(final_train_loss=None, resumed_from_step=0, kind="causal", method="full",
                               out=config.out, steps=0, wall_s=0.0, eval=None)  # fmt: skip

    monkeypatch.setattr(harness.finetune, "finetune", fake_finetune)
    args = ["finetune", "--task", "gis_command", "--base", "smollm2-135m", "--out", str(tmp_path / "m"), "--threads"]
    result = CliRunner().invoke(app, [*args, "2"])
    assert result.exit_code == 0, result.output
    assert seen == {"threads": 2}
