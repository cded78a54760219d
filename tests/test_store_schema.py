"""Store schemas 3 and 4: an older file is upgraded in place by a writer and read as it is by a reader.

The version-2 DDL below is the exact text harness wrote before schema 3 (frozen here on purpose: it
is the file format users have on disk, not something to keep in step with ``harness.store``).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from harness.errors import StoreError
from harness.export import read_baseline, write_baseline
from harness.gate import run_gate
from harness.store import SCHEMA_VERSION, Store
from harness.store import schema as store_schema
from harness.types import MetricValue

V2_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    resume_key VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    task_version VARCHAR NOT NULL,
    data_hash VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    model_spec VARCHAR NOT NULL,
    model_fingerprint JSON NOT NULL,
    model_kind VARCHAR,
    model_params BIGINT,
    config JSON NOT NULL,
    harness_version VARCHAR,
    git_sha VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    n_samples INTEGER,
    n_errors INTEGER,
    wall_s DOUBLE,
    cost_usd DOUBLE,
    tokens_in BIGINT,
    tokens_out BIGINT,
    resumed_from VARCHAR,
    extra JSON
);
CREATE TABLE IF NOT EXISTS samples (
    run_id VARCHAR NOT NULL,
    example_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    tags VARCHAR[],
    input JSON,
    target JSON,
    request_hash VARCHAR,
    output VARCHAR,
    parsed JSON,
    scores JSON,
    details JSON,
    error VARCHAR,
    latency_ms DOUBLE,
    tokens_in INTEGER,
    tokens_out INTEGER,
    cost_usd DOUBLE,
    meta JSON,
    created_at TIMESTAMP,
    PRIMARY KEY (run_id, split, example_id)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n INTEGER,
    PRIMARY KEY (run_id, split, metric)
);
CREATE TABLE IF NOT EXISTS gates (
    gate_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    baseline VARCHAR NOT NULL,
    candidate VARCHAR NOT NULL,
    baseline_run VARCHAR,
    candidate_run VARCHAR,
    task VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    test VARCHAR NOT NULL,
    n INTEGER NOT NULL,
    baseline_value DOUBLE,
    candidate_value DOUBLE,
    diff DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    p_value DOUBLE,
    verdict VARCHAR NOT NULL,
    max_drop DOUBLE,
    alpha DOUBLE,
    gate_verdict VARCHAR NOT NULL,
    PRIMARY KEY (gate_id, task, split, metric)
);
"""

SCHEMA_JSON = {"test": {"exact_match": 0.5, "schema_valid": 0.9}, "ood": {"exact_match": 0.25, "schema_valid": 0.7}}
# run id -> (task, label, extra, {split: {metric: value}})
V2_RUNS: dict[str, tuple[str, str, dict | None, dict[str, dict[str, float]]]] = {
    "sj-base": ("schema_json", "base", None, SCHEMA_JSON),
    "sj-cand": ("schema_json", "cand", None, SCHEMA_JSON),
    "gis": ("gis_command", "base", None, {"test": {"command_similarity": 0.8, "exact_match": 0.6}}),
    "fc": ("function_calling", "base", None, {"test": {"abstain_rate": 0.1, "ast_accuracy": 0.7}}),
    "intent": ("intent", "base", None, {"test": {"accuracy": 0.8, "macro_f1": 0.7},
                                        "multilabel": {"accuracy": 0.6, "hamming": 0.9, "subset_accuracy": 0.4}}),
    "lm": ("lm_eval:toy", "base", {"primary_metric": "acc_norm"}, {"test": {"acc": 0.5, "acc_norm": 0.6}}),
    "custom": ("custom", "base", None, {"test": {"b_score": 0.3, "a_score": 0.4}}),
}  # fmt: skip
# What schema 3 stores (or a reader of the old file infers): the frozen built-in table, lm-eval's own hint.
EXPECTED_PRIMARY = {
    "sj-base": {"ood": "schema_valid", "test": "schema_valid"},
    "sj-cand": {"ood": "schema_valid", "test": "schema_valid"},
    "gis": {"test": "exact_match"},
    "fc": {"test": "ast_accuracy"},
    "intent": {"multilabel": "subset_accuracy", "test": "accuracy"},
    "lm": {"test": "acc_norm"},
    "custom": {},  # unknown: readers fall back to a_score, the first by name, and say so
}
N_SAMPLES = 40


