"""A fake OpenAI / Anthropic API on loopback: real wire formats, scripted answers, injected faults.

Serves ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages`` (Anthropic), with tool
calls, structured output and usage, so the real SDKs can talk to it. Answers come from a
``Script`` keyed on the last user message: one or more tasks' targets (an oracle that scores 1.0), a
replay file, or fixed text (``script.py``); a prompt the script lacks, without a fallback text, is an
HTTP 400 naming what it was matched against. Faults: latency with jitter, 429 with Retry-After, 500, timeouts
(the response never comes), malformed tool-call JSON and a token-bucket rate limit (``server.py``). The providers'
batch protocols (OpenAI Files + Batches, Anthropic Message Batches) with a completion delay, failed and expired
items and whole failed batches are ``batches.py``. Faults are drawn from a hash
of the request body and how many times that body was seen, so a run is reproducible whatever the
arrival order. ``wire.py`` writes both providers' replies and errors.

    with FakeServer(Script.fixed("hi"), Faults(latency_ms=50, rate_429=0.1)) as server:
        ...  # openai:any --model-arg base_url={server.openai_url}
"""

from harness.fake_server.script import Answer, Script, answer_for, calls_in, script_from_options
from harness.fake_server.server import FakeServer, Faults, main_loop

__all__ = ["Answer", "FakeServer", "Faults", "Script", "answer_for", "calls_in", "main_loop", "script_from_options"]
