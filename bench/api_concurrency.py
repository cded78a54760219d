"""API runs against the fake server: wall time vs the ideal ``n / concurrency × latency``, in one run.

    .venv/bin/python bench/api_concurrency.py [--n 1000] [--concurrency 64] [--latency-ms 50]
        [--limit-n 1000] [--limit-latency-ms 500] [--limit-concurrency 32] [--limit-rps 40] [--only limit]

The fake server runs in its own process (so its CPU does not share this process's GIL). Two
scenarios: clean, and 10% of requests answered 429 (Retry-After = the latency). For each, three
walls: ``ideal``; ``harness`` (``run_eval`` on the echo fixture task through ``openai:``: render,
the middleware with its cache in a fresh folder, the SDK, scoring, DuckDB writes, aggregation);
and ``floor``, a bare asyncio loop over the same SDK client with a semaphore and no harness (on
429 it sleeps Retry-After and tries again). ``floor/ideal`` is what the SDK and this machine's
CPU allow; ``harness/floor`` is the harness's own overhead.

A third scenario meets a rate limit: the fake server's token bucket allows ``--limit-rps`` requests a second
(429 with ``retry-after-ms`` over it) while the concurrency would send more (``concurrency / latency``). Its
reference is the limit's ceiling ``n / rps``: ``harness/ceiling`` (the wrapper retries after retry-after-ms;
the SDK does not retry) and ``floor/ceiling`` (the bare SDK at the same concurrency, retrying 429s itself,
as its own backoff honours retry-after-ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK_DIR = ROOT / "tests" / "fixtures" / "tasks"
KEY = "sk-bench-not-a-key"


SERVE = """
import json, sys
from harness.fake_server import FakeServer, Faults, Script, main_loop
script = Script.oracle("echo", task_dir=sys.argv[1], fallback="warm")
server = FakeServer(script, Faults(**json.loads(sys.argv[2])), port=0)
main_loop(server, lambda s: print(f"base_url={s.openai_url}", file=sys.stderr, flush=True))
"""


def start_limited_server(latency_ms: float, rps: float) -> tuple[subprocess.Popen[str], str]:
    """The fake server with a token bucket of ``rps`` requests a second, in its own process."""
    faults = json.dumps({"latency_ms": latency_ms, "rate_limit_rps": rps})
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(TASK_DIR), faults],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    match = re.search(r"base_url=(http://\S+/v1)", proc.stderr.readline())
    if not match:
        proc.kill()
        raise SystemExit("the fake server did not start")
    return proc, match.group(1)


def start_server(latency_ms: float, rate_429: float) -> tuple[subprocess.Popen[str], str]:
    """``harness fake-server`` on a free port, answering the echo task's targets; returns (process, openai URL)."""
    # --text answers the floor loop's warm-up prompts, which are no echo example.
    args = ["fake-server", "--port", "0", "--task", "echo", "--task-dir", str(TASK_DIR), "--text", "warm"]
    args += ["--latency-ms", str(latency_ms), "--rate-429", str(rate_429), "--retry-after", str(latency_ms / 1000)]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert proc.stderr is not None
    match = re.search(r"base_url=(http://\S+/v1)", proc.stderr.readline())
    if not match:
        proc.kill()
        raise SystemExit("the fake server did not start")
    return proc, match.group(1)


def prompts(n: int) -> list[str]:
    """The user prompts the harness sends for the first n echo examples."""
    from harness.registry import get_task
    from harness.task import RenderOptions

    task = get_task("echo", str(TASK_DIR))
    return [task.render(e, RenderOptions()).messages[-1].content for e in list(task.load("test"))[:n]]


async def floor_loop(
    url: str, texts: list[str], concurrency: int, sdk_retries: int = 0, settle_s: float = 0.0
) -> float:
    """The bare SDK under a semaphore: wall seconds for every text, retrying 429s after Retry-After.

    Args:
        sdk_retries: let the SDK retry 429s itself (it honours retry-after-ms) instead of this loop.
        settle_s: pause between the warm-up and the measurement (a rate limit's bucket fills up again).
    """
    import openai

    client = openai.AsyncOpenAI(api_key=KEY, base_url=url, max_retries=sdk_retries)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(text: str) -> str:
        async with semaphore:
            while True:
                try:
                    completion = await client.chat.completions.create(
                        model="fake-model",
                        messages=[{"role": "user", "content": text}],
                        max_tokens=256,
                        temperature=0.0,
                    )
                    return completion.choices[0].message.content or ""
                except openai.RateLimitError as exc:
                    await asyncio.sleep(float(exc.response.headers.get("retry-after", "0.05")))

    await asyncio.gather(*(one(f"warm-up {i}") for i in range(concurrency)))
    await asyncio.sleep(settle_s)
    started = time.perf_counter()
    await asyncio.gather(*(one(t) for t in texts))
    wall = time.perf_counter() - started
    await client.close()
    return wall


