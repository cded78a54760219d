"""Harness Task plugins as a task source: select → render → generate → score → store, batched and resumable.

``run_eval`` is the one call for the CLI and notebooks: it asks the registry for the task's source (a
``PREFIX:NAME`` task, such as ``lm_eval:NAME``, goes to the source registered for PREFIX; a plain name is a
Task plugin, planned here) and hands the planned evaluation to :func:`harness.lifecycle.execute`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from harness import scale
from harness.errors import BadInput, HarnessError
from harness.lifecycle import Aggregate, Evaluation, Progress, RunSummary, TaskSource, execute, find_source, no_progress
from harness.metrics.selection import Attempt, attempt_from, k_curve_metrics
from harness.models.base import LoadOptions, ModelBackend
from harness.models.batch_api import batch_options
from harness.models.cache import default_cache_dir
from harness.models.wrapper import wrap
from harness.registry import default_label, get_task, resolve_model
from harness.store import Store
from harness.task import RenderOptions, Task
from harness.types import Example, MetricValue, Request, Response, RunConfig, SampleResult, Scored, content_hash

__all__ = [
    "PluginSource",
    "Progress",
    "RunSummary",
    "Sampling",
    "WorkUnit",
    "data_hash",
    "few_shot_examples",
    "generate_batch",
    "run_eval",
    "select_examples",
]

logger = logging.getLogger(__name__)

# The temperature of a run's attempts when --samples N > 1 sets none.
DEFAULT_SAMPLING_TEMPERATURE = 0.7

# How long finished samples may wait for more to share their write, and how often the wait looks.
WRITE_WAIT_S = 0.5
WRITE_POLL_S = 0.02
# A pause between two writes that follow each other at once, for other processes to take the file.
LOCK_GAP_S = 0.03


def run_eval(config: RunConfig, progress: Progress | None = None) -> RunSummary:
    """Evaluate ``config.model`` on ``config.task`` and store every sample; resumes an unfinished run.

    Raises HarnessError subclasses for bad input before any run is created.
    """
    source = find_source(config.task) or PluginSource()
    evaluation = source.plan(config)
    return execute(config, evaluation, config.label or default_label(config), progress or no_progress)


class PluginSource(TaskSource):
    """Tasks written against :class:`harness.task.Task` (built-in, entry points, ``--task-dir``)."""

    prefix: ClassVar[str] = ""

    def plan(self, config: RunConfig) -> Evaluation:
        """The task's selected examples and few-shot turns, and the model, checked against each other."""
        task = get_task(config.task, config.task_dir)
        selected = select_examples(task, config)
        shots = few_shot_examples(task, config.shots, config.seed)
        if config.workers:
            scale.connect(config)  # the cluster's errors before the model loads
        model = build_model(config, task, selected)
        try:
            if config.workers:
                scale.refuse_api_model(model, config.model)
            opts = RenderOptions(caps=model.caps, mode=config.mode, constrained=config.constrained, shots=shots)
            task.check_options(opts, [e for examples in selected.values() for e in examples])
            check_sampling(config, model)
        except BaseException:
            model.close()
            raise
        return PluginEvaluation(task, selected, opts, model, config)


@dataclass(frozen=True)
class Sampling:
    """How a run's attempts are decoded (``--samples``, ``--temperature``, ``--top-p``, ``--seed``)."""

    samples: int = 1
    temperature: float | None = None
    top_p: float | None = None
    seed: int = 0

    @classmethod
    def from_config(cls, config: RunConfig) -> Sampling:
        """The sampling a run's configuration asks for."""
        return cls(config.samples, config.temperature, config.top_p, config.seed)

    @property
    def active(self) -> bool:
        """Whether attempts are decoded differently from the task's own request (else requests stay as they are)."""
        return self.samples > 1 or self.temperature is not None or self.top_p is not None

    def request_for(self, request: Request, example_id: str, attempt: int) -> Request:
        """The request of one attempt: the run's temperature and top-p, and a seed of (seed, example id, attempt)."""
        if not self.active:
            return request
        temperature = self.temperature
        if temperature is None:
            temperature = DEFAULT_SAMPLING_TEMPERATURE if self.samples > 1 else request.temperature
        return dataclasses.replace(
            request,
            temperature=temperature,
            top_p=self.top_p,
            seed=attempt_seed(self.seed, example_id, attempt),
            attempt=attempt,
        )


def attempt_seed(seed: int, example_id: str, attempt: int) -> int:
    """A stable 31-bit seed for one attempt of one example (APIs take it as ``seed``; local models seed a
    generator with it), the same in every process and on every resume."""
    return int(content_hash([seed, example_id, attempt], length=8), 16) & 0x7FFFFFFF


