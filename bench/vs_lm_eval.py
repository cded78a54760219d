"""``harness run`` against lm-evaluation-harness on the same prompts: wall time and outputs.

    python bench/vs_lm_eval.py [--n 32] [--batch-size 8] [--repeats 1] [--task schema_json] [--shots 0]
                               [--ablate] [--no-raw] [--continuous]

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
- with ``--continuous``, also harness with ``--model-arg continuous=true`` (transformers' engine);
- with ``--ablate``, the harness backend alone (``generate_sync`` over the batches ``run_eval`` makes, no store)
  with neither, each and both of shared-prefix KV reuse and prompt lookup (harness/models/hf/prefix_cache.py,
  prompt_lookup.py): each feature's own contribution, on the same model object, with each side's peak RSS.

``--shots K`` gives harness its ``--shots K`` (K train examples as earlier chat turns) and lm-eval the same K
examples, in the same order, as multi-turn few-shot (``fewshot_as_multiturn``; a ``train`` docs file and
``fewshot_split``/``first_n`` written into the exported YAML): the identical-output counts check that both
saw the same prompts.

Sides alternate within each repeat so a noisy neighbour hits all alike; the best of each is compared.
Prints the throughput ratios lm_eval_time / harness_time and lm_eval_time / raw_time (the floor of padded
greedy ``generate``), how many outputs equal lm-eval's, with the first difference of each unequal pair, and
with ``--ablate`` each backend side's time, ratio to the side with both features off, and peak RSS (the
process's high-water mark, reset before each side through /proc/self/clear_refs).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from local_generate import harness_run, raw_generate

from harness.interop.lmeval.export import LOCAL_CHAT, doc_for, export_tasks, lm_eval_name
from harness.models.base import LoadOptions
from harness.models.hf import render_prompt
from harness.models.hf.prefix_cache import PrefixCache
from harness.registry import get_task, resolve_model
from harness.runner import few_shot_examples
from harness.task import RenderOptions

MODEL = "smollm2-135m"


ABLATIONS = {
    "both off": (False, False),
    "prefix cache": (True, False),
    "prompt lookup": (False, True),
    "both": (True, True),
}


def lm_eval_side(lm: Any, manager: Any, name: str, n: int, shots: int) -> tuple[float, dict[str, str]]:
    """lm-eval's evaluator on the exported task: (seconds, {example id: generated text})."""
    from lm_eval import simple_evaluate

    start = time.perf_counter()
    results = simple_evaluate(
        model=lm,
        tasks=[name],
        task_manager=manager,
        limit=n,
        apply_chat_template=True,
        log_samples=True,
        fewshot_as_multiturn=shots > 0,
    )
    seconds = time.perf_counter() - start
    assert results is not None
    return seconds, {s["doc"]["id"]: s["resps"][0][0] for s in results["samples"][name]}


def harness_side(
    task: str, order: list[str], batch_size: int, db: Path, args: dict[str, str], shots: int = 0
) -> tuple[float, dict[str, str]]:
    """``local_generate.harness_run`` (run_eval into a fresh store, cache off): (wall_s, {example id: output})."""
    seconds, texts, _ = harness_run(task, len(order), batch_size, db, args, shots=shots)
    return seconds, dict(zip(order, texts, strict=True))


