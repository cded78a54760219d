"""``harness run`` against lm-evaluation-harness on the same prompts: wall time and outputs.

    python bench/vs_lm_eval.py [--n 32] [--batch-size 8] [--repeats 1] [--task schema_json] [--continuous]

The task is exported with ``harness export-task --format lm-eval`` (harness/interop/lmeval/export.py), so both
sides see the same chat messages for the first N ``test`` examples. Both run smollm2-135m (the weights
harness converts once; loading is excluded on both sides), greedy, with the task's token budget and
stop strings, at the same batch size:

- lm-eval: ``simple_evaluate`` with its ``hf`` backend (``HFLM`` over the same model object),
  ``apply_chat_template=True``, timed around ``simple_evaluate`` (its TaskManager is built beforehand and
  its build time printed apart: that index of lm-eval's task zoo is a fixed cost of every lm-eval run);
- harness: ``run_eval`` end to end (render, generate, score, store every sample in DuckDB, bootstrap
  CIs), response cache off, timed by its own ``wall_s``;
- raw generate: the floor of padded greedy decoding on this machine: tokenize, ``model.generate``,
  decode (``local_generate.raw_generate``) over the prompts in lm-eval's order (longest first, the
  least padding), nothing else;
- with ``--continuous``, also harness with ``--model-arg continuous=true`` (transformers' engine).

Sides alternate within each repeat so a noisy neighbour hits all alike; the best of each is compared.
Prints the throughput ratios lm_eval_time / harness_time (target: >= 1.2) and lm_eval_time / raw_time
(the most any padded decoder could gain), and how many outputs equal lm-eval's, with the first
difference of each unequal pair.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from local_generate import harness_run, raw_generate

from harness.interop.lmeval.export import export_tasks, lm_eval_name
from harness.models.base import LoadOptions
from harness.models.hf import render_prompt
from harness.registry import get_task, resolve_model
from harness.task import RenderOptions

MODEL = "smollm2-135m"


def lm_eval_side(lm: Any, manager: Any, name: str, n: int) -> tuple[float, dict[str, str]]:
    """lm-eval's evaluator on the exported task: (seconds, {example id: generated text})."""
    from lm_eval import simple_evaluate

    start = time.perf_counter()
    results = simple_evaluate(
        model=lm, tasks=[name], task_manager=manager, limit=n, apply_chat_template=True, log_samples=True
    )
    seconds = time.perf_counter() - start
    assert results is not None
    return seconds, {s["doc"]["id"]: s["resps"][0][0] for s in results["samples"][name]}


def harness_side(
    task: str, order: list[str], batch_size: int, db: Path, args: dict[str, str]
) -> tuple[float, dict[str, str]]:
    """``local_generate.harness_run`` (run_eval into a fresh store, cache off): (wall_s, {example id: output})."""
    seconds, texts, _ = harness_run(task, len(order), batch_size, db, args)
    return seconds, dict(zip(order, texts, strict=True))


def first_difference(a: str, b: str) -> str:
    """Where two texts part, with a little context."""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at char {at}: lm-eval {a[max(0, at - 20) : at + 20]!r} vs harness {b[max(0, at - 20) : at + 20]!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="schema_json")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--continuous", action="store_true", help="also harness with --model-arg continuous=true")
    args = parser.parse_args()

    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    backend = resolve_model(MODEL, opts=LoadOptions(batch_size=args.batch_size))
    lm = HFLM(pretrained=backend.model, tokenizer=backend.tokenizer, batch_size=args.batch_size)
    name = lm_eval_name(args.task, "test")
    task = get_task(args.task)
    examples = list(task.load("test"))[: args.n]
    requests = {e.id: task.render(e, RenderOptions(caps=backend.caps)) for e in examples}
    # lm-eval's batches: longest prompt first.
    tokens = {i: len(backend.tokenizer(render_prompt(backend.tokenizer, r))["input_ids"]) for i, r in requests.items()}
    longest_first = sorted(requests, key=lambda i: -tokens[i])
    sides: dict[str, list[float]] = {"lm-eval (hf)": [], "harness": [], "raw generate": []}
    if args.continuous:
        sides["harness, continuous"] = []
    outputs: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        export_tasks(args.task, "lm-eval", Path(tmp) / "export")
        start = time.perf_counter()
        manager = TaskManager(include_path=str(Path(tmp) / "export"))
        index_s = time.perf_counter() - start
        for rep in range(args.repeats):
            seconds, outputs["lm-eval (hf)"] = lm_eval_side(lm, manager, name, args.n)
            sides["lm-eval (hf)"].append(seconds)
            seconds, outputs["harness"] = harness_side(
                args.task, [e.id for e in examples], args.batch_size, Path(tmp) / f"h{rep}.duckdb", {}
            )
            sides["harness"].append(seconds)
            seconds, texts, _ = raw_generate(backend, [requests[i] for i in longest_first], args.batch_size)
            outputs["raw generate"] = dict(zip(longest_first, texts, strict=True))
            sides["raw generate"].append(seconds)
            if args.continuous:
                seconds, outputs["harness, continuous"] = harness_side(
                    args.task,
                    [e.id for e in examples],
                    args.batch_size,
                    Path(tmp) / f"c{rep}.duckdb",
                    {"continuous": "true"},
                )
                sides["harness, continuous"].append(seconds)
            print(f"pass {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in sides.items()), flush=True)

    order = [e.id for e in examples]
    made = sum(len(backend.tokenizer(outputs["harness"][i], add_special_tokens=False)["input_ids"]) for i in order)
    print(f"model {MODEL}, task {args.task}, {args.n} prompts, batch size {args.batch_size}, ", end="")
    print(f"torch threads {torch.get_num_threads()}, ~{made} generated tokens per side")
    print(f"lm-eval TaskManager index (not in the times below): {index_s:.2f} s")
    for side, times in sides.items():
        print(f"{side:<16} best {min(times):8.2f} s   passes {', '.join(f'{t:.2f}' for t in times)}")
    reference = outputs["lm-eval (hf)"]
    for side in sides:
        if side == "lm-eval (hf)":
            continue
        same = [i for i in order if outputs[side][i] == reference[i]]
        print(f"identical outputs, {side} vs lm-eval: {len(same)}/{len(order)}")
        for i in [i for i in order if i not in same][:3]:
            print(f"  {i}: {first_difference(reference[i], outputs[side][i])}")
    best = {side: min(times) for side, times in sides.items()}
    print(f"throughput ratio harness / lm-eval = {best['lm-eval (hf)'] / best['harness']:.3f}  (target >= 1.2)")
    print(f"throughput ratio raw generate / lm-eval = {best['lm-eval (hf)'] / best['raw generate']:.3f}  (the floor)")
    if "harness, continuous" in best:
        ratio = best["lm-eval (hf)"] / best["harness, continuous"]
        print(f"throughput ratio harness continuous / lm-eval = {ratio:.3f}")
    print(json.dumps({side: round(min(times), 3) for side, times in sides.items()}))


if __name__ == "__main__":
    main()
