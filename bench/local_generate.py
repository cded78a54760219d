"""Harness overhead on a local model: ``harness run`` against a raw transformers ``generate`` loop.

    python bench/local_generate.py [--n 48] [--batch-size 8] [--repeats 2] [--task schema_json]
    python bench/local_generate.py --attempts 4 [--temperature 0.7] [--n 8] [--task intent]

Both sides use the same weights (smollm2-135m, loaded by the harness), the same prompts (the task's
first N ``test`` examples, rendered with the chat template), the same batch size and greedy
decoding with the same token budget. The raw side is what a user would write by hand: tokenize
with left padding, ``model.generate``, decode. The harness side is ``run_eval`` end to end (render,
generate, score, write every sample to a DuckDB file, aggregate with bootstrap CIs), timed from its
own ``wall_s`` (model loading excluded on both sides). Passes alternate raw/harness so a noisy
neighbour hits both alike; the best pass of each is compared.

Prints the throughput ratio raw_time / harness_time (target: ≥ 0.95) and how many outputs are
identical (greedy decoding should make them all equal).

``--attempts N`` measures instead what ``--samples N`` costs the backend: each example's request N times in
one batch (as the runner places an example's attempts), each attempt with its own seed, generated with the
shared-prefix cache off and on (harness/models/hf/prefix_cache.py: the N copies of a prompt are prefilled
once). Prints both times, their ratio and how many outputs are identical.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from harness.models.base import LoadOptions
from harness.registry import get_task, resolve_model
from harness.runner import run_eval
from harness.store import Store
from harness.task import RenderOptions
from harness.types import RunConfig

MODEL = "smollm2-135m"


def raw_generate(backend, requests, batch_size: int) -> tuple[float, list[str], int]:
    """A hand-written greedy loop over the same prompts: (seconds, texts, generated tokens)."""
    tokenizer, model = backend.tokenizer, backend.model
    tokenizer.padding_side = "left"
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in r.messages], add_generation_prompt=True, tokenize=False
        )
        for r in requests
    ]
    eos = backend.eos_token_ids
    texts: list[str] = []
    tokens = 0
    start = time.perf_counter()
    for i in range(0, len(prompts), batch_size):
        encoded = tokenizer(prompts[i : i + batch_size], padding=True, return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(
                **encoded,
                max_new_tokens=requests[i].max_tokens,
                do_sample=False,
                eos_token_id=eos,
                pad_token_id=tokenizer.pad_token_id,
            )
        for row in out[:, encoded["input_ids"].shape[1] :].tolist():
            length = next((j + 1 for j, t in enumerate(row) if t in eos), len(row))
            tokens += length
            texts.append(tokenizer.decode(row[:length], skip_special_tokens=True))
    return time.perf_counter() - start, texts, tokens


def harness_run(
    task: str, n: int, batch_size: int, db: Path, model_args: dict[str, str] | None = None, shots: int = 0
) -> tuple[float, list[str], int]:
    """``run_eval`` end to end into a fresh store, response cache off: (wall_s, texts in example order, tokens)."""
    config = RunConfig(
        shots=shots,
        task=task,
        model=MODEL,
        splits=("test",),
        limit=n,
        batch_size=batch_size,
        db=str(db),
        fresh=True,
        cache=False,
        model_args=model_args or {},
    )
    summary = run_eval(config)
    rows = {r["example_id"]: r for r in Store(db, read_only=True).iter_samples(summary.run_id)}
    order = [e.id for e in list(get_task(task).load("test"))[:n]]
    errors = [rows[i]["error"] for i in order if rows[i]["error"]]
    if errors:
        sys.exit(f"harness run had sample errors, e.g. {errors[0]}")
    return summary.wall_s, [rows[i]["output"] for i in order], sum(rows[i]["tokens_out"] or 0 for i in order)


def attempts(args: argparse.Namespace) -> None:
    """N seeded attempts per example in one batch, the shared-prefix cache off then on (``--attempts``)."""
    from dataclasses import replace

    from harness.models.hf.prefix_cache import PrefixCache

    task = get_task(args.task)
    backend = resolve_model(MODEL, opts=LoadOptions(batch_size=args.attempts))
    examples = list(task.load("test"))[: args.n]
    batches = [
        [
            replace(task.render(e, RenderOptions(caps=backend.caps)), temperature=args.temperature, seed=k)
            for k in range(args.attempts)
        ]
        for e in examples
    ]
    times: dict[str, list[float]] = {"prefix cache off": [], "prefix cache on": []}
    texts: dict[str, list[str]] = {}
    for _ in range(args.repeats):
        for side, cache in (("prefix cache off", None), ("prefix cache on", PrefixCache())):
            backend.prefix_cache = cache
            start = time.perf_counter()
            texts[side] = [r.text for batch in batches for r in backend.generate_sync(batch)]
            times[side].append(time.perf_counter() - start)
            print(f"{side}: {times[side][-1]:.2f} s", flush=True)
    same = sum(a == b for a, b in zip(texts["prefix cache off"], texts["prefix cache on"], strict=True))
    print(f"model {MODEL}, task {args.task}, {args.n} examples x {args.attempts} attempts (one batch each), ", end="")
    print(f"temperature {args.temperature}, torch threads {torch.get_num_threads()}")
    for side, values in times.items():
        print(f"{side:<17} best {min(values):.2f} s  passes {', '.join(f'{t:.2f}' for t in values)}")
    print(f"identical outputs: {same}/{len(texts['prefix cache on'])}")
    print(f"speed-up from the prefix cache = {min(times['prefix cache off']) / min(times['prefix cache on']):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="schema_json")
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--attempts", type=int, default=0, help="N seeded attempts per example in one batch")
    parser.add_argument("--temperature", type=float, default=0.7, help="the attempts' temperature (--attempts)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.attempts:
        attempts(args)
        return

    task = get_task(args.task)
    backend = resolve_model(MODEL, opts=LoadOptions(batch_size=args.batch_size))
    examples = list(task.load("test"))[: args.n]
    requests = [task.render(e, RenderOptions(caps=backend.caps)) for e in examples]

    raw_times, harness_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        raw_generate(backend, requests[: args.batch_size], args.batch_size)  # warm-up
        for rep in range(args.repeats):
            raw_s, raw_texts, raw_tokens = raw_generate(backend, requests, args.batch_size)
            harness_s, harness_texts, harness_tokens = harness_run(
                args.task, args.n, args.batch_size, Path(tmp) / f"{rep}.duckdb"
            )
            raw_times.append(raw_s)
            harness_times.append(harness_s)
            print(f"pass {rep + 1}: raw {raw_s:.2f} s ({raw_tokens} tokens), ", end="")
            print(f"harness {harness_s:.2f} s ({harness_tokens} tokens)")
    same = sum(a == b for a, b in zip(raw_texts, harness_texts, strict=True))
    best_raw, best_harness = min(raw_times), min(harness_times)
    print(f"model {MODEL}, task {args.task}, {args.n} prompts, batch size {args.batch_size}, ", end="")
    print(f"torch threads {torch.get_num_threads()}")
    for name, times, tokens in (
        ("raw generate", raw_times, raw_tokens),
        ("harness run", harness_times, harness_tokens),
    ):
        best, median = min(times), statistics.median(times)
        print(f"{name:<14} best {best:.2f} s  median {median:.2f} s  {tokens / best:.1f} generated tok/s")
    print(f"identical outputs: {same}/{len(raw_texts)}")
    print(f"throughput ratio harness/raw = {best_raw / best_harness:.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
