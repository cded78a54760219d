"""Grammar engines on the shipped schema_json schemas: compile time, per-token mask time, decoding overhead.

    python bench/constrained.py [--walk 64] [--n 8] [--max-tokens 96]

The JSONSchemaBench/MaskBench measures, for xgrammar and llguidance in one run on smollm2-135m's
tokenizer (49,152 tokens):

- tokenizer indexing: the one-off cost of each engine's vocabulary index;
- compile time per schema: every distinct schema of ``test`` and ``ood`` (34), compiled once each
  (median, p95, max);
- mask time per token: ``fill`` of the next-token bitmask along a random walk through each schema's
  grammar (``--walk`` tokens, the same seed for both engines; median, p95);
- decoding overhead: smollm2-135m, greedy, the first ``--n`` ``test`` prompts, one batch, without a
  grammar and with each engine (1 torch thread); seconds per generated token, and the ratio to free
  decoding on the same prompts. Compilation is excluded there (warmed first) and reported above.

Ratios are measured in the same process, engines interleaved; absolute figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from typing import Any

import torch

from harness.models.base import LoadOptions
from harness.models.builtin import converted_checkpoint
from harness.models.hf.backend import HFArgs, HFBackend
from harness.models.hf.checkpoint import load_model
from harness.models.hf.grammar_engines import ENGINES, GrammarRefused, make_engine
from harness.task import RenderOptions
from harness.tasks.schema_json.task import SchemaJsonTask


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def shipped_schemas() -> list[dict[str, Any]]:
    """Every distinct schema of schema_json's test and ood splits, in file order."""
    seen: dict[str, dict[str, Any]] = {}
    task = SchemaJsonTask()
    for split in ("test", "ood"):
        for example in task.load(split):
            seen.setdefault(json.dumps(example.inputs["schema"], sort_keys=True), example.inputs["schema"])
    return list(seen.values())


def allowed_tokens(bitmask: torch.Tensor, vocab: int) -> torch.Tensor:
    """Token ids whose bit is set in row 0 of an int32 bitmask."""
    bits = (bitmask[0].to(torch.int64).unsqueeze(-1) >> torch.arange(32)) & 1
    return bits.flatten()[:vocab].nonzero().flatten()


def engine_measures(name: str, backend: HFBackend, schemas: list[dict[str, Any]], walk: int) -> dict[str, Any]:
    """Indexing, compile and mask times of one engine."""
    import xgrammar as xgr

    vocab = backend.model.config.vocab_size
    engine = make_engine(name, backend.tokenizer, vocab, backend.eos_token_ids)
    start = time.perf_counter()
    engine.compile({"type": "boolean"})  # builds the tokenizer index
    indexing = time.perf_counter() - start
    compile_s, mask_s, refused = [], [], 0
    for index, schema in enumerate(schemas):
        start = time.perf_counter()
        try:
            compiled = engine.compile(schema)
        except GrammarRefused:
            refused += 1
            continue
        compile_s.append(time.perf_counter() - start)
        rng = random.Random(index)
        matcher = compiled.matcher()
        bitmask = xgr.allocate_token_bitmask(1, vocab)
        for _ in range(walk):
            bitmask.fill_(-1)
            start = time.perf_counter()
            matcher.fill(bitmask, 0)
            mask_s.append(time.perf_counter() - start)
            choices = [t for t in allowed_tokens(bitmask, vocab).tolist() if t not in backend.eos_token_ids]
            if not choices or not matcher.accept(rng.choice(choices)):
                break
    return {"indexing_s": indexing, "compile_s": compile_s, "mask_s": mask_s, "refused": refused}


def decode_seconds(backend: HFBackend, requests: list[Any]) -> tuple[float, int]:
    """Wall seconds and generated tokens of one batch."""
    start = time.perf_counter()
    responses = backend.generate_sync(requests)
    return time.perf_counter() - start, sum(r.tokens_out or 0 for r in responses)


def main() -> None:
    """Measure both engines and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walk", type=int, default=64, help="tokens of each random walk")
    parser.add_argument("--n", type=int, default=8, help="prompts for the decoding overhead")
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    torch.set_num_threads(1)
    path = converted_checkpoint()
    backends = {
        name: load_model(path, "causal", HFArgs(grammar=name), LoadOptions(batch_size=args.n, constrained=True), name)
        for name in ENGINES
    }
    schemas = shipped_schemas()
    print(f"{len(schemas)} schemas (schema_json test + ood), walk {args.walk} tokens, torch threads 1")
    print("engine      version  indexing_s  compile_ms median  p95     max    mask_us median  p95  refused")
    for name, backend in backends.items():
        m = engine_measures(name, backend, schemas, args.walk)
        c, k = [s * 1e3 for s in m["compile_s"]], [s * 1e6 for s in m["mask_s"]]
        version = backend.grammars.fingerprint["version"]
        print(
            f"{name:<11} {version:<8} {m['indexing_s']:>10.3f}  {statistics.median(c):>17.2f}  {p95(c):>6.2f} "
            f"{max(c):>6.1f}  {statistics.median(k):>14.1f}  {p95(k):>6.1f}  {m['refused']:>7}"
        )
    task = SchemaJsonTask()
    examples = list(task.load("test"))[: args.n]
    opts = RenderOptions(caps=backends["xgrammar"].caps, constrained=True)
    constrained = [replace(task.render(e, opts), max_tokens=args.max_tokens) for e in examples]
    free = [replace(r, constrained=False) for r in constrained]
    for backend in backends.values():  # compile and warm up outside the timed passes
        backend.generate_sync(constrained[:1])
    timings: dict[str, list[float]] = {"free": [], **{name: [] for name in ENGINES}}
    for _ in range(2):  # interleaved: a noisy neighbour hits every side alike; best pass kept
        seconds, tokens = decode_seconds(backends["xgrammar"], free)
        timings["free"].append(seconds / max(tokens, 1))
        for name, backend in backends.items():
            seconds, tokens = decode_seconds(backend, constrained)
            timings[name].append(seconds / max(tokens, 1))
    base = min(timings["free"])
    print(f"\ndecoding, smollm2-135m greedy, {args.n} test prompts in one batch, max_tokens {args.max_tokens}")
    print("decoding     ms/token  ratio to free")
    for name, values in timings.items():
        print(f"{name:<12} {min(values) * 1e3:>8.2f}  {min(values) / base:>13.2f}")


if __name__ == "__main__":
    main()
