"""The built-in smollm2-135m end to end (marked slow: the first use converts the GGUF, ~30 s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import harness_cli

pytestmark = pytest.mark.slow


def test_constrained_outputs_are_all_schema_valid(tmp_path: Path, db: str) -> None:
    out = tmp_path / "run.json"
    run = harness_cli(
        "run", "--task", "schema_json", "--model", "smollm2-135m", "--constrained",
        "--split", "test,ood", "--limit", "4", "--db", db, "--output-json", str(out),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads(out.read_text())
    assert summary["n_samples"] == 8 and summary["n_errors"] == 0
    assert summary["label"] == "smollm2-135m"

    samples = tmp_path / "samples.jsonl"
    export = harness_cli("export", "--run", summary["run_id"], "--out", str(samples), "--db", db)
    assert export.returncode == 0, export.stderr
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    assert len(rows) == 8
    for row in rows:
        assert row["scores"]["json_parse"] == 1.0, row["output"]
        assert row["scores"]["schema_valid"] == 1.0, (row["output"], row["scores"])
        assert row["tokens_out"] > 0 and row["latency_ms"] > 0
    for split in ("test", "ood"):
        assert summary["metrics"][split]["schema_valid"]["value"] == 1.0
