"""``--batch``: API requests sent as provider batches (half price, results within 24 hours), resumable across processes.

OpenAI: a JSONL file of ``{custom_id, method, url, body}`` lines uploaded to ``/v1/files`` (purpose ``batch``), a
batch created on ``/v1/batches``, results read from its output and error files. Anthropic: ``/v1/messages/batches``
with ``{custom_id, params}`` requests, results streamed from the batch's ``results_url``. ``body``/``params`` are
exactly the synchronous path's payload and the answers go through the same parser, so tools, structured output
and prompt mode behave as without ``--batch``. The custom_id is the request's hash (the response cache key).

Every submitted batch is recorded, with the request hashes it carries, in a journal next to the response cache
(``batches.jsonl`` in the model's cache folder): a later process, after a crash, a kill -9 or ``--batch-wait``,
polls the batches already submitted instead of submitting again. The journal sits with the cache rather than in
the results store because both are keyed on (model fingerprint, request hash) and outlive any one run: a re-run
with ``--fresh`` or another label finds the same batches, and the backends (below the store) never open the DB.
Items that errored on the provider's side (5xx, rate limits) or expired are sent again in a new batch, at most
``max_retries`` times; an invalid request (4xx) is that sample's error. A batch that failed as a whole (OpenAI
``failed``/``cancelled``, an Anthropic batch cancelled) ends the run with one line naming it and its reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import BadInput, BatchFailed, BatchPending
from harness.models.anthropic_api import AnthropicBackend
from harness.models.api import ApiBackend
from harness.models.base import ModelBackend
from harness.models.batch_wire import AnthropicBatches, BatchState, OpenAIBatches, Protocol, Retry
from harness.models.openai_api import OpenAIBackend
from harness.types import ModelCaps, Request, Response, content_hash

__all__ = [
    "BatchBackend",
    "BatchFailed",
    "BatchJournal",
    "BatchOptions",
    "BatchPending",
    "batch_backend",
    "batch_options",
]

# Generate calls in flight, each one provider batch of ``--model-arg batch_requests`` (default 5,000) requests.
GROUPS_IN_FLIGHT = 64
FIRST_POLL_S = 0.5


@dataclass(frozen=True)
class BatchOptions:
    """How a run uses batches: where the journal lives, how long to wait, how to show progress."""

    journal_dir: Path
    wait_s: float | None = None
    # Called with one line whenever a batch's counts change (default: stderr).
    report: Callable[[str], None] | None = None


class BatchJournal:
    """``batches.jsonl``: one line per submitted batch (its id and request hashes), one per collected one."""

    def __init__(self, root: Path, fingerprint: dict[str, Any]):
        self.path = Path(root) / content_hash(fingerprint, 24) / "batches.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def open_batches(self) -> dict[str, str]:
        """Request hash → the batch it was last submitted in, for requests whose results were not collected."""
        latest: dict[str, str] = {}
        for entry in self._entries():
            if entry.get("event") == "submitted":
                latest.update(dict.fromkeys(entry["keys"], entry["batch"]))
            elif entry.get("event") == "collected":
                for key in entry["keys"]:
                    if latest.get(key) == entry["batch"]:
                        del latest[key]
        return latest

    def submitted(self, batch_id: str, keys: Sequence[str]) -> None:
        """Record a batch the moment the provider has it."""
        self._append({"event": "submitted", "batch": batch_id, "keys": list(keys), "at": time.time()})

    def collected(self, batch_id: str, keys: Sequence[str]) -> None:
        """Record that these keys' results were handed back (or that the batch failed): not polled again."""
        self._append({"event": "collected", "batch": batch_id, "keys": list(keys), "at": time.time()})

    def _entries(self) -> Iterator[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        for line in text.splitlines():
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write: its batch was never acknowledged

    def _append(self, entry: dict[str, Any]) -> None:
        # One write on an O_APPEND descriptor: lines from several processes never interleave.
        data = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class _Group:
    """One generate call's requests and the batches that carry them."""

    requests: dict[str, Request]
    batches: dict[str, set[str]] = field(default_factory=dict)
    answers: dict[str, Response] = field(default_factory=dict)


class BatchBackend(ModelBackend):
    """An API backend whose requests go out as provider batches; same fingerprint, same parsing, batch price."""

    kind = "api"
    batched = True
    concurrency = GROUPS_IN_FLIGHT

    def __init__(self, inner: ApiBackend, protocol: Protocol, options: BatchOptions):
        self.inner = inner
        self.protocol = protocol
        self.options = options
        # rpm/tpm pace synchronous calls; a provider queues batches on its own, so they do not apply here.
        self.policy = replace(inner.policy, rpm=None, tpm=None, timeout_s=None)
        self.journal = BatchJournal(options.journal_dir, inner.fingerprint)
        self.poll_s = inner.batch_poll
        # The runner's batch: one generate call is one provider batch (split further only at the byte limit).
        self.batch_size = min(inner.batch_requests, protocol.limits.requests)
        self._deadline: float | None = None
        self._shown: dict[str, str] = {}

    @property
    def caps(self) -> ModelCaps:  # type: ignore[override]
        """The API backend's capabilities."""
        return self.inner.caps

    @property
    def fingerprint(self) -> dict[str, Any]:
        """The API backend's: a batch answers as the synchronous API does (and shares its cache)."""
        return self.inner.fingerprint

    @property
    def model_kind(self) -> str:
        """API models are their own kind on the leaderboard."""
        return "api"

    async def aclose(self) -> None:
        """Close the SDK client of the running loop."""
        await self.inner.aclose()

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """Every request answered through batches (waiting for them), or BatchPending when ``wait_s`` runs out."""
        if self._deadline is None and self.options.wait_s is not None:
            self._deadline = time.monotonic() + self.options.wait_s
        keys = list(keys) if keys is not None else [r.hash for r in requests]
        group = _Group(dict(zip(keys, requests, strict=True)))
        await self._answer(group)
        for batch_id, carried in group.batches.items():
            self.journal.collected(batch_id, sorted(carried))
        return [replace(group.answers[k], meta={**group.answers[k].meta, "batched": True}) for k in keys]

    async def _answer(self, group: _Group) -> None:
        """Poll the batches already submitted for these keys, submit the rest; resubmit what to retry."""
        known = self.journal.open_batches()
        for key in group.requests:
            if key in known:
                group.batches.setdefault(known[key], set()).add(key)
        todo = [k for k in group.requests if k not in known]
        pending = set(group.batches)
        for attempt in range(self.policy.max_retries + 1):
            pending |= await self._submit(group, todo)
            retry = await self._wait(group, pending)
            todo, pending = list(retry), set()
            if not todo:
                return
            if attempt == self.policy.max_retries:
                for key, why in retry.items():
                    group.answers[key] = Response(error=f"{why.reason} (gave up after {attempt + 1} batches)")

    async def _submit(self, group: _Group, keys: list[str]) -> set[str]:
        """New batches for ``keys``, split at the provider's limits; each recorded once the provider has it."""
        submitted = set()
        for chunk in self._chunks([self.protocol.item(k, group.requests[k]) for k in keys]):
            batch_id = await self.protocol.submit(chunk)
            carried = [str(i["custom_id"]) for i in chunk]
            self.journal.submitted(batch_id, carried)
            group.batches[batch_id] = set(carried)
            submitted.add(batch_id)
            self._report(f"{self.inner.provider} batch {batch_id}: submitted {len(chunk)} requests")
        return submitted

    def _chunks(self, items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        limits = self.protocol.limits
        chunk: list[dict[str, Any]] = []
        size = 0
        for item in items:
            length = len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()) + 1
            if chunk and (len(chunk) >= limits.requests or size + length > limits.bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += length
        if chunk:
            yield chunk

    async def _wait(self, group: _Group, pending: set[str]) -> dict[str, Retry]:
        """Poll until every pending batch ended, collecting answers; what to send again."""
        retry: dict[str, Retry] = {}
        polls = 0
        while pending:
            for batch_id in sorted(pending):
                state = await self.protocol.poll(batch_id)
                self._show(state)
                if not state.ended:
                    continue
                pending.discard(batch_id)
                retry.update(await self._collect(group, state))
            if not pending:
                break
            if self._deadline is not None and time.monotonic() >= self._deadline:
                raise BatchPending(
                    f"--batch-wait: {self.inner.provider} batch(es) {', '.join(sorted(pending))} still running: "
                    "re-run the same command to collect (the run is kept; nothing is submitted twice)"
                )
            delay = min(self.poll_s, FIRST_POLL_S * 2**polls)
            if self._deadline is not None:
                delay = max(0.0, min(delay, self._deadline - time.monotonic()))
            await asyncio.sleep(delay)
            polls += 1
        return retry

    async def _collect(self, group: _Group, state: BatchState) -> dict[str, Retry]:
        """An ended batch's answers for this group's keys; its failed items to retry."""
        carried = group.batches[state.id]
        if state.failure is not None:
            self.journal.collected(state.id, sorted(carried))  # a failed batch is never polled again
            raise BatchFailed(f"{self.inner.provider} batch {state.id} {state.failure}: fix the cause and re-run")
        found = await self.protocol.results(state.id, state, group.requests)
        retry = {}
        for key in carried:
            outcome = found.get(key)
            if isinstance(outcome, Response):
                group.answers[key] = self.inner.finish(group.requests[key], outcome)
                group.answers[key] = replace(group.answers[key], meta={**outcome.meta, "batch_id": state.id})
            else:
                retry[key] = outcome if isinstance(outcome, Retry) else Retry(f"no result in batch {state.id}")
        return retry

    def _show(self, state: BatchState) -> None:
        line = f"{self.inner.provider} batch {state.id}: {state.status} " + ", ".join(
            f"{n} {name}" for name, n in state.counts.items()
        )
        if self._shown.get(state.id) != line:
            self._shown[state.id] = line
            self._report(line)

    def _report(self, line: str) -> None:
        if self.options.report is not None:
            self.options.report(line)
        else:
            print(line, file=sys.stderr, flush=True)


def batch_backend(model: ModelBackend, options: BatchOptions) -> BatchBackend:
    """``model`` sending its requests as provider batches; BadInput for a model or endpoint without them."""
    if isinstance(model, OpenAIBackend):
        protocol: Protocol = OpenAIBatches(model)
    elif isinstance(model, AnthropicBackend):
        protocol = AnthropicBatches(model)
    else:
        spec = model.fingerprint.get("spec") or model.fingerprint.get("name") or model.kind
        raise BadInput(f"--batch: model '{spec}' has no batch API: --batch goes with openai:NAME or anthropic:NAME")
    protocol.probe()
    return BatchBackend(model, protocol, options)


def batch_options(batch: bool, wait_s: float | None, journal_dir: Path) -> BatchOptions | None:
    """The run's batch options (``--batch``, ``--batch-wait``), or None; ``--batch-wait`` alone is an error."""
    if not batch:
        if wait_s is not None:
            raise BadInput("--batch-wait goes with --batch: add --batch, or leave out --batch-wait")
        return None
    return BatchOptions(Path(journal_dir), wait_s)
