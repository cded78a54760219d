"""The providers' batch endpoints, driven through their SDKs: OpenAI Files + Batches, Anthropic Message Batches.

OpenAI: a JSONL file of ``{custom_id, method, url, body}`` lines uploaded to ``/v1/files`` (purpose ``batch``), a
batch created on ``/v1/batches``, results read from its output and error files. Anthropic: ``/v1/messages/batches``
with ``{custom_id, params}`` requests, results streamed from the batch's ``results_url``. ``body``/``params`` are
exactly the synchronous path's payload, and answers go through the synchronous path's parser.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from harness.errors import BadInput
from harness.models.anthropic_api import AnthropicBackend, parse_message
from harness.models.api import ApiBackend, redact
from harness.models.limits import TransientError
from harness.models.openai_api import OpenAIBackend, openai_payload, parse_completion
from harness.types import Request, Response


@dataclass(frozen=True)
class BatchLimits:
    """What one provider batch may hold."""

    requests: int
    bytes: int
    source: str


# https://platform.openai.com/docs/guides/batch ("up to 50,000 requests, input file up to 200 MB")
OPENAI_LIMITS = BatchLimits(50_000, 200 * 1024 * 1024, "https://platform.openai.com/docs/guides/batch")
# https://docs.anthropic.com/en/docs/build-with-claude/batch-processing ("100,000 requests or 256 MB")
ANTHROPIC_LIMITS = BatchLimits(
    100_000, 256 * 1024 * 1024, "https://docs.anthropic.com/en/docs/build-with-claude/batch-processing"
)


@dataclass
class BatchState:
    """A batch as last polled."""

    id: str
    ended: bool
    counts: dict[str, int]
    failure: str | None = None
    status: str = ""


@dataclass(frozen=True)
class Retry:
    """An item to send again in a new batch, and why."""

    reason: str


class Protocol(ABC):
    """One provider's batch endpoints, driven through its SDK client."""

    limits: BatchLimits

    def __init__(self, inner: ApiBackend):
        self.inner = inner

    @abstractmethod
    def item(self, key: str, request: Request) -> dict[str, Any]:
        """One request as the batch carries it."""

    @abstractmethod
    def probe(self) -> None:
        """Raise BadInput when the endpoint has no batch API or refuses the key (before any run exists)."""

    @abstractmethod
    async def submit(self, items: list[dict[str, Any]]) -> str:
        """Create a batch; its id."""

    @abstractmethod
    async def poll(self, batch_id: str) -> BatchState:
        """The batch's state and counts."""

    @abstractmethod
    async def results(self, batch_id: str, state: BatchState, requests: dict[str, Request]) -> dict[str, Any]:
        """custom_id → Response or Retry, for an ended batch."""

    def failure(self, exc: Exception, what: str) -> Exception:
        """An SDK error of a batch call: TransientError to retry, else a one-line BadInput."""
        sdk = self.inner._sdk
        provider, endpoint = self.inner.provider, self.inner.endpoint
        if isinstance(exc, (sdk.APITimeoutError, sdk.APIConnectionError)):
            return TransientError(f"{provider}: {what}: {type(exc).__name__}")
        status = getattr(exc, "status_code", 0)
        if status in (429, 408, 409) or status >= 500:
            return TransientError(f"{provider}: {what}: HTTP {status}", rate_limited=status == 429)
        if status in (404, 405):
            return BadInput(
                f"{provider}: {endpoint} has no batch endpoint ({what} answered {status}): run without --batch"
            )
        if status in (401, 403):
            return BadInput(f"{provider}: {endpoint} refused the API key ({status}): check the key's variable")
        message = redact(str(getattr(exc, "message", exc)), self.inner._key).splitlines()[0][:300]
        return BadInput(f"{provider}: {what} failed ({status}): {message}")