def check_sampling(config: RunConfig, model: ModelBackend) -> None:
    """Refuse attempts the model cannot give (a replay file with fewer outputs per id); warn of identical ones."""
    limit = model.max_attempts
    if limit is not None and config.samples > limit:
        held = "one output per id" if limit == 1 else f"{limit} outputs per id"
        raise BadInput(
            f"--samples {config.samples}: the replay file holds {held}: give each id {config.samples} outputs "
            "(an 'outputs' list, or repeated ids with an 'attempt' field), or lower --samples"
        )
    if config.samples > 1 and config.temperature == 0:
        logger.warning(
            "warning: --samples %d with --temperature 0: every attempt decodes greedily, so the attempts are "
            "identical (drop --temperature for the default %.1f)",
            config.samples,
            DEFAULT_SAMPLING_TEMPERATURE,
        )


@dataclass(frozen=True)
class WorkUnit:
    """One sample to produce: an example and which of its attempts (``--samples N``: 0 .. N-1)."""

    example: Example
    attempt: int = 0


class PluginEvaluation(Evaluation):
    """A Task plugin's examples, rendered, generated in batches, scored and written as they finish."""

    # The Ray workers of a --workers run, kept after it for their start-up time and peak memory.
    workers: scale.WorkerPool | None = None

    def __init__(
        self,
        task: Task,
        selected: dict[str, list[Example]],
        opts: RenderOptions,
        model: ModelBackend,
        config: RunConfig,
    ) -> None:
        self.task_plugin = task
        self.task, self.task_version = task.name, task.version
        self.selected = selected
        self.data_hash = data_hash(selected)
        self.opts = opts
        self.model = model
        self.config = config
        self.seed = config.seed
        self.sampling = Sampling.from_config(config)

    def pending_units(self, split: str, done: set[tuple[str, str, int]]) -> list[WorkUnit]:
        """The split's samples not stored yet: each example's missing attempts, an example's attempts together."""
        return [
            WorkUnit(example, attempt)
            for example in self.selected[split]
            for attempt in range(self.config.samples)
            if (split, example.id, attempt) not in done
        ]

    def evaluate(self, store: Store, run_id: str, progress: Progress) -> None:
        """Every pending sample of every split, in the order the splits were asked for."""
        done = store.done_keys(run_id)
        pool = self._worker_pool(run_id) if self.config.workers else None
        try:
            for split in self.selected:
                pending = self.pending_units(split, done)
                total = len(self.selected[split]) * self.config.samples
                progress("start", split, total)
                progress("advance", split, total - len(pending))
                advance = functools.partial(progress, "advance", split)
                if pool is not None:
                    pool.evaluate(pending, store, run_id, advance)
                else:
                    asyncio.run(
                        _evaluate(
                            pending, self.task_plugin, self.model, self.opts, self.sampling, store, run_id, advance
                        )
                    )
                progress("end", split, 0)
        finally:
            if pool is not None:
                pool.close()

    def _worker_pool(self, run_id: str) -> scale.WorkerPool:
        """Ray workers for ``--workers N``, each rebuilding the model; the driver's copy is released first."""
        recipe = scale.WorkerRecipe(
            self.config, self.opts, self.sampling, self.model.batch_size, build_model, generate_batch, self.selected
        )
        self.model.close()
        self.workers = scale.WorkerPool(recipe, run_id)
        return self.workers

    def aggregate(self, store: Store, run_id: str) -> Aggregate:
        """The task's own aggregation of every stored attempt 0, and its headline metric per split; with
        ``--samples N > 1`` also each split's selector metrics at every k (``harness.metrics.selection``)."""
        metrics = aggregate_run(
            store, self.task_plugin, run_id, self.seed, order=list(self.selected), samples=self.config.samples
        )
        return Aggregate(metrics, {split: self.task_plugin.primary_metric_for(split) for split in metrics})


def select_examples(task: Task, config: RunConfig) -> dict[str, list[Example]]:
    """The examples to evaluate, per split: built-in or ``--data``, filtered by ``--split``, first N each."""
    if config.answers and not config.data:
        raise BadInput("--answers goes with --data: the answers of the questions in that file")
    if config.data:
        by_split: dict[str, list[Example]] = {}
        for example in task.load_data(config.data, answers=config.answers):
            by_split.setdefault(example.split, []).append(example)
        if not by_split:
            raise BadInput(f"--data {config.data}: the file holds no examples: add some, or leave out --data")
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
        if not examples:
            raise BadInput(f"task {task.name}: split '{split}' has no examples: choose others with --split")
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