def harness_run(url: str, n: int, concurrency: int, workdir: Path, **args: str) -> tuple[float, int, int]:
    """``run_eval`` through ``openai:``; returns (wall seconds, samples, errors).

    Args:
        args: more ``--model-arg`` options.
    """
    from harness.runner import run_eval
    from harness.types import RunConfig

    os.environ["ECHO_N"] = str(n)
    os.environ["HARNESS_CACHE_DIR"] = str(workdir / "cache")
    config = RunConfig(
        task="echo",
        task_dir=str(TASK_DIR),
        splits=("test",),
        model="openai:fake-model",
        model_args={"base_url": url, **args},
        concurrency=concurrency,
        db=str(workdir / "bench.duckdb"),
        fresh=True,
    )
    started = time.perf_counter()
    summary = run_eval(config)
    return time.perf_counter() - started, summary.n_samples, summary.n_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--limit-n", type=int, default=1000)
    parser.add_argument("--limit-latency-ms", type=float, default=500.0)
    parser.add_argument("--limit-concurrency", type=int, default=32)
    parser.add_argument("--limit-rps", type=float, default=40.0)
    parser.add_argument("--only", choices=("limit",), help="Run only the rate-limit scenario.")
    opts = parser.parse_args()
    os.environ["OPENAI_API_KEY"] = KEY
    if opts.only != "limit":
        concurrency_scenarios(opts)
    rate_limit_scenario(opts)


def concurrency_scenarios(opts: argparse.Namespace) -> None:
    """Clean and 10% 429: floor and harness against the ideal ``n / concurrency × latency``."""
    ideal = opts.n / opts.concurrency * opts.latency_ms / 1000
    setup = f"n={opts.n} concurrency={opts.concurrency} latency={opts.latency_ms:g} ms"
    print(f"{setup}  ideal={ideal:.3f}s  cpus={os.cpu_count()}")
    columns = ("floor s", "harness s", "floor/ideal", "harness/ideal", "harness/floor")
    print(f"{'scenario':<10} " + " ".join(f"{c:>{max(8, len(c))}}" for c in columns))
    for name, rate in (("clean", 0.0), ("429 10%", 0.1)):
        proc, url = start_server(opts.latency_ms, rate)
        try:
            os.environ["ECHO_N"] = str(opts.n)
            texts = prompts(opts.n)
            cpu = time.process_time()
            floor = asyncio.run(floor_loop(url, texts, opts.concurrency))
            floor_cpu_ms = (time.process_time() - cpu) / (opts.n + opts.concurrency) * 1000
            with tempfile.TemporaryDirectory() as tmp:
                cpu = time.process_time()
                wall, samples, errors = harness_run(url, opts.n, opts.concurrency, Path(tmp))
                harness_cpu_ms = (time.process_time() - cpu) / opts.n * 1000
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        print(
            f"{name:<10} {floor:>8.3f} {wall:>9.3f} {floor / ideal:>11.2f} {wall / ideal:>13.2f} {wall / floor:>13.2f}"
            f"   (client CPU/request: floor {floor_cpu_ms:.1f} ms, harness {harness_cpu_ms:.1f} ms;"
            f" {samples} samples, {errors} errors)"
        )


def rate_limit_scenario(opts: argparse.Namespace) -> None:
    """A token bucket below what the concurrency would send: floor and harness against the ceiling ``n / rps``."""
    n, rps, concurrency = opts.limit_n, opts.limit_rps, opts.limit_concurrency
    ceiling = n / rps
    offered = concurrency / (opts.limit_latency_ms / 1000)
    print(
        f"rate limit: n={n} concurrency={concurrency} latency={opts.limit_latency_ms:g} ms "
        f"(would send {offered:g}/s) limit={rps:g}/s  ceiling={ceiling:.3f}s"
    )
    print(f"{'floor s':>8} {'harness s':>9} {'floor/ceiling':>13} {'harness/ceiling':>15}")
    os.environ["ECHO_N"] = str(n)
    texts = prompts(n)
    proc, url = start_limited_server(opts.limit_latency_ms, rps)
    try:
        # Each measurement starts with a full bucket: a fresh server, and the floor's warm-up given time to refill.
        floor = asyncio.run(floor_loop(url, texts, concurrency, sdk_retries=1000, settle_s=concurrency / rps + 0.5))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc, url = start_limited_server(opts.limit_latency_ms, rps)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wall, samples, errors = harness_run(url, n, concurrency, Path(tmp))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"{floor:>8.3f} {wall:>9.3f} {floor / ceiling:>13.2f} {wall / ceiling:>15.2f}"
        f"   (harness: {samples} samples, {errors} errors; default --model-arg max_retries)"
    )


if __name__ == "__main__":
    main()
