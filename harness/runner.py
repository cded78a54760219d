"""``run_eval``: load → render → generate → score → store, resumable, one call for CLI and notebooks."""

from __future__ import annotations

import asyncio
import functools
import random
import subprocess
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import BadInput, HarnessError
from harness.lmeval.run import is_lm_eval, run_lm_eval
from harness.models.base import ModelBackend
from harness.models.middleware import Middleware, default_cache_dir, wrap
from harness.models.replay import ReplayBackend
from harness.models.resolve import LoadOptions, default_label, resolve_model
from harness.registry import get_task
from harness.store import Store
from harness.tasks.base import MetricValue, RenderOptions, Task
from harness.types import Example, Request, Response, RunConfig, SampleResult, content_hash

# A callback the CLI uses for progress bars: (event, split, count) with event in start/advance/end.
Progress = Callable[[str, str, int], None]

ORACLE_SPEC = "oracle"
# How long finished samples may wait for more to share their write, and how often the wait looks.
WRITE_WAIT_S = 0.5
WRITE_POLL_S = 0.02
# A pause between two writes that follow each other at once, for other processes to take the file.
LOCK_GAP_S = 0.03


@dataclass
class RunSummary:
    """What a finished (or resumed and finished) run reports."""

    run_id: str
    task: str
    task_version: str
    model: str
    label: str
    status: str
    n_samples: int
    n_errors: int
    wall_s: float
    metrics: dict[str, dict[str, MetricValue]]
    primary: dict[str, str] = field(default_factory=dict)
    reused: int = 0
    resumed_from: str | None = None
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``--output-json`` document."""
        return {
            "run_id": self.run_id,
            "task": self.task,
            "task_version": self.task_version,
            "model": self.model,
            "label": self.label,
            "status": self.status,
            "n_samples": self.n_samples,
            "n_errors": self.n_errors,
            "wall_s": round(self.wall_s, 3),
            "metrics": {
                split: {name: m.to_dict() for name, m in by_name.items()} for split, by_name in self.metrics.items()
            },
        }


def select_examples(task: Task, config: RunConfig) -> dict[str, list[Example]]:
    """The examples to evaluate, per split: built-in or ``--data``, filtered by ``--split``, first N each."""
    if config.answers and not config.data:
        raise BadInput("--answers goes with --data: the answers of the questions in that file")
    if config.data:
        by_split: dict[str, list[Example]] = {}
        for example in task.load_data(config.data, answers=config.answers):
            by_split.setdefault(example.split, []).append(example)
        available = list(by_split)
    else:
        available = list(task.splits)
        by_split = {}
    wanted = list(config.splits) if config.splits else [s for s in available if s != "train"] or available
    for split in wanted:
        if split not in available:
            source = config.data or f"task {task.name}"
            raise BadInput(f"--split {split}: {source} has no split '{split}': choose from {', '.join(available)}")
    selected = {}
    for split in wanted:
        examples = by_split[split] if config.data else list(task.load(split))
        _check_unique_ids(examples, split)
        selected[split] = examples[: config.limit] if config.limit else examples
    return selected


def _check_unique_ids(examples: Sequence[Example], split: str) -> None:
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise BadInput(f"split {split}: duplicate example id '{example.id}': ids must be unique within a split")
        seen.add(example.id)


def data_hash(selected: dict[str, list[Example]]) -> str:
    """A hash of exactly the examples a run evaluates."""
    return content_hash(
        {split: [(e.id, e.inputs, e.target, e.tags) for e in examples] for split, examples in selected.items()}
    )


def few_shot_examples(task: Task, k: int, seed: int) -> tuple[Example, ...]:
    """K train examples drawn deterministically (seeded)."""
    if k == 0:
        return ()
    if "train" not in task.splits:
        raise BadInput(f"--shots {k}: task {task.name} has no train split to draw examples from")
    pool = list(task.load("train"))
    if k > len(pool):
        raise BadInput(f"--shots {k}: the train split has only {len(pool)} examples")
    return tuple(random.Random(seed).sample(pool, k))


def build_model(config: RunConfig, task: Task, selected: dict[str, list[Example]]) -> Middleware:
    """The backend for ``config.model`` inside the one wrapper (cache, retries, limits, timing, cost).

    ``oracle`` replays the task's own targets (scores 1.0).
    """
    backend: ModelBackend
    if config.model == ORACLE_SPEC:
        if config.model_args:
            raise BadInput("--model-arg: the oracle takes no options")
        outputs = {e.id: Response(text=task.target_text(e)) for examples in selected.values() for e in examples}
        backend = ReplayBackend(outputs, name=f"oracle:{task.name}", batch_size=config.batch_size)
    else:
        opts = LoadOptions(
            batch_size=config.batch_size, constrained=config.constrained, seed=config.seed, mode=config.mode
        )
        backend = resolve_model(config.model, config.model_args, opts)
    cache_dir = default_cache_dir(config.db) if config.cache else None
    return wrap(backend, concurrency=config.concurrency, cache_dir=cache_dir)


def _git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_eval(config: RunConfig, progress: Progress | None = None) -> RunSummary:
    """Evaluate ``config.model`` on ``config.task`` and store every sample; resumes an unfinished run.

    Raises HarnessError subclasses for bad input before any run is created. ``lm_eval:NAME`` tasks go to
    lm-eval's own evaluator (harness/lmeval/run.py).
    """
    if is_lm_eval(config.task):
        return run_lm_eval(config, progress or (lambda *_: None))
    task = get_task(config.task, config.task_dir)
    selected = select_examples(task, config)
    shots = few_shot_examples(task, config.shots, config.seed)
    model = build_model(config, task, selected)
    try:
        return _run_with_model(config, task, selected, shots, model, progress or (lambda *_: None))
    finally:
        model.close()


def _run_with_model(
    config: RunConfig,
    task: Task,
    selected: dict[str, list[Example]],
    shots: tuple[Example, ...],
    model: ModelBackend,
    progress: Progress,
) -> RunSummary:
    opts = RenderOptions(caps=model.caps, mode=config.mode, constrained=config.constrained, shots=shots)
    task.check_options(opts, [e for examples in selected.values() for e in examples])
    store = Store(config.db)
    dhash = data_hash(selected)
    fingerprint = model.fingerprint
    key = config.resume_key(task.version, dhash, fingerprint)
    label = config.label or default_label(config.model)
    found = None if config.fresh else store.find_resumable(key)
    run_id = open_run(store, config, task.name, task.version, model, label, dhash, key, found)
    resumed_from = found[0] if found else None
    if found is None:
        reused = 0
    elif found[1] == "complete":  # a new run that keeps the good samples of a finished one
        reused = store.copy_good_samples(found[0], run_id)
    else:
        reused = len(store.done_ids(run_id))

    started = time.perf_counter()
    done = store.done_ids(run_id)
    try:
        for split, examples in selected.items():
            pending = [e for e in examples if (split, e.id) not in done]
            progress("start", split, len(examples))
            progress("advance", split, len(examples) - len(pending))
            advance = functools.partial(progress, "advance", split)
            asyncio.run(_evaluate(pending, task, model, opts, store, run_id, advance))
            progress("end", split, 0)
    except BaseException:
        store.add_wall_time(run_id, time.perf_counter() - started)
        raise
    metrics = aggregate_run(store, task, run_id, config.seed, order=list(selected))
    return complete_run(
        store,
        run_id,
        config,
        (task.name, task.version, label),
        metrics,
        {split: task.primary_metric_for(split) for split in metrics},
        time.perf_counter() - started,
        reused=reused,
        resumed_from=resumed_from,
    )


def complete_run(
    store: Store,
    run_id: str,
    config: RunConfig,
    identity: tuple[str, str, str],
    metrics: dict[str, dict[str, MetricValue]],
    primary: dict[str, str],
    wall_s: float,
    reused: int = 0,
    resumed_from: str | None = None,
) -> RunSummary:
    """Store the metrics, mark the run complete and report it as stored; ``identity`` is (task, version, label)."""
    store.finish_run(run_id, metrics, wall_s)
    run = store.get_run(run_id)
    assert run is not None
    task, version, label = identity
    return RunSummary(
        run_id=run_id,
        task=task,
        task_version=version,
        model=config.model,
        label=label,
        status=run.status,
        n_samples=run.n_samples or 0,
        n_errors=run.n_errors or 0,
        wall_s=run.wall_s or 0.0,
        metrics=metrics,
        primary=primary,
        reused=reused,
        resumed_from=resumed_from,
        cost_usd=run.cost_usd,
        tokens_in=run.tokens_in,
        tokens_out=run.tokens_out,
    )


def open_run(
    store: Store,
    config: RunConfig,
    task: str,
    task_version: str,
    model: ModelBackend,
    label: str,
    dhash: str,
    key: str,
    found: tuple[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """The run to write into: the matching unfinished run (``found``, continued in place), else a new one.

    A new run that follows a complete one (``found`` complete: some samples failed) names it in
    ``resumed_from``; the caller copies its good samples.
    """
    if found is not None and found[1] != "complete":
        return found[0]
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    store.create_run(
        run_id,
        key,
        {
            "task": task,
            "task_version": task_version,
            "data_hash": dhash,
            "label": label,
            "model_spec": model.fingerprint.get("spec", config.model),
            "model_fingerprint": model.fingerprint,
            "model_kind": model.model_kind,
            "model_params": model.params,
            "config": _stored_config(config),
            "harness_version": __version__,
            "git_sha": _git_sha(),
            "resumed_from": found[0] if found else None,
            "extra": {**(_run_extra(model) or {}), **(extra or {})} or None,
        },
    )
    return run_id


def _run_extra(model: ModelBackend) -> dict[str, Any] | None:
    """What the run row keeps beyond its columns: a fine-tuned checkpoint's training card, so the store
    still has it when the directory moves or is deleted."""
    card = model.training_card
    return {"training_card": card} if card is not None else None


def _stored_config(config: RunConfig) -> dict[str, Any]:
    """The run's configuration as stored: no secrets, and file options relative to the working directory
    (an absolute path outside it names a machine: only its last part is kept)."""
    stored = config.model_dump(exclude={"db", "model_args"}) | {"model_args": _safe_args(config.model_args)}
    for name in ("data", "answers", "task_dir"):
        if stored.get(name) and Path(stored[name]).is_absolute():
            path = Path(stored[name])
            stored[name] = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else path.name
    return stored


def _safe_args(args: dict[str, str]) -> dict[str, str]:
    """Model args as stored: anything that looks like a secret is dropped."""
    secret = ("key", "token", "secret", "password")
    return {k: v for k, v in args.items() if not any(s in k.lower() for s in secret)}


async def _evaluate(
    examples: Sequence[Example],
    task: Task,
    model: ModelBackend,
    opts: RenderOptions,
    store: Store,
    run_id: str,
    advance: Callable[[int], None],
) -> None:
    """Generate for every pending example, scoring and storing batches as they complete.

    One write (one transaction) takes up to ``model.concurrency`` finished batches: it starts when
    that many are ready, or ``WRITE_WAIT_S`` after the first of them, or when nothing else is left.
    A transaction has a fixed cost (~15 ms of CPU), so many small API calls must not mean as many
    transactions; a kill still loses at most one write's worth of samples.
    """
    pending = deque(examples[i : i + model.batch_size] for i in range(0, len(examples), model.batch_size))
    total = len(pending)
    done: asyncio.Queue[list[SampleResult] | Exception] = asyncio.Queue()

    async def worker() -> None:
        try:
            while pending:
                batch = pending.popleft()
                done.put_nowait(await _generate_batch(batch, task, model, opts))
        except Exception as exc:  # a run-ending error (HarnessError) must reach the caller, not hang it
            done.put_nowait(exc)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(model.concurrency, total)))]
    try:
        received = 0
        while received < total:
            ready = await _next_write(done, min(model.concurrency, total - received))
            received += len(ready)
            results = [r for item in ready if not isinstance(item, Exception) for r in item]
            if results:
                # In a worker thread, so the loop keeps the model busy meanwhile.
                await asyncio.to_thread(store.write_samples, run_id, results)
                advance(len(results))
                if not done.empty():
                    # Back-to-back writes would hold the file's lock almost without a break.
                    await asyncio.sleep(LOCK_GAP_S)
            failure = next((item for item in ready if isinstance(item, Exception)), None)
            if failure is not None:
                raise failure
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        aclose = getattr(model, "aclose", None)
        if aclose is not None:
            await aclose()


async def _next_write(
    done: asyncio.Queue[list[SampleResult] | Exception], wanted: int
) -> list[list[SampleResult] | Exception]:
    """Finished batches for one write: ``wanted`` of them, or fewer once ``WRITE_WAIT_S`` has passed."""
    ready = [await done.get()]
    deadline = time.monotonic() + WRITE_WAIT_S
    while True:
        while len(ready) < wanted and not done.empty():
            ready.append(done.get_nowait())
        if len(ready) >= wanted or time.monotonic() >= deadline or any(isinstance(i, Exception) for i in ready):
            return ready
        await asyncio.sleep(WRITE_POLL_S)


async def _generate_batch(
    batch: Sequence[Example], task: Task, model: ModelBackend, opts: RenderOptions
) -> list[SampleResult]:
    requests: list[Request] = [task.render(example, opts) for example in batch]
    hashes = [request.hash for request in requests]  # once: the wrapper's cache keys and the stored hash
    started = time.perf_counter()
    try:
        if isinstance(model, Middleware):
            responses = await model.generate(requests, keys=hashes)
        else:
            responses = await model.generate(requests)
    except HarnessError:
        raise
    except Exception as exc:  # one failed batch is data for each of its samples, not a crash
        responses = [Response(error=f"{type(exc).__name__}: {exc}") for _ in requests]
    if len(responses) != len(requests):
        responses = [Response(error=f"backend returned {len(responses)} responses for {len(requests)} requests")] * len(
            requests
        )
    elapsed_ms = (time.perf_counter() - started) * 1000
    results = []
    for example, request_hash, response in zip(batch, hashes, responses, strict=True):
        if response.latency_ms is None:
            response = _with_latency(response, elapsed_ms)
        results.append(SampleResult(example, request_hash, response, task.score(example, response)))
    return results


def _with_latency(response: Response, latency_ms: float) -> Response:
    return replace(response, latency_ms=latency_ms)


def aggregate_run(
    store: Store, task: Task, run_id: str, seed: int = 0, order: Sequence[str] = ()
) -> dict[str, dict[str, MetricValue]]:
    """Per-split metrics over every stored sample of a run (a resumed run included), splits in ``order``."""
    grouped = store.sample_results(run_id)
    splits = [s for s in order if s in grouped] + sorted(s for s in grouped if s not in order)
    return {split: task.aggregate(split, grouped[split], seed=seed) for split in splits}
