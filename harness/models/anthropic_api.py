"""``anthropic:MODEL``: Anthropic's Messages API through ``anthropic.AsyncAnthropic``.

In ``--mode native`` Request.tools go out as ``tools``; Request.response_schema becomes a forced
tool whose ``input_schema`` is the schema, and the tool's input (as JSON) is the answer text.
A schema whose root is not an object is wrapped as ``{"value": ...}`` and unwrapped again.
"""

from __future__ import annotations

import inspect
import json
import os
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

ANTHROPIC_URL = "https://api.anthropic.com"
OUTPUT_TOOL = "json_output"
OUTPUT_TOOL_DESCRIPTION = "Give the answer: a JSON value that conforms to this tool's input schema."
WRAPPED_KEY = "value"


class AnthropicArgs(ServiceArgs):
    """``--model-arg`` options of ``anthropic:MODEL``."""

    base_url: str | None = None
    api_key_env: str | None = None


def output_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The forced tool's input schema, and whether the answer is wrapped (tool inputs are objects)."""
    if schema.get("type") == "object" or ("properties" in schema and "type" not in schema):
        return schema, False
    return {"type": "object", "properties": {WRAPPED_KEY: schema}, "required": [WRAPPED_KEY]}, True


def anthropic_payload(request: Request, model: str, native: bool, with_temperature: bool) -> dict[str, Any]:
    """The messages.create arguments for a Request."""
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": [
            {"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
            for m in request.messages
            if m.role != "system"
        ],
    }
    if system:
        payload["system"] = system
    if with_temperature:
        payload["temperature"] = request.temperature
    top_p = getattr(request, "top_p", None)
    if top_p is not None:
        payload["top_p"] = top_p
    if request.stop:
        payload["stop_sequences"] = list(request.stop)
    if native and request.tools:
        payload["tools"] = [
            {"name": n, "description": d, "input_schema": p} for n, d, p in map(function_spec, request.tools)
        ]
    elif native and request.response_schema is not None:
        schema, _ = output_schema(request.response_schema)
        payload["tools"] = [{"name": OUTPUT_TOOL, "description": OUTPUT_TOOL_DESCRIPTION, "input_schema": schema}]
        payload["tool_choice"] = {"type": "tool", "name": OUTPUT_TOOL}
    return payload


def parse_message(message: Any, request: Request, native: bool) -> Response:
    """A Message as a Response: text and tool_use blocks (calls or the structured answer), usage, cut-off flag."""
    blocks = list(getattr(message, "content", None) or [])
    text = "".join(b.text for b in blocks if getattr(b, "type", None) == "text")
    uses = [b for b in blocks if getattr(b, "type", None) == "tool_use"]
    meta: dict[str, Any] = {"stop_reason": message.stop_reason, "model": message.model}
    if message.stop_reason == "max_tokens":  # the answer was cut off at the budget, not finished
        meta["truncated"] = True
    tool_calls: tuple[ToolCall, ...] | None = None
    structured = native and not request.tools and request.response_schema is not None
    answer = next((b for b in uses if b.name == OUTPUT_TOOL), None) if structured else None
    if answer is not None:
        text = structured_text(answer.input, request.response_schema or {})
    elif uses:
        calls, invalid = [], []
        for block in uses:
            arguments = parse_arguments(block.input)
            if arguments is None:
                invalid.append({"name": block.name, "arguments": block.input})
            else:
                calls.append(ToolCall(block.name, arguments))
        tool_calls = tuple(calls)
        if invalid:
            meta["invalid_tool_calls"] = invalid
    usage = getattr(message, "usage", None)
    return Response(
        text=text,
        tool_calls=tool_calls,
        tokens_in=getattr(usage, "input_tokens", None),
        tokens_out=getattr(usage, "output_tokens", None),
        meta=meta,
    )


def structured_text(value: Any, schema: dict[str, Any]) -> str:
    """The forced tool's input as the answer text (unwrapped if the schema was wrapped)."""
    if not isinstance(value, dict):
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if output_schema(schema)[1]:
        value = value.get(WRAPPED_KEY)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class AnthropicBackend(ApiBackend):
    """Messages through ``anthropic.AsyncAnthropic``; the wrapper retries, so the SDK does not."""

    provider = "anthropic"

    def __init__(self, model: str, args: AnthropicArgs, key: str, opts: LoadOptions):
        import anthropic

        self._sdk = anthropic
        self.model = model
        self.endpoint = (args.base_url or os.environ.get("ANTHROPIC_BASE_URL") or ANTHROPIC_URL).rstrip("/")
        self.native = opts.mode == "native"
        self.policy = args.policy()
        self.batch_poll = args.batch_poll
        self.batch_requests = args.batch_requests
        self.concurrency = DEFAULT_API_CONCURRENCY
        self._key = key
        self._client = LoopClient(
            lambda: anthropic.AsyncAnthropic(api_key=key, base_url=self.endpoint, max_retries=0, timeout=args.timeout)
        )
        # Recent SDKs dropped `temperature` from messages.create; send it only where the SDK knows it.
        create = anthropic.resources.messages.AsyncMessages.create
        self._create_args = set(inspect.signature(create).parameters)
        self._with_temperature = "temperature" in self._create_args

    def payload(self, request: Request) -> dict[str, Any]:
        """The Messages API body for a request (a batch item's ``params`` too)."""
        return anthropic_payload(request, self.model, self.native, self._with_temperature)

    async def _complete(self, request: Request) -> Response:
        payload = self.payload(request)
        # Fields this SDK's create() does not name (top_p in recent SDKs) still go on the wire, as extra_body.
        extra = {k: payload.pop(k) for k in list(payload) if k not in self._create_args}
        try:
            message = await self._client.get().messages.create(**payload, **({"extra_body": extra} if extra else {}))
        except self._sdk.APIError as exc:
            return sdk_failure(self._sdk, "anthropic", exc, self._key, self.endpoint, self.model)
        return parse_message(message, request, self.native)


def load_anthropic(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> AnthropicBackend:
    """Factory for ``anthropic:MODEL``; a missing key fails here, before any request."""
    parsed = AnthropicArgs.parse(args, spec)
    if not target:
        raise BadInput("anthropic needs a model name: --model anthropic:claude-3-5-haiku-latest")
    try:
        import anthropic  # noqa: F401
    except ImportError:
        raise missing_extra("anthropic", "api") from None
    key = read_api_key(parsed.api_key_env or "ANTHROPIC_API_KEY", spec)
    assert key is not None
    return AnthropicBackend(target, parsed, key, opts)
