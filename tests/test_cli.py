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
        (["run", *ECHO, "--model", "replay:missing.jsonl"], ["missing.jsonl", "no such file"]),
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
    assert set(summary) == {
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
