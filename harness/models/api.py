"""What the API backends share: ``--model-arg`` service options, keys, HTTP failure mapping and the client base.

Retries, limits, cache, timing and cost are the wrapper's (``wrapper.py``); an API backend maps a
Request to one service call and back, raising ``TransientError`` for what is worth retrying.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

from pydantic import Field

from harness.errors import BadInput
from harness.models.base import BackendArgs, ModelBackend
from harness.models.limits import Policy, TransientError
from harness.types import ModelCaps, Request, Response

API_CAPS = ModelCaps(chat_template=True, native_tools=True, structured_output=True)


class ServiceArgs(BackendArgs):
    """``--model-arg`` options every API backend takes (read by the wrapper, not the backend)."""

    max_retries: int = Field(default=5, ge=0)
    timeout: float = Field(default=60.0, gt=0)
    backoff: float = Field(default=0.5, ge=0)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    price_in: float | None = Field(default=None, ge=0)
    price_out: float | None = Field(default=None, ge=0)
    # --batch: the longest pause between two looks at a running batch (the first looks come sooner).
    batch_poll: float = Field(default=30.0, gt=0)
    # --batch: requests per provider batch (at most the provider's limit); smaller batches end sooner.
    batch_requests: int = Field(default=5000, ge=1)

    def policy(self) -> Policy:
        """The wrapper's policy from these options (the SDK client enforces ``timeout`` itself)."""
        return Policy(
            max_retries=self.max_retries,
            timeout_s=None,
            backoff_s=self.backoff,
            rpm=self.rpm,
            tpm=self.tpm,
            price_in=self.price_in,
            price_out=self.price_out,
        )


def read_api_key(env: str, spec: str, required: bool = True) -> str | None:
    """The key from environment variable ``env``; a missing one is a one-line error before any request."""
    key = os.environ.get(env, "").strip()
    if not key and required:
        raise BadInput(
            f"{spec}: environment variable {env} is not set: export {env}=... (or --model-arg api_key_env=NAME)"
        )
    return key or None


def retry_after_s(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


def function_spec(tool: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(name, description, parameters) of a tool given as a JSON-Schema function, OpenAI or Anthropic style."""
    spec = tool.get("function", tool) if tool.get("type") == "function" else tool
    parameters = spec.get("parameters") or spec.get("input_schema") or {"type": "object", "properties": {}}
    return str(spec["name"]), str(spec.get("description", "")), dict(parameters)


def parse_arguments(raw: Any) -> dict[str, Any] | None:
    """Tool-call arguments as a dict, or None when they are not a JSON object."""
    if isinstance(raw, dict):
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def status_failure(provider: str, status: int, message: str, headers: Any, endpoint: str, model: str) -> Response:
    """Map an HTTP error: 429/5xx/408 retry (TransientError), auth and unknown model end the run, the rest is data."""
    if status == 429:
        raise TransientError(f"{provider}: rate limited (429)", retry_after=retry_after_s(headers), rate_limited=True)
    if status >= 500 or status in (408, 409):
        raise TransientError(f"{provider}: server error {status}", retry_after=retry_after_s(headers))
    if status in (401, 403):
        raise BadInput(f"{provider}: {endpoint} refused the API key ({status}): check the key's environment variable")
    if status == 404:
        raise BadInput(f"{provider}: model '{model}' or its endpoint not found at {endpoint} (404): check the name")
    return Response(error=f"{provider}: HTTP {status}: {message}")


def sdk_failure(sdk: Any, provider: str, exc: Exception, key: str | None, endpoint: str, model: str) -> Response:
    """An SDK exception as a retry (raised), a run-ending error (raised) or one sample's error (returned)."""
    if isinstance(exc, sdk.APITimeoutError):
        raise TransientError(f"{provider}: request timed out") from None
    if isinstance(exc, sdk.APIConnectionError):
        raise TransientError(f"{provider}: connection error: {redact(str(exc), key)}") from None
    if isinstance(exc, sdk.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        detail = body.get("error", body)
        message = detail.get("message") if isinstance(detail, dict) else None
        text = redact(str(message or exc.message), key).splitlines()[0][:300] if (message or exc.message) else ""
        return status_failure(provider, exc.status_code, text, exc.response.headers, endpoint, model)
    return Response(error=f"{provider}: {type(exc).__name__}: {redact(str(exc), key)}")


class LoopClient:
    """An SDK client per event loop: the runner may run one loop per split, and pools do not cross loops."""

    def __init__(self, factory: Any):
        self._factory = factory
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> Any:
        """The client for the running loop."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client, self._loop = self._factory(), loop
        return self._client

    async def aclose(self) -> None:
        """Close the client if it belongs to the running loop."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()


class ApiBackend(ModelBackend):
    """What both API backends share: identity, the concurrent fan-out of a batch, closing the client.

    Subclasses set ``provider``, ``model``, ``endpoint``, ``native``, ``policy``, ``concurrency`` and
    ``_client`` and implement ``_complete`` (one request); ``fingerprint_extra`` adds provider-specific identity.
    """

    kind = "api"
    caps = API_CAPS
    provider: ClassVar[str]
    model: str
    endpoint: str
    native: bool
    batch_poll: float = 30.0
    batch_requests: int = 5000
    _client: LoopClient
    _key: str | None
    _sdk: Any

    def fingerprint_extra(self) -> dict[str, Any]:
        """Provider-specific fingerprint fields."""
        return {}

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Endpoint and model, never the key."""
        return {
            "spec": f"{self.provider}:{self.model}",
            "kind": "api",
            "provider": self.provider,
            "model": self.model,
            "endpoint": self.endpoint,
            "native": self.native,
            **self.fingerprint_extra(),
        }

    @property
    def model_kind(self) -> str:
        """API models are their own kind on the leaderboard."""
        return "api"

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """One call per request (the wrapper sends one at a time; a batch goes out concurrently)."""
        if len(requests) == 1:
            return [await self._answer(requests[0])]
        return list(await asyncio.gather(*(self._answer(r) for r in requests)))

    async def _answer(self, request: Request) -> Response:
        return self.finish(request, await self._complete(request))

    def finish(self, request: Request, response: Response) -> Response:
        """A parsed answer as the run keeps it (the synchronous and the batch path share this)."""
        if self.native and request.tools and response.tool_calls is None and response.error is None:
            # The tools went out natively and the model called none: an empty call list, not "unknown".
            response = replace(response, tool_calls=())
        return response

    @abstractmethod
    async def _complete(self, request: Request) -> Response:
        """One request to the service."""

    async def aclose(self) -> None:
        """Close the HTTP client of the running loop."""
        await self._client.aclose()