def write_v2_store(path: Path) -> str:
    """A schema-2 file as harness wrote it then: complete runs with samples and metrics, no primary flags."""
    with duckdb.connect(str(path)) as con:
        con.execute(V2_DDL)
        con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        for i, (run_id, (task, label, extra, metrics)) in enumerate(V2_RUNS.items()):
            con.execute(
                """INSERT INTO runs (run_id, resume_key, task, task_version, data_hash, label, model_spec,
                   model_fingerprint, model_kind, config, started_at, finished_at, status, n_samples, n_errors,
                   extra) VALUES (?, ?, ?, '1', 'data-1', ?, ?, ?, 'api', '{}', ?, ?, 'complete', ?, 0, ?)""",
                [run_id, run_id, task, label, f"spec-{run_id}", json.dumps({"spec": f"spec-{run_id}", "kind": "api"}),
                 datetime(2025, 1, 1, 0, i), datetime(2025, 1, 1, 0, i, 30), N_SAMPLES * len(metrics),
                 json.dumps(extra) if extra else None],
            )  # fmt: skip
            for split, values in metrics.items():
                con.executemany(
                    "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        [run_id, split, name, value, value - 0.1, value + 0.1, N_SAMPLES]
                        for name, value in values.items()
                    ],
                )
                con.executemany(
                    """INSERT INTO samples (run_id, example_id, split, tags, output, scores, latency_ms)
                       VALUES (?, ?, ?, [], ?, ?, 10.0)""",
                    [[run_id, f"{split}-{k:03d}", split, f"out {k}",
                      json.dumps({name: float(k < value * N_SAMPLES) for name, value in values.items()})]
                     for k in range(N_SAMPLES)],
                )  # fmt: skip
    return str(path)


def file_state(db: str) -> tuple[str, bool]:
    """(schema version, whether ``metrics`` has ``is_primary``), read with DuckDB directly."""
    with duckdb.connect(db, read_only=True) as con:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        columns = {row[0] for row in con.execute("DESCRIBE metrics").fetchall()}
    assert version is not None
    return version[0], "is_primary" in columns


def check_readers(db: str, tmp_path: Path) -> None:
    """The store, the gate and ``harness export`` all see each split's primary metric."""
    store = Store(db, read_only=True)
    assert {run_id: store.primary_metrics(run_id) for run_id in V2_RUNS} == EXPECTED_PRIMARY
    report = run_gate("base", "cand", db)
    assert [(c.task, c.split, c.metric) for c in report.comparisons] == [
        ("schema_json", "ood", "schema_valid"),
        ("schema_json", "test", "schema_valid"),
    ]
    write_baseline(db, "sj-base", tmp_path / "sj.jsonl")
    assert read_baseline(tmp_path / "sj.jsonl").header["primary_metrics"] == EXPECTED_PRIMARY["sj-base"]
    write_baseline(db, "intent", tmp_path / "intent.jsonl")
    assert read_baseline(tmp_path / "intent.jsonl").header["primary_metrics"] == EXPECTED_PRIMARY["intent"]
    write_baseline(db, "custom", tmp_path / "custom.jsonl")
    assert read_baseline(tmp_path / "custom.jsonl").header["primary_metrics"] == {}


def check_leaderboard(db: str) -> None:
    """The leaderboard's overview shows the same metric per split, and marks the one it had to guess."""
    pytest.importorskip("pandas", reason="the leaderboard extra is not installed")
    from harness.leaderboard import queries as q

    overview = q.overview(db)
    shown = {(r.run_id, r.split): (r.metric, bool(r.primary_stored)) for r in overview.itertuples()}
    expected = {(run_id, split): (metric, True) for run_id, by_split in EXPECTED_PRIMARY.items()
                for split, metric in by_split.items()}  # fmt: skip
    expected[("custom", "test")] = ("a_score", False)
    assert shown == expected  # every run is the latest of its label and task
    values = overview.set_index(["run_id", "split"])["value"]
    assert values[("lm", "test")] == 0.6 and values[("intent", "multilabel")] == 0.4


