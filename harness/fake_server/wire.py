"""The OpenAI and Anthropic wire formats: replies (text, tool calls, forced tools, usage) and error bodies."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from harness.fake_server.script import Answer


def _text_of(content: Any) -> str:
    """Message content as text: a string, or a list of parts/blocks with text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def last_user(messages: list[Any]) -> str:
    """The text of the last user message (what a Script is keyed on)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _broken(arguments: dict[str, Any]) -> str:
    """Tool-call arguments as JSON that does not parse."""
    return json.dumps(arguments)[:-1]


def openai_reply(body: dict[str, Any], answer: Answer, malformed: bool, serial: int) -> dict[str, Any]:
    """A chat.completion object for a request."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text, "refusal": None}
    finish = "stop"
    if body.get("tools") and answer.tool_calls is not None:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": f"call_{serial}_{i}",
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": _broken(c.arguments) if malformed else json.dumps(c.arguments),
                },
            }
            for i, c in enumerate(answer.tool_calls)
        ]
        finish = "tool_calls"
    prompt_tokens = _tokens(json.dumps(body.get("messages", [])))
    completion_tokens = _tokens(json.dumps(message.get("tool_calls")) if finish == "tool_calls" else answer.text)
    return {
        "id": f"chatcmpl-fake{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def anthropic_reply(body: dict[str, Any], answer: Answer, malformed: bool, serial: int) -> dict[str, Any]:
    """A Message object for a request; a forced tool gets the answer's JSON as its input."""
    forced = body.get("tool_choice") or {}
    blocks: list[dict[str, Any]]
    if forced.get("type") == "tool":
        tool: dict[str, Any] = next((t for t in body.get("tools", []) if t.get("name") == forced.get("name")), {})
        inputs = _forced_input(answer.text, tool.get("input_schema") or {})
        blocks = [_tool_use(f"toolu_fake{serial}_0", forced["name"], inputs, malformed)]
    elif body.get("tools") and answer.tool_calls is not None:
        calls = enumerate(answer.tool_calls)
        blocks = [_tool_use(f"toolu_fake{serial}_{i}", c.name, c.arguments, malformed) for i, c in calls]
    else:
        blocks = [{"type": "text", "text": answer.text}]
    stop = "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn"
    prompt = json.dumps([body.get("system", ""), body.get("messages", [])])
    return {
        "id": f"msg_fake{serial}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": _tokens(prompt), "output_tokens": _tokens(json.dumps(blocks))},
    }


def _forced_input(text: str, schema: dict[str, Any]) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    wrapper = set(schema.get("properties", {})) == {"value"} and schema.get("required") == ["value"]
    if not isinstance(value, dict) or (wrapper and "value" not in value):
        return {"value": value}
    return value


def _tool_use(block_id: str, name: str, inputs: Any, malformed: bool) -> dict[str, Any]:
    # The wire format carries tool input as a JSON object; a malformed call sends a broken JSON string.
    return {"type": "tool_use", "id": block_id, "name": name, "input": _broken(inputs) if malformed else inputs}


def openai_error(status: int, message: str) -> dict[str, Any]:
    """An OpenAI error body."""
    kinds = {429: "rate_limit_exceeded", 500: "server_error", 401: "invalid_api_key", 404: "not_found"}
    kind = kinds.get(status, "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    """An Anthropic error body."""
    kinds = {429: "rate_limit_error", 500: "api_error", 401: "authentication_error", 404: "not_found_error"}
    kind = kinds.get(status, "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}
