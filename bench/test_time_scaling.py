"""Test-time scaling k-curves of the built-in smollm2-135m: N sampled attempts per example, then vote / verify /
pass@k / pass^k at every k, with the tokens (and dollars) spent per example, beside the greedy single answer.

    python bench/test_time_scaling.py --limit 30 --samples 8             # gis_command and function_calling
    python bench/test_time_scaling.py --task gis_command --limit 10 --max-tokens 96
    python bench/test_time_scaling.py --task gis_command --model ./gis-full --db k.duckdb --price-out 0.02

``--model`` takes any local model ``harness run`` takes (a ``harness finetune`` checkpoint, say); ``--db`` keeps
the two runs (the leaderboard's cost page then plots each k); ``--price-in``/``--price-out`` assign the
model a price in USD per million tokens (a local model has none of its own), so the dollar column is not 0.

Everything runs on one torch thread, offline, into a throw-away store unless ``--db`` names one. The greedy
run (N = 1, temperature 0) is the reference each curve is read against: it is what ``harness run`` measures
without ``--samples``.
``--max-tokens`` caps every answer (a ``--model-arg max_tokens``) when the machine is too slow for the
task's own budget; the output says so.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from harness.metrics.selection import metric_name, parse_metric_name
from harness.runner import RunSummary, run_eval
from harness.types import RunConfig

FAMILIES = ("vote", "verify", "pass", "pass^", "tokens", "cost_usd")


def run(task: str, db: str, args: argparse.Namespace, samples: int) -> tuple[RunSummary, float]:
    """One run of ``--model`` on the task's first ``--limit`` test and ood examples; (summary, wall seconds)."""
    model_args = {"max_tokens": str(args.max_tokens)} if args.max_tokens else {}
    for name in ("price_in", "price_out"):
        if getattr(args, name) is not None:
            model_args[name] = str(getattr(args, name))
    config = RunConfig(
        task=task,
        model=args.model,
        splits=("test", "ood"),
        limit=args.limit,
        samples=samples,
        db=db,
        cache=False,
        label=f"{args.label or Path(args.model).name}{'' if samples == 1 else f' N={samples}'}",
        threads=1,
        batch_size=args.batch_size,
        model_args=model_args,
        seed=args.seed,
    )
    started = time.perf_counter()
    summary = run_eval(config)
    return summary, time.perf_counter() - started


def print_curves(task: str, greedy: RunSummary, sampled: RunSummary) -> None:
    """Per split: the greedy answer, attempt 0 of the sampled run, then each selector at every k."""
    for split, curves in sampled.k_curves.items():
        primary = sampled.primary[split]
        reference = greedy.metrics[split][primary]
        first = sampled.metrics[split][primary]
        print(f"\n{task} · {split} · {primary} (n={first.n})")
        print(f"  greedy, N=1:             {reference.value:.3f} [{reference.ci_low:.3f}, {reference.ci_high:.3f}]")
        print(f"  first (attempt 0, T>0):  {first.value:.3f} [{first.ci_low:.3f}, {first.ci_high:.3f}]")
        print(f"  {'k':>3} {'vote':>7} {'verify':>7} {'pass@k':>7} {'pass^k':>7} {'tokens':>8} {'$/example':>10}")
        for k in sorted({parsed[1] for parsed in map(parse_metric_name, curves) if parsed}):
            cells = []
            for family in FAMILIES:
                m = curves.get(metric_name(family, k))
                if m is None:
                    cells.append("-")
                elif family == "tokens":
                    cells.append(f"{m.value:.0f}")
                elif family == "cost_usd":
                    cells.append(f"{m.value:.6f}")
                else:
                    cells.append(f"{m.value:.3f}")
            print(f"  {k:>3} {cells[0]:>7} {cells[1]:>7} {cells[2]:>7} {cells[3]:>7} {cells[4]:>8} {cells[5]:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", action="append", help="task(s); default gis_command and function_calling")
    parser.add_argument("--limit", type=int, default=30, help="first N examples of test and of ood")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=None, help="cap every answer (slow machines)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="smollm2-135m", help="a local model harness run takes")
    parser.add_argument("--label", default=None, help="the runs' label (default: the model's name)")
    parser.add_argument("--db", default=None, help="keep the runs in this store (default: a throw-away one)")
    parser.add_argument("--price-in", type=float, default=None, help="USD per million prompt tokens")
    parser.add_argument("--price-out", type=float, default=None, help="USD per million generated tokens")
    args = parser.parse_args()
    torch.set_num_threads(1)
    tasks = args.task or ["gis_command", "function_calling"]
    cap = f", answers capped at {args.max_tokens} tokens" if args.max_tokens else ""
    priced = args.price_in is not None or args.price_out is not None
    price = (
        f"assigned price ${args.price_in or 0:g} / ${args.price_out or 0:g} per 1M tokens in / out (no money spent)"
        if priced
        else "local price not set, so $ is 0"
    )
    print(
        f"{args.model}, 1 torch thread, first {args.limit} test + {args.limit} ood examples, "
        f"N={args.samples} at temperature 0.7{cap}; {price}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for task in tasks:
            db = args.db or str(Path(tmp) / f"{task}.duckdb")
            greedy, greedy_s = run(task, db, args, samples=1)
            sampled, sampled_s = run(task, db, args, samples=args.samples)
            print_curves(task, greedy, sampled)
            print(
                f"  wall: greedy {greedy_s:.0f}s ({greedy.tokens_out} tokens out), "
                f"N={args.samples} {sampled_s:.0f}s ({sampled.tokens_out} tokens out), "
                f"ratio {sampled_s / greedy_s:.1f}x"
            )


if __name__ == "__main__":
    main()