def add_shots(export: Path, task: Any, name: str, shots: int, seed: int = 0) -> None:
    """Give the exported test task harness's ``--shots`` examples as lm-eval few-shot docs, in harness's order."""
    examples = few_shot_examples(task, shots, seed)
    opts = RenderOptions(caps=LOCAL_CHAT.caps)
    docs = [{**doc_for(task, e, task.render(e, opts), None), "split": "train"} for e in examples]
    (export / task.name / "train.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
    yaml = export / f"{name}.yaml"
    text = yaml.read_text().replace(
        f'    "test": "{task.name}/test.jsonl"\n',
        f'    "test": "{task.name}/test.jsonl"\n    "train": "{task.name}/train.jsonl"\n',
    )
    text = text.replace("num_fewshot: 0\n", f'num_fewshot: {shots}\nfewshot_split: train\ntarget_delimiter: ""\n')
    yaml.write_text(text + "fewshot_config:\n  sampler: first_n\n")


def peak_rss_reset() -> None:
    """Reset this process's peak resident set size (Linux: writing 5 to /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """This process's peak resident set size since the last reset, in MiB (VmHWM)."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def backend_side(
    backend: Any, requests: list[Any], batch_size: int, features: tuple[bool, bool]
) -> tuple[float, list[str], float]:
    """The backend alone over ``run_eval``'s batches with the features set: (seconds, texts, peak RSS MiB)."""
    backend.prefix_cache = PrefixCache() if features[0] else None
    backend.prompt_lookup = features[1]
    peak_rss_reset()
    start = time.perf_counter()
    texts: list[str] = []
    for at in range(0, len(requests), batch_size):
        responses = backend.generate_sync(requests[at : at + batch_size])
        errors = [r.error for r in responses if r.error]
        if errors:
            raise SystemExit(f"backend side had sample errors, e.g. {errors[0]}")
        texts += [r.text for r in responses]
    return time.perf_counter() - start, texts, peak_rss_mib()


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
    parser.add_argument("--shots", type=int, default=0, help="few-shot examples (harness --shots, lm-eval multi-turn)")
    parser.add_argument("--ablate", action="store_true", help="also the backend with each feature on and off")
    parser.add_argument("--no-raw", action="store_true", help="leave out the raw generate side")
    parser.add_argument("--continuous", action="store_true", help="also harness with --model-arg continuous=true")
    args = parser.parse_args()
    torch.set_num_threads(1)

    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    backend = resolve_model(MODEL, opts=LoadOptions(batch_size=args.batch_size))
    lm = HFLM(pretrained=backend.model, tokenizer=backend.tokenizer, batch_size=args.batch_size)
    name = lm_eval_name(args.task, "test")
    task = get_task(args.task)
    examples = list(task.load("test"))[: args.n]
    opts = RenderOptions(caps=backend.caps, shots=few_shot_examples(task, args.shots, 0))
    requests = {e.id: task.render(e, opts) for e in examples}
    # lm-eval's batches: longest prompt first.
    tokens = {i: len(backend.tokenizer(render_prompt(backend.tokenizer, r))["input_ids"]) for i, r in requests.items()}
    longest_first = sorted(requests, key=lambda i: -tokens[i])
    sides: dict[str, list[float]] = {"lm-eval (hf)": [], "harness": []}
    if not args.no_raw:
        sides["raw generate"] = []
    if args.continuous:
        sides["harness, continuous"] = []
    peaks: dict[str, float] = {}
    outputs: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        export_tasks(args.task, "lm-eval", Path(tmp) / "export")
        if args.shots:
            add_shots(Path(tmp) / "export", task, name, args.shots)
        start = time.perf_counter()
        manager = TaskManager(include_path=str(Path(tmp) / "export"))
        index_s = time.perf_counter() - start
        for rep in range(args.repeats):
            seconds, outputs["lm-eval (hf)"] = lm_eval_side(lm, manager, name, args.n, args.shots)
            sides["lm-eval (hf)"].append(seconds)
            seconds, outputs["harness"] = harness_side(
                args.task, [e.id for e in examples], args.batch_size, Path(tmp) / f"h{rep}.duckdb", {}, args.shots
            )
            sides["harness"].append(seconds)
            if not args.no_raw:
                seconds, texts, _ = raw_generate(backend, [requests[i] for i in longest_first], args.batch_size)
                outputs["raw generate"] = dict(zip(longest_first, texts, strict=True))
                sides["raw generate"].append(seconds)
            for label, features in ABLATIONS.items() if args.ablate else ():
                side = f"backend, {label}"
                ordered = [requests[e.id] for e in examples]
                seconds, texts, peaks[side] = backend_side(backend, ordered, args.batch_size, features)
                outputs[side] = dict(zip([e.id for e in examples], texts, strict=True))
                sides.setdefault(side, []).append(seconds)
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
    print(f"throughput ratio harness / lm-eval = {best['lm-eval (hf)'] / best['harness']:.3f}")
    if "raw generate" in best:
        print(f"throughput ratio raw generate / lm-eval = {best['lm-eval (hf)'] / best['raw generate']:.3f}  (floor)")
    for side, peak in peaks.items():
        ratio = best["backend, both off"] / best[side]
        print(f"{side:<24} best {best[side]:8.2f} s  speed-up vs both off {ratio:.3f}  peak RSS {peak:.0f} MiB")
    if "harness, continuous" in best:
        ratio = best["lm-eval (hf)"] / best["harness, continuous"]
        print(f"throughput ratio harness continuous / lm-eval = {ratio:.3f}")
    print(json.dumps({side: round(min(times), 3) for side, times in sides.items()}))
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps({"sides": sides, "peaks_mib": peaks}))


if __name__ == "__main__":
    main()
