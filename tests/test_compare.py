"""``harness compare``: paired differences known by hand, cost ratios, verdict wording, outputs, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from harness.compare import compare, cost_ratio_text, to_json, to_markdown
from harness.errors import BadInput
from harness.metrics.stats import mcnemar_exact, paired_bootstrap
from harness.runner import run_eval
from harness.types import RunConfig
from tests.conftest import TASK_DIR

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
N = 40  # echo examples per split (its default)
MINUS = "\u2212"


def answer(split: str, i: int) -> str:
    word = f"{WORDS[i % 10]}{i}" if split != "ood" else f"{WORDS[i % 10]}-{split}-{i}"
    return word.upper()


def echo_run(
    db: str, tmp_path: Path, label: str, wrong: dict[str, set[int]], cost: float | None = None, cached: bool = False
) -> str:
    """A complete echo run (test, ood), wrong exactly at ``wrong[split]``; each sample costs ``cost``."""
    replay = tmp_path / f"{label}.jsonl"
    with replay.open("w") as handle:
        for split in ("test", "ood"):
            for i in range(N):
                output = "WRONG" if i in wrong.get(split, set()) else answer(split, i)
                handle.write(json.dumps({"id": f"{split}-{i:04d}", "output": output}) + "\n")
    config = RunConfig(task="echo", model=f"replay:{replay}", db=db, label=label, task_dir=str(TASK_DIR),
                       splits=("test", "ood"), batch_size=2 * N)  # fmt: skip
    run_id = run_eval(config).run_id
    if cost is not None:  # replay records no cost: price the run as an API backend would have
        with duckdb.connect(db) as con:
            con.execute("UPDATE samples SET cost_usd = ?, latency_ms = 100 WHERE run_id = ?", [cost, run_id])
            con.execute("UPDATE runs SET cost_usd = ? * n_samples WHERE run_id = ?", [cost, run_id])
            if cached:  # every answer came from the response cache: priced as before, nothing paid now
                con.execute("""UPDATE samples SET meta = '{"cached": true}' WHERE run_id = ?""", [run_id])
    return run_id


A_WRONG = {"test": set(range(4)), "ood": set(range(30))}  # test 36/40 = 0.9, ood 10/40 = 0.25
B_WRONG = {"test": set(range(20)), "ood": set(range(10))}  # test 20/40 = 0.5, ood 30/40 = 0.75


@pytest.fixture
def runs(db, tmp_path):
    echo_run(db, tmp_path, "small-ft", A_WRONG, cost=0.00005)  # $0.05 per 1,000 samples
    echo_run(db, tmp_path, "big-api", B_WRONG, cost=0.002)  # $2 per 1,000: 40× the small model
    return db


def test_paired_differences_known_by_hand(runs):
    report = compare("small-ft", "big-api", runs)
    test, ood = sorted(report.splits, key=lambda s: s.split != "test")
    assert (test.split, test.metric, test.test, test.n_paired) == ("test", "exact_match", "mcnemar", N)
    assert (test.a.value, test.b.value, test.diff) == (pytest.approx(0.9), pytest.approx(0.5), pytest.approx(0.4))
    # A right where B was wrong on 4..19 (16), never the other way: exact McNemar p = 2 · 2^-16
    assert test.p_value == pytest.approx(2 / 2**16) == mcnemar_exact(0, 16)
    b_values = [0.0 if i in B_WRONG["test"] else 1.0 for i in range(N)]
    a_values = [0.0 if i in A_WRONG["test"] else 1.0 for i in range(N)]
    boot = paired_bootstrap(b_values, a_values)
    assert (test.ci_low, test.ci_high) == (boot.ci_low, boot.ci_high) and 0 < test.ci_low < 0.4 < test.ci_high
    assert test.verdict == "better"
    # ood: A wrong and B right on 10..29 (20): −0.5
    assert (ood.diff, ood.p_value, ood.verdict) == (pytest.approx(-0.5), pytest.approx(2 / 2**20), "worse")
    assert test.a.cost_per_1k == pytest.approx(0.05) and test.b.cost_per_1k == pytest.approx(2.0)
    assert test.cost_ratio == pytest.approx(1 / 40)
    assert test.a.median_latency_ms == 100 and test.a.p95_latency_ms == 100


def test_verdict_wording(runs, db, tmp_path):
    report = compare("small-ft", "big-api", runs)
    (line,) = report.verdicts().values()
    test, ood = sorted(report.splits, key=lambda s: s.split != "test")
    assert line == (
        f"small-ft is better than big-api on echo/test (+0.40 [{test.ci_low:.2f}, {test.ci_high:.2f}]) "
        f"at 1/40 of the cost; worse on echo/ood ({MINUS}0.50 [{MINUS}{-ood.ci_low:.2f}, {MINUS}{-ood.ci_high:.2f}])"
    )
    echo_run(db, tmp_path, "near", {"test": set(range(5)), "ood": set(range(30))})  # one more wrong: −0.025
    (near,) = compare("near", "small-ft", db, splits=("test",)).verdicts().values()
    assert near.startswith(f"near is not distinguishable from small-ft on echo/test ({MINUS}0.03 [")
    assert near.endswith("(cost: near not priced)")


@pytest.mark.parametrize(
    ("a", "b", "text"),
    [
        (0.05, 2.0, "at 1/40 of the cost"),
        (6.0, 2.0, "at 3\u00d7 the cost"),
        (0.0, 2.0, "at no cost (B: $2 per 1,000 samples)"),
        (0.0, 0.0, "at the same cost (no money spent)"),
        (None, 2.0, "(cost: A not priced)"),
    ],
)
def test_cost_ratio_words(a, b, text):
    assert cost_ratio_text(a, b) == text


def test_markdown_and_json(runs):
    report = compare("small-ft", "big-api", runs)
    markdown = to_markdown(report)
    assert markdown.startswith("## small-ft vs big-api\n\n- small-ft is better than big-api on echo/test")
    assert "| echo/test | exact_match | 0.900 [" in markdown and "| $0.05 | $2 | 0.025 | $0.002 vs $0.08 |" in markdown
    payload = json.loads(to_json(report))
    assert payload["verdicts"]["echo"] == report.verdicts()["echo"]
    test = next(s for s in payload["splits"] if s["split"] == "test")
    assert test["diff"] == pytest.approx(0.4) and test["verdict"] == "better"
    assert test["a"]["cost_per_1k"] == pytest.approx(0.05) and test["cost_ratio"] == pytest.approx(0.025)
    assert payload["costs_per_1k"]["echo"] == {"a": pytest.approx(0.05), "b": pytest.approx(2.0)}


def test_an_unpriced_run_says_so_and_cached_answers_cost_nothing(db, tmp_path):
    echo_run(db, tmp_path, "local", A_WRONG)
    echo_run(db, tmp_path, "cached", B_WRONG, cost=0.002, cached=True)  # priced at $2 per 1,000, all from the cache
    report = compare("local", "cached", db)
    test = report.splits[0]
    assert (test.a.cost_per_1k, test.a.spent_usd, test.cost_ratio) == (None, None, None)
    assert (test.b.cost_per_1k, test.b.spent_usd, test.b.n_cached) == (pytest.approx(2.0), 0.0, N)
    assert "| not priced | $2 | — | — vs $0 (40 cached) |" in to_markdown(report)
    assert ") (cost: local not priced); worse on echo/ood" in report.verdicts()["echo"]


def cli(*args: str) -> subprocess.CompletedProcess:
    """The real entry point, with the compare command registered (until harness.cli imports it)."""
    code = "from harness.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "COLUMNS": "250"})  # fmt: skip


def test_cli_prints_the_table_and_verdicts_and_writes_files(runs, tmp_path):
    md_path, json_path = tmp_path / "out" / "compare.md", tmp_path / "compare.json"
    result = cli("compare", "small-ft", "big-api", "--db", runs, "--markdown", str(md_path), "--json", str(json_path))
    assert result.returncode == 0, result.stderr
    assert "small-ft is better than big-api on echo/test (+0.40" in result.stdout
    assert "echo/ood" in result.stdout and "$0.05" in result.stdout
    assert md_path.read_text().startswith("## small-ft vs big-api")
    assert json.loads(json_path.read_text())["a"] == "small-ft"
    one_split = cli("compare", "small-ft", "big-api", "--db", runs, "--split", "ood", "--task", "echo")
    assert one_split.returncode == 0 and "echo/test" not in one_split.stdout


def data_run(db: str, tmp_path: Path, label: str, texts: dict[str, str]) -> str:
    """A complete echo run on a ``--data`` file of ``{id: text}``, every answer right."""
    data, replay = tmp_path / f"{label}-data.jsonl", tmp_path / f"{label}-replay.jsonl"
    data.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts.items()))
    replay.write_text("".join(json.dumps({"id": i, "output": t.upper()}) + "\n" for i, t in texts.items()))
    config = RunConfig(
        task="echo", model=f"replay:{replay}", db=db, label=label, task_dir=str(TASK_DIR), data=str(data)
    )
    return run_eval(config).run_id


def test_not_comparable_exits_2_in_one_line(db, tmp_path):
    data_run(db, tmp_path, "a", {"a": "apple", "b": "berry"})
    data_run(db, tmp_path, "other", {"x": "apple", "y": "berry"})
    data_run(db, tmp_path, "changed", {"a": "apple", "b": "banana"})
    with pytest.raises(BadInput, match="share no example ids"):
        compare("a", "other", db)
    for ref, needle in (("other", "share no example ids"), ("changed", "have a different input"),
                        ("nope", "no run id or complete run labelled 'nope'")):  # fmt: skip
        result = cli("compare", "a", ref, "--db", db)
        assert result.returncode == 2, (result.stdout, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr, result.stderr
