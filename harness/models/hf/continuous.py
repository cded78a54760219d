"""Continuous batching for local causal models: transformers' paged-attention engine (``generate_batch``).

``model.generate`` decodes a padded batch in lock step: every row pays for the longest prompt's padding
and the batch runs until its slowest row ends. The continuous engine packs the active rows without
padding, starts a waiting request as soon as a row finishes, keeps the KV cache in preallocated pages
(no per-step concatenation) and shares cached pages between prompts that start alike (the task's
system prompt). Greedy outputs are the same tokens; ``bench/vs_lm_eval.py`` and
``bench/vs_lm_eval.py --continuous`` measures the speed and counts identical outputs.

Opt-in (``--model-arg continuous=true``): on this project's 2-core CPU the engine is slower than padded
``generate`` (bench/README.md): its packed attention runs every query against the whole batch's keys
and repeats the grouped KV heads (``repeat_kv``) at every step, where the padded decode step attends one
row to its own keys. It is meant for accelerators, where paged-attention kernels avoid both.

The engine serves plain greedy generation only. A batch with a grammar (``--constrained``),
log-probabilities or sampling, a seq2seq model, or ``--model-arg continuous=false`` goes to the padded
``generate`` path (``generation.py``). Stop strings are applied to the finished text (the engine stops at
EOS or the budget): a row that runs past its stop costs its own slot, never the other rows'.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from harness.models.hf.generation import Generator, finish_row
from harness.types import Request, Response

PAGE_SIZE = 256  # tokens per KV page (transformers' default)
MIN_BATCH_TOKENS = 2048  # tokens per forward pass: prefill chunks and decode rows together


def serves(backend: Generator, requests: list[Request]) -> bool:
    """Whether the continuous engine can generate this batch exactly as the padded path would."""
    return (
        backend.continuous
        and backend.arch == "causal"
        and bool(requests)
        and all(
            r.temperature == 0 and not r.logprobs and backend.grammars.for_request(r).grammar is None for r in requests
        )
    )


def engine_config(rows: int, prompts: list[list[int]], max_new: int) -> Any:
    """Pages for ``rows`` requests at once, each as long as the longest prompt plus its budget."""
    from transformers import ContinuousBatchingConfig

    longest = max(len(p) for p in prompts) + max_new
    pages_per_row = math.ceil(longest / PAGE_SIZE) + 1
    return ContinuousBatchingConfig(
        page_size=PAGE_SIZE,
        num_blocks=rows * pages_per_row + rows,
        max_batch_tokens=max(MIN_BATCH_TOKENS, max(len(p) for p in prompts) + rows),
        max_requests_per_batch=rows,
    )


def generate_continuous(backend: Generator, requests: list[Request], prompts: list[str]) -> list[Response]:
    """Generate every request through the engine, at most ``backend.batch_rows`` rows at a time.

    Requests with different budgets run as separate engine calls (one budget per call). A request the
    engine did not answer gets an error Response naming the engine's message.
    """
    from transformers import GenerationConfig

    tokenizer, model = backend.tokenizer, backend.model
    chat = bool(tokenizer.chat_template)  # the template already holds any BOS token
    ids = [tokenizer(p, add_special_tokens=not chat)["input_ids"] for p in prompts]
    responses: list[Response | None] = [None] * len(requests)
    budgets: dict[int, list[int]] = {}
    for index, request in enumerate(requests):
        budgets.setdefault(request.max_tokens, []).append(index)
    for max_new, indices in budgets.items():
        config = GenerationConfig(
            max_new_tokens=max_new,
            do_sample=False,
            num_beams=1,
            eos_token_id=backend.eos_token_ids,
            pad_token_id=tokenizer.pad_token_id,
        )
        inputs = [ids[i] for i in indices]
        engine = engine_config(backend.batch_rows, inputs, max_new)
        outputs = run_engine(model, inputs, config, engine)
        for position, index in enumerate(indices):
            output = outputs.get(position)
            if output is None or output.error:
                why = output.error if output is not None and output.error else "no result from the engine"
                responses[index] = Response(error=f"generation failed: {str(why).splitlines()[0][:200]}")
                continue
            responses[index] = finish(backend, list(output.generated_tokens), requests[index], len(ids[index]))
    return [r for r in responses if r is not None]


def run_engine(model: Any, inputs: list[list[int]], config: Any, engine: Any) -> dict[int, Any]:
    """``generate_batch`` quietly: {input position: GenerationOutput}. The engine's own ids are ``req_<n>``."""
    import torch

    quiet = logging.getLogger("transformers.generation.continuous_batching")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # it logs every start and stop of its manager at INFO/WARNING
    try:
        with torch.inference_mode():
            results = model.generate_batch(
                inputs, generation_config=config, continuous_batching_config=engine, warmup=False
            )
    finally:
        quiet.setLevel(level)
    # Ids are req_<n> in submission order; the counter is per manager, and each call builds a fresh one.
    ordered = sorted(results.values(), key=lambda out: int(str(out.request_id).rsplit("_", 1)[-1]))
    return dict(enumerate(ordered)) if len(ordered) == len(inputs) else by_prompt(inputs, ordered)


def by_prompt(inputs: list[list[int]], outputs: list[Any]) -> dict[int, Any]:
    """Match partial results back to their inputs by prompt ids (the engine dropped some requests)."""
    found: dict[int, Any] = {}
    for output in outputs:
        for position, prompt in enumerate(inputs):
            if position not in found and list(output.prompt_ids) == prompt:
                found[position] = output
                break
    return found


def finish(backend: Generator, tokens: list[int], request: Request, tokens_in: int) -> Response:
    """Cut the row at its first stop string (counting tokens up to it), then as the padded path does."""
    stopped_at = stop_index(backend.tokenizer, tokens, request.stop)
    return finish_row(backend, tokens, stopped_at, request, tokens_in, {})


def stop_index(tokenizer: Any, tokens: list[int], stops: tuple[str, ...] | list[str]) -> int | None:
    """How many tokens the padded path would have generated before a stop string ended the row, or None.

    The padded path checks after every token whether the text so far contains a stop string; the
    first such length is the answer (a binary search over prefixes: containment is monotone).
    """
    wanted = [s for s in stops if s]
    if not wanted or not tokens:
        return None

    def contains(n: int) -> bool:
        text = tokenizer.decode(tokens[:n], skip_special_tokens=True)
        return any(s in text for s in wanted)

    if not contains(len(tokens)):
        return None
    low, high = 1, len(tokens)
    while low < high:
        middle = (low + high) // 2
        if contains(middle):
            high = middle
        else:
            low = middle + 1
    return low
