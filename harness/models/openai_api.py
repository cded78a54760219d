"""``openai:MODEL``: OpenAI's chat completions API, or any OpenAI-compatible server via ``base_url``.

The SDK (``openai.AsyncOpenAI``) is imported when a model is built, never by the CLI or the store.
Retries, limits, cache, timing and cost are the wrapper's (``harness.models.wrapper``); this
module only maps a Request to a chat completion and back. In ``--mode native`` Request.tools go
out as ``tools`` and Request.response_schema as ``response_format`` (JSON schema); in prompt
mode only the messages are sent.
"""

from __future__ import annotations

import os
import re
from typing import Any

from harness.errors import BadInput, missing_extra
from harness.models.api import (
    ApiBackend,
    LoopClient,
    ServiceArgs,
    function_spec,
    parse_arguments,
    read_api_key,
    sdk_failure,
)
from harness.models.base import LoadOptions
from harness.models.limits import DEFAULT_API_CONCURRENCY
from harness.types import Request, Response, ToolCall

OPENAI_URL = "https://api.openai.com/v1"
# Reasoning models reject a temperature other than the default.
NO_TEMPERATURE = re.compile(r"^(o\d|gpt-5)")


class OpenAIArgs(ServiceArgs):
    """``--model-arg`` options of ``openai:MODEL``."""

    base_url: str | None = None
    api_key_env: str | None = None
    strict: bool = False


def openai_payload(request: Request, model: str, native: bool, official: bool, strict: bool) -> dict[str, Any]:
    """The chat.completions.create arguments for a Request."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user" if m.role == "tool" else m.role, "content": m.content} for m in request.messages],
        # The official API wants max_completion_tokens (reasoning models reject max_tokens); servers
        # such as llama.cpp only know max_tokens.
        ("max_completion_tokens" if official else "max_tokens"): request.max_tokens,
    }
    if not (official and NO_TEMPERATURE.match(model)):
        payload["temperature"] = request.temperature
    top_p = getattr(request, "top_p", None)
    if top_p is not None and not (official and NO_TEMPERATURE.match(model)):  # reasoning models refuse it too
        payload["top_p"] = top_p
    if request.stop:
        payload["stop"] = list(request.stop)[:4]
    if request.seed is not None:
        payload["seed"] = request.seed
    if native and request.tools:
        payload["tools"] = [
            {"type": "function", "function": {"name": n, "description": d, "parameters": p}}
            for n, d, p in map(function_spec, request.tools)
        ]
    if native and request.response_schema is not None:
        title = str(request.response_schema.get("title") or "response")
        name = re.sub(r"[^A-Za-z0-9_-]", "_", title)[:64] or "response"
        payload["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": request.response_schema, "strict": strict},
        }
    return payload


def parse_completion(completion: Any) -> Response:
    """A ChatCompletion as a Response: text, tool calls (malformed ones kept in meta), usage, cut-off flag."""
    if not getattr(completion, "choices", None):
        return Response(error="openai: the response has no choices")
    choice = completion.choices[0]
    message = choice.message
    meta: dict[str, Any] = {"finish_reason": choice.finish_reason, "model": completion.model}
    if choice.finish_reason == "length":  # stopped at max_tokens: the answer was cut off, not finished
        meta["truncated"] = True
    calls: list[ToolCall] = []
    invalid: list[dict[str, Any]] = []
    for call in message.tool_calls or []:
        function = getattr(call, "function", None)
        if function is None:
            continue
        arguments = parse_arguments(function.arguments)
        if arguments is None:
            invalid.append({"name": function.name, "arguments": function.arguments})
        else:
            calls.append(ToolCall(function.name, arguments))
    if invalid:
        meta["invalid_tool_calls"] = invalid
    if getattr(message, "refusal", None):
        meta["refusal"] = message.refusal
    usage = completion.usage
    return Response(
        text=message.content or "",
        tool_calls=tuple(calls) if message.tool_calls else None,
        tokens_in=getattr(usage, "prompt_tokens", None),
        tokens_out=getattr(usage, "completion_tokens", None),
        meta=meta,
    )


class OpenAIBackend(ApiBackend):
    """Chat completions through ``openai.AsyncOpenAI``; the wrapper retries, so the SDK does not."""

    provider = "openai"

    def __init__(self, model: str, args: OpenAIArgs, key: str | None, opts: LoadOptions):
        import openai

        self._sdk = openai
        self.model = model
        self.endpoint = (args.base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        self.official = self.endpoint == OPENAI_URL
        self.native = opts.mode == "native"
        self.strict = args.strict
        self.policy = args.policy()
        self.batch_poll = args.batch_poll
        self.batch_requests = args.batch_requests
        self.concurrency = DEFAULT_API_CONCURRENCY
        self._key = key
        self._client = LoopClient(
            lambda: openai.AsyncOpenAI(
                api_key=key or "EMPTY", base_url=self.endpoint, max_retries=0, timeout=args.timeout
            )
        )

    def fingerprint_extra(self) -> dict[str, Any]:
        """Strict structured outputs change answers."""
        return {"strict": self.strict}

    async def _complete(self, request: Request) -> Response:
        payload = openai_payload(request, self.model, self.native, self.official, self.strict)
        try:
            completion = await self._client.get().chat.completions.create(**payload)
        except self._sdk.APIError as exc:
            return sdk_failure(self._sdk, "openai", exc, self._key, self.endpoint, self.model)
        return parse_completion(completion)


def load_openai(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> OpenAIBackend:
    """Factory for ``openai:MODEL``; a missing key fails here, before any request."""
    parsed = OpenAIArgs.parse(args, spec)
    if not target:
        raise BadInput("openai needs a model name: --model openai:gpt-4o")
    try:
        import openai  # noqa: F401
    except ImportError:
        raise missing_extra("openai", "api") from None
    # A self-hosted server (base_url) often needs no key; the official API always does.
    required = parsed.api_key_env is not None or not parsed.base_url
    key = read_api_key(parsed.api_key_env or "OPENAI_API_KEY", spec, required=required)
    return OpenAIBackend(target, parsed, key, opts)
