"""Scale-out on Ray: samples per second for 1 and 2 Ray workers (one torch thread each) against one process with
two threads, same model and examples, in one run.

    .venv/bin/python bench/scale_out.py [--model tiny|smollm2-135m|PATH] [--task echo] [--limit 40]
        [--batch-size 4] [--max-tokens 32]

Four figures, each measured here and now: the reference (``harness run`` without workers, ``--threads 2``); Ray's
start-up (``ray.init`` of a local instance, paid once per process); each worker run's wall, its workers' start-up
(process, imports, model load) inside it and the steady rate without it; each worker's peak resident memory (and
the driver's, which loads the model once in ``plan`` to fingerprint it before releasing it). Every run has its own
store and no response cache, so each computes every sample. On a machine with fewer free cores than workers the
workers share them: the ratio then measures Ray's overhead, not scaling (the design target, near-linear, needs a
core or a device per worker).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.types import RunConfig

ROOT = Path(__file__).resolve().parent.parent
TASK_DIR = ROOT / "tests" / "fixtures" / "tasks"


def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def one_run(base: RunConfig, name: str, **changes: object) -> tuple[float, float, int, object]:
    """(planning seconds, evaluation seconds, samples, the evaluation) of one fresh run in its own store.

    Planning loads the model in this process (and, the first time, torch): timed apart, so the evaluation
    times compare the same work.
    """
    from harness.lifecycle import execute
    from harness.runner import PluginSource

    config = base.model_copy(update={"db": str(Path(base.db).with_name(f"{name}.duckdb")), **changes})
    started = time.perf_counter()
    evaluation = PluginSource().plan(config)
    planned = time.perf_counter()
    summary = execute(config, evaluation, name)
    done = time.perf_counter()
    assert summary.n_samples and not summary.n_errors, summary
    return planned - started, done - planned, summary.n_samples, evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny", help="tiny (a random 2-layer Llama built here), a built-in, a path")
    parser.add_argument("--task", default="echo")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()

    from harness.scale import connect
    from harness.types import RunConfig

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    model = args.model
    if model == "tiny":
        sys.path.insert(0, str(ROOT))
        from tests.tiny_models import make_tiny_causal

        model = str(make_tiny_causal(tmp / "tiny"))
    base = RunConfig(
        task=args.task,
        task_dir=str(TASK_DIR),
        model=model,
        model_args={"max_tokens": str(args.max_tokens)},
        db=str(tmp / "x.duckdb"),
        splits=("test",),
        limit=args.limit,
        batch_size=args.batch_size,
        cache=False,
        fresh=True,
    )
    print(f"model {args.model}, task {args.task}, {args.limit} examples, batch {args.batch_size}, "
          f"max {args.max_tokens} tokens, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    one_run(base, "warm-up", threads=2, limit=2)  # imports torch and transformers once, before any timing
    plan_s, ref_s, n, _ = one_run(base, "local-2-threads", threads=2)
    ref_rate = n / ref_s
    ref_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"one process, 2 threads: {ref_s:.1f} s, {ref_rate:.2f} samples/s "
        f"(planning {plan_s:.1f} s; peak RSS {mib(ref_rss)})"
    )

    started = time.perf_counter()
    connect(base.model_copy(update={"workers": 2, "threads": 1}))
    print(f"Ray start-up (local instance, once per process): {time.perf_counter() - started:.1f} s")

    for workers in (1, 2):
        plan_s, run_s, n, evaluation = one_run(base, f"ray-{workers}", threads=1, workers=workers)
        pool = evaluation.workers  # type: ignore[attr-defined]
        steady = run_s - (pool.startup_s or 0.0)
        rss = ", ".join(mib(r) for r in pool.peak_rss) or "unknown"
        print(
            f"{workers} worker(s), 1 thread each: {run_s:.1f} s, {n / run_s:.2f} samples/s "
            f"({n / run_s / ref_rate:.2f}x the reference); of it the workers' start-up {pool.startup_s:.1f} s; "
            f"after it {n / steady:.2f} samples/s ({n / steady / ref_rate:.2f}x); worker peak RSS {rss}"
        )
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"driver peak RSS over the whole bench: {mib(driver)}")


if __name__ == "__main__":
    main()
