"""Padded batched generation for local causal and seq2seq models: prompts, decoding arguments, stops, decoding.

Works on anything shaped like a loaded model (``Generator``: ``HFBackend`` is one), so it needs no
backend import. torch, transformers and the grammar module are imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from harness.types import Request, Response


class Generator(Protocol):
    """What generation reads of a loaded causal or seq2seq model."""

    model: Any
    tokenizer: Any
    arch: str  # "causal" or "seq2seq"
    eos_token_ids: list[int]
    grammars: Any  # constrained.JsonSchemaGrammars
    batch_rows: int  # rows decoded at once
    continuous: bool  # plain greedy batches go to the continuous engine
    prefix_cache: Any  # prefix_cache.PrefixCache, or None when shared-prefix reuse is off
    prompt_lookup: bool  # greedy batches of causal models decode with prompt lookup (prompt_lookup.py)

    def seed_for(self, requests: Sequence[Request]) -> int:
        """The torch seed of one generate call."""
        ...


def first_line(exc: BaseException) -> str:
    """An exception's first line, or its type name when it has no message."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def eos_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every token id that ends generation: the generation config's EOS ids and the tokenizer's."""
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    ids = [*ids, tokenizer.eos_token_id]
    return sorted({int(i) for i in ids if i is not None})


def template_takes_tools(tokenizer: Any) -> bool:
    """Whether the chat template renders a ``tools`` list (Qwen, Llama 3.1, Hermes... templates do)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # named templates: {"default": ..., "tool_use": ...}
        return "tool_use" in template or any("tools" in str(t) for t in template.values())
    return bool(template) and "tools" in str(template)


def render_prompt(tokenizer: Any, request: Request) -> str:
    """The prompt text: the chat template with a generation prompt when the tokenizer has one.

    ``Request.tools`` (native mode) go to the template as OpenAI-style function entries; the model's
    calls then come back as text in the template's own syntax, which the task reads.
    """
    if not tokenizer.chat_template:
        return request.prompt_text
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    kwargs: dict[str, Any] = {}
    if request.tools:
        kwargs["tools"] = [{"type": "function", "function": tool} for tool in request.tools]
    return str(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False, **kwargs))


def render_prompts(tokenizer: Any, requests: Sequence[Request]) -> tuple[list[str | None], list[Response | None]]:
    """Each request's prompt, or None and that sample's error when its chat template fails."""
    prompts: list[str | None] = []
    failures: list[Response | None] = []
    for request in requests:
        try:
            prompts.append(render_prompt(tokenizer, request))
            failures.append(None)
        except Exception as exc:  # jinja raises its own errors, e.g. "system role not supported"
            prompts.append(None)
            failures.append(Response(error=f"chat template failed: {first_line(exc)}"))
    return prompts, failures


def decoding_kwargs(backend: Generator, temperature: float, max_new_tokens: int) -> dict[str, Any]:
    """generate() arguments: greedy, and none of the checkpoint's own tweaks.

    A row asking for sampling (temperature above 0) is sampled by ``sampling.RowSampler``, a logits processor
    with a generator of the row's own, so ``generate`` itself always picks greedily; ``temperature`` is kept in
    the signature for callers and ignored.
    """
    return {
        "max_new_tokens": max_new_tokens,
        "do_sample": False,
        "temperature": 1.0,
        "top_k": 0,
        "top_p": 1.0,
        "num_beams": 1,
        "repetition_penalty": 1.0,
        "no_repeat_ngram_size": 0,
        "eos_token_id": backend.eos_token_ids,
        "pad_token_id": backend.tokenizer.pad_token_id,
    }


def generate_padded(
    backend: Generator,
    requests: list[Request],
    prompts: list[str],
    decode: Callable[[Generator, list[Request], list[str]], list[Response]] | None = None,
) -> list[Response]:
    """Padded batches of at most ``batch_rows`` rows each, decoded by ``decode`` (default: ``generate_rows``)."""
    outputs: list[Response] = []
    for at in range(0, len(requests), backend.batch_rows):
        rows = slice(at, at + backend.batch_rows)
        outputs += (decode or generate_rows)(backend, requests[rows], prompts[rows])
    return outputs


def encode_prompts(backend: Generator, prompts: list[str]) -> dict[str, Any]:
    """The batch's model inputs: left-padded prompts, or ``[prefix][pads][suffix]`` over a shared prefix's cache.

    With a shared prefix (``prefix_cache.py``) the dict also holds ``cache``, the prefix's KV cache for every
    row; ``generate`` then prefills only the suffixes and derives every token's position from the mask.
    """
    tokenizer, model = backend.tokenizer, backend.model
    chat = bool(tokenizer.chat_template)  # the template already holds any BOS token
    if backend.arch == "causal" and backend.prefix_cache is not None:
        ids = tokenizer(prompts, add_special_tokens=not chat)["input_ids"]
        layout = backend.prefix_cache.layout(model, ids, tokenizer.pad_token_id)
        if layout is not None:
            return {"input_ids": layout.input_ids, "attention_mask": layout.attention_mask, "cache": layout.cache}
    return dict(tokenizer(prompts, padding=True, return_tensors="pt", add_special_tokens=not chat).to(model.device))


def generate_rows(backend: Generator, requests: list[Request], prompts: list[str]) -> list[Response]:
    """One generate call for the batch: left-padded prompts, per-row grammars, stops and budgets."""
    import torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    from harness.models.hf.constrained import BatchGrammarProcessor, RowStops
    from harness.models.hf.sampling import RowSampler

    tokenizer, model = backend.tokenizer, backend.model
    encoded = encode_prompts(backend, prompts)
    # Causal outputs repeat the prompt; seq2seq outputs start with the decoder start token.
    start = encoded["input_ids"].shape[1] if backend.arch == "causal" else 1
    rows = [backend.grammars.for_request(r) for r in requests]
    budgets = [r.max_tokens for r in requests]
    stops = RowStops(tokenizer, [r.stop for r in requests], budgets, start, backend.eos_token_ids)
    # The grammar's mask first, then per-row sampling among the tokens it allows.
    processors: list[Any] = [BatchGrammarProcessor([r.grammar for r in rows])] if any(r.grammar for r in rows) else []
    processors += [RowSampler(requests, backend.seed_for(requests))] if RowSampler.wanted(requests) else []
    torch.manual_seed(backend.seed_for(requests))
    scored = any(r.logprobs for r in requests)  # per-step scores cost memory: only when asked for
    try:
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                logits_processor=LogitsProcessorList(processors),
                stopping_criteria=StoppingCriteriaList([stops]),
                output_scores=scored,
                return_dict_in_generate=True,
                **decoding_kwargs(backend, requests[0].temperature, max(budgets)),
            )
            # Log-probabilities of the chosen tokens under the distribution decoding used (grammar applied).
            logprobs = (
                model.compute_transition_scores(output.sequences, output.scores, normalize_logits=True).tolist()
                if scored
                else None
            )
    except RuntimeError as exc:  # e.g. out of memory: the batch's samples fail, the run goes on
        return [Response(error=f"generation failed: {first_line(exc)}") for _ in requests]
    tokens_in = encoded["attention_mask"].sum(dim=1).tolist()
    generated = output.sequences[:, start:].tolist()
    return [
        finish_row(
            backend,
            generated[i],
            stops.stopped_at[i],
            requests[i],
            int(tokens_in[i]),
            rows[i].meta,
            logprobs[i] if logprobs is not None and requests[i].logprobs else None,
        )
        for i in range(len(requests))
    ]


def finish_row(
    backend: Generator,
    tokens: list[int],
    stopped_at: int | None,
    request: Request,
    tokens_in: int,
    meta: dict,
    logprobs: list[float] | None = None,
) -> Response:
    """Cut one row at EOS, its stop or its budget, decode it and truncate at the first stop string.

    A row that used its whole budget without EOS or a stop string is marked ``meta["truncated"]``: its
    answer was cut off, not finished. With ``logprobs`` (``Request.logprobs``), ``meta["confidence"]`` is
    the probability of the whole answer: exp of the summed log-probabilities of its tokens (EOS included).
    """
    limit = min(len(tokens), request.max_tokens, len(tokens) if stopped_at is None else stopped_at)
    eos_at = next((i + 1 for i, t in enumerate(tokens[:limit]) if t in backend.eos_token_ids), None)
    length = limit if eos_at is None else eos_at
    text = backend.tokenizer.decode(tokens[:length], skip_special_tokens=True)
    answer = truncate_at_stop(text, request.stop)
    meta = dict(meta)
    if eos_at is None and length >= request.max_tokens and answer == text:
        meta["truncated"] = True
    if logprobs is not None:
        meta["confidence"] = math.exp(sum(logprobs[:length]))
    return Response(text=answer, tokens_in=tokens_in, tokens_out=length, meta=meta)


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """``text`` up to the earliest occurrence of any stop string."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=len(text))
    return text[:cut]