def check_leaderboard_app(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Overview page of the Streamlit app on this file."""
    testing = pytest.importorskip("streamlit.testing.v1", reason="the leaderboard extra is not installed")
    from harness.leaderboard import app_path

    monkeypatch.setenv("HARNESS_DB", db)
    at = testing.AppTest.from_file(str(app_path()), default_timeout=60).run()
    assert not at.exception and not at.error
    table = next(df.value for df in at.dataframe if "kind" in df.value.columns).set_index("label")
    assert table.loc["base", "schema_json · test"] == 0.9 and table.loc["base", "lm_eval:toy · test"] == 0.6
    assert table.loc["base", "intent · multilabel"] == 0.4 and table.loc["base", "custom · test"] == 0.4
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "custom: test a_score (first by name: no primary metric stored)" in caption
    assert "intent: test accuracy, multilabel subset_accuracy;" in caption


def test_a_read_only_open_reads_a_version_2_file_without_upgrading_it(tmp_path, monkeypatch):
    db = write_v2_store(tmp_path / "v2.duckdb")
    check_readers(db, tmp_path)
    check_leaderboard(db)
    check_leaderboard_app(db, monkeypatch)
    assert file_state(db) == ("2", False)


def test_a_writer_upgrades_a_version_2_file_in_place(tmp_path, monkeypatch):
    db = write_v2_store(tmp_path / "v2.duckdb")
    Store(db)
    assert SCHEMA_VERSION == 4 and file_state(db) == ("4", True)
    with duckdb.connect(db, read_only=True) as con:
        flags = con.execute("SELECT run_id, split, metric, is_primary FROM metrics").fetchall()
    for run_id, split, metric, is_primary in flags:
        wanted = EXPECTED_PRIMARY[run_id].get(split)
        assert is_primary == (None if wanted is None else metric == wanted), (run_id, split, metric)
    assert sum(bool(flag) for *_, flag in flags) == sum(len(by_split) for by_split in EXPECTED_PRIMARY.values())
    check_readers(db, tmp_path)
    check_leaderboard(db)
    check_leaderboard_app(db, monkeypatch)
    Store(db)  # a second open finds it current and changes nothing
    assert file_state(db) == ("4", True)


def test_a_version_1_file_is_upgraded_too(tmp_path):
    db = write_v2_store(tmp_path / "v1.duckdb")
    with duckdb.connect(db) as con:
        con.execute("DROP TABLE gates")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    Store(db)
    assert file_state(db) == ("4", True)
    assert Store(db, read_only=True).primary_metrics("intent") == EXPECTED_PRIMARY["intent"]


def test_a_failed_upgrade_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    db = write_v2_store(tmp_path / "v2.duckdb")
    monkeypatch.setattr(store_schema, "INFERRED_PRIMARY_SQL", "SELECT no_such_column FROM metrics")
    with pytest.raises(duckdb.Error):
        Store(db)
    assert file_state(db) == ("2", False)  # the ALTER TABLE was rolled back with the backfill
    monkeypatch.undo()
    Store(db)
    assert file_state(db) == ("4", True)


def test_a_newer_file_is_refused_with_the_fix(tmp_path):
    db = write_v2_store(tmp_path / "v9.duckdb")
    with duckdb.connect(db) as con:
        con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"schema version 9 is newer than this harness \(4\): upgrade harness"):
        Store(db)


def test_finish_run_stores_each_splits_primary_metric(tmp_path):
    db = str(tmp_path / "new.duckdb")
    store = Store(db)
    fields = {"task": "t", "task_version": "1", "data_hash": "h", "label": "x", "model_spec": "m",
              "model_fingerprint": {}, "config": {}}  # fmt: skip
    store.create_run("r1", "k1", fields)
    metric = MetricValue(0.5, 0.4, 0.6, 10)
    metrics = {"test": {"b": metric, "a": metric}, "ood": {"b": metric, "a": metric}, "extra": {"a": metric}}
    store.finish_run("r1", metrics, 1.0, primary={"test": "b", "ood": "missing"})
    assert store.primary_metrics("r1") == {"test": "b"}  # "missing" was not computed: ood stores none
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT split, metric, is_primary FROM metrics ORDER BY split, metric").fetchall()
    assert rows == [("extra", "a", None), ("ood", "a", None), ("ood", "b", None), ("test", "a", False),
                    ("test", "b", True)]  # fmt: skip
    run = store.get_run("r1")
    assert run is not None and run.status == "complete"


def write_v3_store(path: Path) -> str:
    """A schema-3 file: the schema-2 one with its primary flags, and two runs whose samples cost money."""
    db = write_v2_store(path)
    with duckdb.connect(db) as con:
        con.execute("ALTER TABLE metrics ADD COLUMN is_primary BOOLEAN")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        con.execute("UPDATE samples SET cost_usd = 0.01")
        con.execute("""UPDATE samples SET meta = '{"cached":true}' WHERE run_id = 'sj-cand'""")
    return db


def test_a_writer_upgrades_a_version_3_file_to_attempts_and_paid_cost(tmp_path):
    db = write_v3_store(tmp_path / "v3.duckdb")
    before = list(Store(db, read_only=True).iter_samples("sj-cand"))  # read as it is, not upgraded
    assert file_state(db)[0] == "3" and {r["attempt"] for r in before} == {0}
    assert {r["cost_paid_usd"] for r in before} == {0.0}  # served from the cache: this run paid nothing
    Store(db)
    assert file_state(db) == ("4", True)
    with duckdb.connect(db, read_only=True) as con:
        key = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'samples' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()
        paid = dict(con.execute("SELECT run_id, sum(cost_paid_usd) FROM samples GROUP BY run_id").fetchall())
        n = con.execute("SELECT count(*), count(*) FILTER (WHERE attempt = 0) FROM samples").fetchone()
        runs_paid = dict(con.execute("SELECT run_id, cost_paid_usd FROM runs").fetchall())
    assert key is not None and list(key[0]) == ["run_id", "split", "example_id", "attempt"]
    assert n is not None and n[0] == n[1] == N_SAMPLES * sum(len(r[3]) for r in V2_RUNS.values())
    assert paid["sj-cand"] == 0.0 and paid["sj-base"] == pytest.approx(0.01 * N_SAMPLES * 2)
    assert runs_paid["sj-cand"] == 0.0 and runs_paid["sj-base"] == pytest.approx(0.01 * N_SAMPLES * 2)
    after = list(Store(db, read_only=True).iter_samples("sj-cand"))
    assert [(r["example_id"], r["output"], r["scores"]) for r in after] == [
        (r["example_id"], r["output"], r["scores"]) for r in before
    ]
