"""A run's pending samples evaluated by Ray actors, one model backend each; the driver alone writes the store.

Built on ``ray.util.ActorPool``: batches go to whichever actor is free and come back as they finish, so the
driver writes them while the actors keep generating. An actor whose process dies (killed, out of memory) is
restarted by Ray and its unfinished batch re-run there (``max_restarts`` / ``max_task_retries``); a batch's
samples reach the store once, from the driver, when its result arrives.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from harness.errors import HarnessError
from harness.models.base import ModelBackend
from harness.registry import get_task
from harness.scale.cluster import import_ray, worker_cpus
from harness.store import Store
from harness.task import RenderOptions, Task
from harness.types import Example, RunConfig, SampleResult

# Restarts of a worker whose process died, and re-runs of the batch it held: enough for a node lost now and
# then; a model that kills every worker it loads (out of memory each time) ends the run instead.
MAX_RESTARTS = 3
# Actors are named harness-<run id>-<i> in this namespace (`ray list actors` shows whose they are).
NAMESPACE = "harness"

# (config, task, the run's examples by split): a worker passes a read-on-demand mapping where the driver had a dict.
BuildModel = Callable[[RunConfig, Task, Any], ModelBackend]
GenerateBatch = Callable[..., Awaitable[list[SampleResult]]]


class WorkerFailed(HarnessError):
    """A Ray worker died more often than it may be restarted (exit 3): the run stays resumable."""

    exit_code = 3


@dataclass(frozen=True)
class WorkerRecipe:
    """What a worker needs to rebuild the driver's model and evaluate like the driver would.

    ``build_model`` and ``generate_batch`` are the runner's own functions, passed in (the runner sits above
    this package): a worker calls exactly them, so its samples equal a local run's. ``selected`` is the run's
    examples (``--data`` included); a worker reads it only if its model asks for the targets (``oracle``).
    """

    config: RunConfig
    opts: RenderOptions
    sampling: Any
    batch_size: int
    build_model: BuildModel
    generate_batch: GenerateBatch
    selected: Mapping[str, list[Example]]
    cwd: str = ""


class _ExamplesInStore(Mapping[str, list[Example]]):
    """The run's examples, fetched from Ray's object store the first time anything reads them."""

    def __init__(self, ref: Any):
        self._ref = ref
        self._examples: Mapping[str, list[Example]] | None = None

    def _get(self) -> Mapping[str, list[Example]]:
        if self._examples is None:
            self._examples = import_ray().get(self._ref)
        return self._examples

    def __getitem__(self, split: str) -> list[Example]:
        return self._get()[split]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class ScaleWorker:
    """One Ray actor: the task and model rebuilt once from the run's configuration, then batch after batch."""

    def __init__(self, recipe: WorkerRecipe):
        if recipe.cwd and os.path.isdir(recipe.cwd):
            os.chdir(recipe.cwd)  # relative --model, --task-dir and --db paths mean what they meant to the driver
        self._recipe = recipe
        self._loop = asyncio.new_event_loop()
        self._task = get_task(recipe.config.task, recipe.config.task_dir)
        self._model = recipe.build_model(recipe.config, self._task, recipe.selected)

    def pid(self) -> int:
        """This worker's process id."""
        return os.getpid()

    def peak_rss(self) -> int:
        """This worker process's peak resident memory, in bytes (Linux reports KiB)."""
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def evaluate(self, batch: Sequence[Any]) -> list[SampleResult]:
        """Render, generate and score one batch of work units, as the runner does for a local run."""
        recipe = self._recipe
        return self._loop.run_until_complete(
            recipe.generate_batch(batch, self._task, self._model, recipe.opts, recipe.sampling)
        )


def _submit(actor: Any, batch: Sequence[Any]) -> Any:
    return actor.evaluate.remote(batch)


class WorkerPool:
    """``config.workers`` Ray actors for one run, started on first use; ``close`` ends them."""

    def __init__(self, recipe: WorkerRecipe, run_id: str):
        self._recipe = recipe
        self._run_id = run_id
        self._actors: list[Any] = []
        self._pool: Any = None
        # Seconds until every worker had built its model; each worker's peak memory, read at close.
        self.startup_s: float | None = None
        self.peak_rss: list[int] = []

    def evaluate(self, units: Sequence[Any], store: Store, run_id: str, advance: Callable[[int], None]) -> None:
        """Every unit's sample, computed by the workers and written here as their batches finish."""
        if not units:
            return
        pool = self._start()
        size = self._recipe.batch_size
        for i in range(0, len(units), size):
            pool.submit(_submit, list(units[i : i + size]))
        with ThreadPoolExecutor(1, thread_name_prefix="harness-writer") as writer:
            writing: Future[int] | None = None
            while pool.has_next():
                ready = _collect(pool)
                # One write in flight at a time, in a thread: the pool hands out batches meanwhile.
                if writing is not None:
                    advance(writing.result())
                writing = writer.submit(_write, store, run_id, ready)
            if writing is not None:
                advance(writing.result())

    def _start(self) -> Any:
        if self._pool is not None:
            return self._pool
        ray = import_ray()
        from ray.util import ActorPool

        started = time.perf_counter()
        examples = _ExamplesInStore(ray.put(dict(self._recipe.selected)))
        recipe = replace(self._recipe, selected=examples, cwd=os.getcwd())
        config = recipe.config
        placement = {
            "namespace": NAMESPACE,
            "num_cpus": worker_cpus(config),
            "num_gpus": config.gpus_per_worker or 0,
            "max_restarts": MAX_RESTARTS,
            "max_task_retries": MAX_RESTARTS,
        }
        assert config.workers is not None
        remote = ray.remote(ScaleWorker)
        names = [f"harness-{self._run_id}-{i}" for i in range(config.workers)]
        self._actors = [remote.options(name=name, **placement).remote(recipe) for name in names]
        _unwrap(lambda: ray.get([actor.pid.remote() for actor in self._actors]))  # a model that fails to load: now
        self.startup_s = time.perf_counter() - started
        self._pool = ActorPool(self._actors)
        return self._pool

    def close(self) -> None:
        """Read each worker's peak memory and end the workers (their models with them)."""
        if not self._actors:
            return
        ray = import_ray()
        try:
            self.peak_rss = ray.get([actor.peak_rss.remote() for actor in self._actors], timeout=10)
        except Exception:  # a worker that is gone has nothing to report
            self.peak_rss = []
        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._pool = [], None


def _collect(pool: Any) -> list[SampleResult]:
    """The next finished batch (waiting for it) and every other batch already finished."""
    results = list(_unwrap(pool.get_next_unordered))
    while pool.has_next():
        try:
            results.extend(_unwrap(lambda: pool.get_next_unordered(timeout=0)))
        except TimeoutError:
            break
    return results


def _write(store: Store, run_id: str, results: list[SampleResult]) -> int:
    store.write_samples(run_id, results)
    return len(results)


def _unwrap(get: Callable[[], Any]) -> Any:
    """A worker's result; its error as the driver would have raised it, a worker lost for good as WorkerFailed."""
    from ray.exceptions import RayActorError, RayTaskError

    try:
        return get()
    except RayTaskError as exc:  # the task raised: the same error a local run raises (a HarnessError keeps its line)
        raise (exc.cause or exc) from None
    except RayActorError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise WorkerFailed(
            f"a Ray worker died and could not be restarted ({reason}): re-run the same command to resume"
        ) from None