class OpenAIBatches(Protocol):
    """OpenAI Files + Batches."""

    limits = OPENAI_LIMITS
    inner: OpenAIBackend

    def item(self, key: str, request: Request) -> dict[str, Any]:
        """``{custom_id, method, url, body}`` with the synchronous path's payload as body."""
        body = openai_payload(request, self.inner.model, self.inner.native, self.inner.official, self.inner.strict)
        return {"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": body}

    def probe(self) -> None:
        """``GET /batches?limit=1``."""
        client = self.inner._sdk.OpenAI(
            api_key=self.inner._key or "EMPTY", base_url=self.inner.endpoint, max_retries=0, timeout=30
        )
        try:
            client.batches.list(limit=1)
        except self.inner._sdk.APIError as exc:
            error = self.failure(exc, "GET /batches")
            if isinstance(error, BadInput):
                raise error from None
        finally:
            client.close()

    async def submit(self, items: list[dict[str, Any]]) -> str:
        """Upload the JSONL file, then create the batch on it."""
        client = self.inner._client.get()
        data = "".join(json.dumps(i, ensure_ascii=False, separators=(",", ":")) + "\n" for i in items).encode()
        try:
            upload = await client.files.create(file=("harness-batch.jsonl", data), purpose="batch")
            batch = await client.batches.create(
                input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, "POST /batches") from None
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        """``GET /batches/{id}``: ended once completed, expired, failed or cancelled."""
        try:
            batch = await self.inner._client.get().batches.retrieve(batch_id)
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, f"GET /batches/{batch_id}") from None
        counts = batch.request_counts
        numbers = {"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {}
        failure = None
        if batch.status in ("failed", "cancelled", "cancelling"):
            errors = [e.message or e.code or "" for e in (batch.errors.data or [])] if batch.errors else []
            failure = f"{batch.status}: {'; '.join(e for e in errors if e) or 'no reason given'}"
        ended = batch.status in ("completed", "expired", "failed", "cancelled")
        return BatchState(batch_id, ended or failure is not None, numbers, failure, batch.status)

    async def results(self, batch_id: str, state: BatchState, requests: dict[str, Request]) -> dict[str, Any]:
        """Lines of the output file (answers) and the error file (retried or sample errors)."""
        client = self.inner._client.get()
        try:
            batch = await client.batches.retrieve(batch_id)
            lines: list[dict[str, Any]] = []
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    text = (await client.files.content(file_id)).text
                    lines += [json.loads(line) for line in text.splitlines() if line.strip()]
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, f"results of batch {batch_id}") from None
        from openai.types.chat import ChatCompletion

        found: dict[str, Any] = {}
        for line in lines:
            key, response = str(line.get("custom_id")), line.get("response") or {}
            request = requests.get(key)
            if request is None:
                continue
            status = int(response.get("status_code") or 0)
            if status == 200:
                found[key] = parse_completion(ChatCompletion.model_validate(response["body"]))
            else:
                found[key] = _item_error("openai", status, response.get("body"), line.get("error"))
        return found


class AnthropicBatches(Protocol):
    """Anthropic Message Batches."""

    limits = ANTHROPIC_LIMITS
    inner: AnthropicBackend

    def item(self, key: str, request: Request) -> dict[str, Any]:
        """``{custom_id, params}`` with the synchronous path's payload as params."""
        return {"custom_id": key, "params": self.inner.payload(request)}

    def probe(self) -> None:
        """``GET /v1/messages/batches?limit=1``."""
        client = self.inner._sdk.Anthropic(
            api_key=self.inner._key, base_url=self.inner.endpoint, max_retries=0, timeout=30
        )
        try:
            client.messages.batches.list(limit=1)
        except self.inner._sdk.APIError as exc:
            error = self.failure(exc, "GET /v1/messages/batches")
            if isinstance(error, BadInput):
                raise error from None
        finally:
            client.close()

    async def submit(self, items: list[dict[str, Any]]) -> str:
        """``POST /v1/messages/batches``."""
        try:
            batch = await self.inner._client.get().messages.batches.create(requests=items)
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, "POST /v1/messages/batches") from None
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        """``GET /v1/messages/batches/{id}``: ended once processing ended; a cancelled batch failed."""
        try:
            batch = await self.inner._client.get().messages.batches.retrieve(batch_id)
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, f"GET /v1/messages/batches/{batch_id}") from None
        counts = batch.request_counts.model_dump()
        ended = batch.processing_status == "ended"
        failure = "canceled" if batch.cancel_initiated_at is not None else None
        return BatchState(batch_id, ended, counts, failure if ended else None, batch.processing_status)

    async def results(self, batch_id: str, state: BatchState, requests: dict[str, Request]) -> dict[str, Any]:
        """The results JSONL from ``results_url``."""
        found: dict[str, Any] = {}
        try:
            async for entry in await self.inner._client.get().messages.batches.results(batch_id):
                request = requests.get(entry.custom_id)
                if request is None:
                    continue
                result = entry.result
                if result.type == "succeeded":
                    found[entry.custom_id] = parse_message(result.message, request, self.inner.native)
                elif result.type == "errored":
                    detail = result.error.error
                    status = 500 if detail.type in ("api_error", "overloaded_error", "rate_limit_error") else 400
                    found[entry.custom_id] = _item_error("anthropic", status, None, None, detail.message)
                else:
                    found[entry.custom_id] = Retry(f"anthropic: batch item {result.type}")
        except self.inner._sdk.APIError as exc:
            raise self.failure(exc, f"results of batch {batch_id}") from None
        return found


def _item_error(provider: str, status: int, body: Any, error: Any, message: str | None = None) -> Response | Retry:
    """A failed batch item: retried when the provider may answer next time (5xx, 429, expired), else an error."""
    if message is None:
        detail = (body or {}).get("error") if isinstance(body, dict) else None
        detail = detail or error or {}
        message = str(detail.get("message") or detail.get("code") or "no message") if isinstance(detail, dict) else ""
    if status == 0 or status == 429 or status >= 500:
        return Retry(f"{provider}: batch item failed ({status or 'expired'}): {message}")
    return Response(error=f"{provider}: HTTP {status}: {message}")