def build_model(config: RunConfig, task: Task, selected: dict[str, list[Example]]) -> ModelBackend:
    """The backend for ``config.model`` inside the one wrapper (cache, retries, limits, timing, cost).

    ``oracle`` (a registered model) replays the task's own targets, read through ``references``.
    """

    def references() -> dict[str, str]:
        return {e.id: task.target_text(e) for examples in selected.values() for e in examples}

    opts = LoadOptions(
        batch_size=config.batch_size,
        constrained=config.constrained,
        seed=config.seed,
        mode=config.mode,
        threads=config.threads,
        task=task.name,
        references=references,
    )
    backend = resolve_model(config.model, config.model_args, opts)
    cache_dir = default_cache_dir(config.db) if config.cache else None
    # --batch: the journal of submitted batches lives next to the response cache, even with --no-cache.
    batch = batch_options(config.batch, config.batch_wait, default_cache_dir(config.db))
    return wrap(backend, concurrency=config.concurrency, cache_dir=cache_dir, batch=batch)


async def _evaluate(
    units: Sequence[WorkUnit],
    task: Task,
    model: ModelBackend,
    opts: RenderOptions,
    sampling: Sampling,
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
    pending = deque(units[i : i + model.batch_size] for i in range(0, len(units), model.batch_size))
    total = len(pending)
    done: asyncio.Queue[list[SampleResult] | Exception] = asyncio.Queue()

    async def worker() -> None:
        try:
            while pending:
                batch = pending.popleft()
                done.put_nowait(await generate_batch(batch, task, model, opts, sampling))
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
        await model.aclose()


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


async def generate_batch(
    batch: Sequence[WorkUnit], task: Task, model: ModelBackend, opts: RenderOptions, sampling: Sampling = Sampling()
) -> list[SampleResult]:
    """Render, generate and score one batch of samples; a failed batch is an error on each of its samples."""
    requests: list[Request] = [
        sampling.request_for(task.render(unit.example, opts), unit.example.id, unit.attempt) for unit in batch
    ]
    hashes = [request.hash for request in requests]  # once: the wrapper's cache keys and the stored hash
    started = time.perf_counter()
    try:
        responses = await model.generate(requests, keys=hashes)
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
    for unit, request_hash, response in zip(batch, hashes, responses, strict=True):
        if response.latency_ms is None:
            response = response.with_latency(elapsed_ms)
        scored = score_sample(task, unit.example, response, sampling.samples)
        results.append(SampleResult(unit.example, request_hash, response, scored, attempt=unit.attempt))
    return results


def score_sample(task: Task, example: Example, response: Response, samples: int) -> Scored:
    """The task's verdict on one response; in a run of several attempts per example (``samples`` > 1), with the
    canonical answer and verifier verdict the selectors read (:func:`with_selection_facts`)."""
    scored = task.score(example, response)
    return with_selection_facts(task, example, response, scored) if samples > 1 else scored


def with_selection_facts(task: Task, example: Example, response: Response, scored: Scored) -> Scored:
    """The sample's canonical answer and verifier verdict added to its details, both computed without the target."""
    blind = dataclasses.replace(example, target=None)
    facts = {"canonical": task.canonical_answer(blind, response), "verified": task.verify(blind, response)}
    return dataclasses.replace(scored, details={**scored.details, **facts})


def aggregate_run(
    store: Store, task: Task, run_id: str, seed: int = 0, order: Sequence[str] = (), samples: int = 1
) -> dict[str, dict[str, MetricValue]]:
    """Per-split metrics over every stored sample of a run (a resumed run included), splits in ``order``.

    The task's own metrics are over attempt 0 (what a single-attempt run measures); with ``samples`` > 1
    the selector metrics at every k follow them.
    """
    grouped = store.sample_results(run_id)
    splits = [s for s in order if s in grouped] + sorted(s for s in grouped if s not in order)
    metrics = {}
    for split in splits:
        metrics[split] = task.aggregate(split, [r for r in grouped[split] if r.attempt == 0], seed=seed)
        if samples > 1:
            attempts = attempts_by_example(grouped[split], task.primary_metric_for(split))
            metrics[split] |= k_curve_metrics(attempts, samples, seed=seed)
    return metrics


def attempts_by_example(results: Sequence[SampleResult], primary: str) -> dict[str, list[Attempt]]:
    """Each example's stored attempts as the selectors read them (attempts without a primary value left out)."""
    found: dict[str, list[Attempt]] = {}
    for r in results:
        tokens = (r.response.tokens_in, r.response.tokens_out)
        attempt = attempt_from(r.attempt, r.scored.scores, r.scored.details, primary, tokens, r.response.cost_usd)
        if attempt is not None:
            found.setdefault(r.example.id, []).append(attempt)
    return found
