"""Scale-out on Ray (issue 18): one local Ray instance for the file, tiny random models, real worker processes.

Workers store exactly what a local run stores; a worker killed with SIGKILL mid-run loses nothing; a driver
killed with SIGKILL resumes from the store; bad options are one line, exit 2 and no run row.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from harness.errors import BadInput
from harness.runner import run_eval
from harness.store import Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR, harness_cli
from tests.tiny_models import make_tiny_causal

ray = pytest.importorskip("ray")

LIMIT = 12


@pytest.fixture(scope="session")
def ray_cluster():
    """One small local Ray instance shared by every test here; its GCS address for subprocess drivers."""
    import torch

    torch.set_num_threads(1)
    small = {"object_store_memory": 80 * 1024**2, "logging_level": "ERROR", "log_to_driver": False}
    ray.init(num_cpus=2, include_dashboard=False, **small)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(make_tiny_causal(tmp_path_factory.mktemp("models") / "tiny-causal"))


def config(db: str, model: str, **kw) -> RunConfig:
    fields = dict(task="echo", task_dir=str(TASK_DIR), splits=("test",), limit=LIMIT, batch_size=2, threads=1)
    return RunConfig(model=model, db=db, **(fields | kw))


def stored(db: str) -> tuple[list[tuple], list[tuple]]:
    """Every sample (id, attempt, request hash, output, scores, error) and metric of the file's one run."""
    with duckdb.connect(db, read_only=True) as con:
        samples = con.execute(
            "SELECT split, example_id, attempt, request_hash, output, scores, error FROM samples ORDER BY ALL"
        ).fetchall()
        metrics = con.execute("SELECT split, metric, value, ci_low, ci_high, n FROM metrics ORDER BY ALL").fetchall()
    return samples, metrics


@pytest.fixture(scope="module")
def local_run(tiny, tmp_path_factory) -> tuple[list[tuple], list[tuple]]:
    """The reference: the same run in this process, without workers."""
    db = str(tmp_path_factory.mktemp("local") / "local.duckdb")
    summary = run_eval(config(db, tiny))
    assert summary.n_samples == LIMIT and summary.status == "complete"
    return stored(db)


def test_two_workers_store_exactly_the_samples_and_metrics_of_a_local_run(ray_cluster, tiny, local_run, db):
    advanced: list[int] = []

    def progress(event: str, split: str, count: int) -> None:
        if event == "advance":
            advanced.append(count)

    summary = run_eval(config(db, tiny, workers=2), progress=progress)
    samples, metrics = stored(db)
    assert summary.n_samples == LIMIT and (samples, metrics) == local_run
    assert len({s[4] for s in samples}) > 1  # real, differing greedy outputs, not one repeated string
    assert sum(advanced) == LIMIT and len([n for n in advanced if n]) > 1  # progress as batches arrive
    (run,) = Store(db).list_runs()
    assert run.status == "complete"


def test_a_worker_killed_mid_run_loses_no_sample_and_writes_none_twice(ray_cluster, tiny, local_run, db):
    killed: list[int] = []

    def kill_one_worker(event: str, split: str, count: int) -> None:
        if event == "advance" and count and not killed:
            (run,) = Store(db).list_runs()
            worker = ray.get_actor(f"harness-{run.run_id}-0", namespace="harness")
            pid = ray.get(worker.pid.remote())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    summary = run_eval(config(db, tiny, workers=2), progress=kill_one_worker)
    assert killed and not _alive(killed[0])
    samples, metrics = stored(db)
    assert summary.status == "complete" and summary.n_samples == LIMIT
    assert (samples, metrics) == local_run  # every sample once (the key would refuse a second), same outputs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_oracle_on_workers_reads_the_targets_of_examples_from_a_data_file(ray_cluster, db, tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "text": f"word{i}", "split": "test"}) + "\n" for i in range(5)))
    summary = run_eval(config(db, "oracle", workers=2, data=str(data), splits=(), limit=None))
    assert summary.n_samples == 5 and summary.metrics["test"]["exact_match"].value == 1.0


def test_a_driver_killed_with_sigkill_resumes_from_the_store(ray_cluster, tiny, db):
    n = 24
    args = ["run", "--task-dir", str(TASK_DIR), "--task", "echo", "--model", tiny, "--db", db, "--split", "test"]
    args += ["--limit", str(n), "--batch-size", "1", "--threads", "1", "--workers", "2", "--ray-address", ray_cluster]
    driver = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and _count(db) < 2 and driver.poll() is None:
        time.sleep(0.1)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert 2 <= _count(db) < n, "the driver finished before it could be killed mid-run"
    again = harness_cli(*args)
    assert again.returncode == 0, again.stderr[-2000:]
    with duckdb.connect(db, read_only=True) as con:
        runs = con.execute("SELECT status, n_samples FROM runs").fetchall()
        dupes = con.execute("SELECT count(*) - count(DISTINCT example_id) FROM samples").fetchone()[0]
    assert runs == [("complete", n)] and dupes == 0


def _count(db: str) -> int:
    try:
        with duckdb.connect(db, read_only=True) as con:
            return con.execute("SELECT count(*) FROM samples").fetchone()[0]
    except (duckdb.IOException, duckdb.CatalogException):
        return 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_run_row(db: str) -> bool:
    return not Path(db).exists() or Store(db).list_runs() == []


def _bad_cli(db: str, *extra: str, preamble: str = "") -> str:
    """A `harness run` with bad scale-out options: exit 2, one line on stderr, no run row; returns that line."""
    args = ["run", "--task-dir", str(TASK_DIR), "--task", "echo", "--model", "oracle", "--db", db, *extra]
    proc = subprocess.run(
        [sys.executable, "-c", f"{preamble}from harness.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "RAY_ADDRESS": ""},
        timeout=300,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert _no_run_row(db)
    return lines[0]


def test_bad_scale_out_options_are_one_line_exit_2_and_leave_no_run(db):
    port = _closed_port()
    assert f"--ray-address 127.0.0.1:{port}: no Ray cluster answers there" in _bad_cli(
        db, "--workers", "2", "--ray-address", f"127.0.0.1:{port}"
    )
    assert "expected HOST:PORT" in _bad_cli(db, "--workers", "2", "--ray-address", "headnode")
    assert "pip install 'harness[ray]'" in _bad_cli(
        db, "--workers", "2", preamble="import sys; sys.modules['ray'] = None; "
    )
    zero = harness_cli(
        "run", "--task-dir", str(TASK_DIR), "--task", "echo", "--model", "oracle", "--db", db, "--workers", "0"
    )
    assert (
        zero.returncode == 2
        and "Invalid value for '--workers': Input should be greater than or equal to 1" in zero.stderr
    )
    assert _no_run_row(db)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workers": 1, "gpus_per_worker": 1.0}, "--gpus-per-worker 1: no node of the Ray cluster has that many GPUs"),
        ({"workers": 3}, "--workers 3: they need 3 CPUs (--threads 1 each) and the Ray cluster has 2"),
        (
            {"workers": 2, "model": "openai:served", "model_args": {"base_url": "http://127.0.0.1:9/v1"}},
            "is an API model: it scales by requests in flight, not processes: use --concurrency N",
        ),
    ],
)
def test_what_the_cluster_cannot_place_is_refused_before_the_run_opens(ray_cluster, db, options, message):
    model = options.pop("model", "oracle")
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_eval(config(db, model, **options))
    assert _no_run_row(db)
