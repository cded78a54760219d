"""``harness gate``: paired tests, verdicts, comparability, reports, baseline files and the stored history."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import numpy as np
import pytest
from scipy import stats as scipy_stats

from harness.errors import BadInput
from harness.export import read_baseline, write_baseline
from harness.gate import GateOptions, GateSide, compare_task, run_gate, save_gate, to_junit, to_markdown
from harness.metrics.stats import _paired_means, _resampled_means, mcnemar_exact, paired_bootstrap
from harness.runner import run_eval
from harness.store import GATE_COLUMNS, SCHEMA_VERSION, Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR, harness_cli

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
N = 200  # echo examples per split: enough for a 20-sample drop to be significant


def echo_run(db: str, tmp_path: Path, label: str, wrong: set[int], n: int = N, **config) -> str:
    """A complete echo run (test split) whose replayed answers are wrong exactly at ``wrong``."""
    replay = tmp_path / f"{label}.jsonl"
    with replay.open("w") as handle:
        for i in range(n):
            answer = "WRONG" if i in wrong else f"{WORDS[i % 10]}{i}".upper()
            handle.write(json.dumps({"id": f"test-{i:04d}", "output": answer}) + "\n")
    options = {"splits": ("test",), "batch_size": n, **config}  # one batch: one store write
    run_config = RunConfig(task="echo", model=f"replay:{replay}", db=db, label=label, task_dir=str(TASK_DIR), **options)
    return run_eval(run_config).run_id


@pytest.fixture
def echo_n(monkeypatch):
    monkeypatch.setenv("ECHO_N", str(N))


BASE_WRONG = set(range(0, 200, 10))  # 20 wrong: 90% exact match


def assert_one_line_error(result, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---- the paired tests -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [(0, 0, 1.0), (1, 0, 1.0), (5, 0, 2 / 32), (0, 5, 2 / 32), (3, 7, 2 * (1 + 10 + 45 + 120) / 1024), (4, 4, 1.0)],
)
def test_mcnemar_exact_by_hand(b, c, expected):
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("b", "c"), [(1, 9), (12, 30), (40, 41), (100, 160), (450, 600), (0, 13)])
def test_mcnemar_exact_agrees_with_scipy_binomtest(b, c):
    reference = scipy_stats.binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
    assert mcnemar_exact(b, c) == pytest.approx(reference, rel=1e-9, abs=1e-300)


def test_paired_bootstrap_by_hand_and_seeded():
    same = paired_bootstrap([1, 0, 1, 1], [1, 0, 1, 1])
    assert (same.mean, same.ci_low, same.ci_high, same.p_value, same.n) == (0.0, 0.0, 0.0, 1.0, 4)
    shifted = paired_bootstrap([0.1, 0.5, 0.9], [0.3, 0.7, 1.1])  # every pair +0.2: no spread, all-or-nothing
    assert shifted.mean == pytest.approx(0.2) and shifted.ci_low == pytest.approx(0.2) and shifted.p_value < 1e-3
    base, cand = [0.2, 0.4, 0.9, 0.5, 0.1], [0.3, 0.1, 0.9, 0.8, 0.4]
    result = paired_bootstrap(base, cand, seed=7)
    assert result.mean == pytest.approx(np.mean(cand) - np.mean(base))
    assert result == paired_bootstrap(base, cand, seed=7)
    assert result.ci_low < result.mean < result.ci_high
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


def test_paired_bootstrap_agrees_with_scipy():
    rng = np.random.default_rng(0)
    base = rng.normal(0.6, 0.2, size=300)
    cand = base + rng.normal(0.03, 0.1, size=300)
    result = paired_bootstrap(base, cand, resamples=10_000, seed=1)
    ref = scipy_stats.bootstrap(
        (base, cand), lambda b, c: np.mean(c - b), paired=True, n_resamples=10_000, method="percentile", random_state=2
    )
    assert result.ci_low == pytest.approx(ref.confidence_interval.low, abs=0.003)
    assert result.ci_high == pytest.approx(ref.confidence_interval.high, abs=0.003)
    t_test = scipy_stats.ttest_rel(cand, base)  # the bootstrap p-value matches the paired t-test's at this n
    assert result.p_value == pytest.approx(t_test.pvalue, abs=0.005)
    null = paired_bootstrap(base, base + rng.normal(0, 0.1, size=300), seed=1)
    assert null.p_value > 0.05 and null.ci_low < 0 < null.ci_high


def test_binary_differences_draw_counts_with_the_same_distribution():
    diff = np.array([1.0] * 30 + [-1.0] * 10 + [0.0] * 160)
    counts, indices = _paired_means(diff, 20_000, 3), _resampled_means(diff, 20_000, 4)
    assert counts.mean() == pytest.approx(indices.mean(), abs=0.002)
    assert counts.std() == pytest.approx(indices.std(), rel=0.03)
    assert paired_bootstrap(np.zeros(10**6), np.ones(10**6)).mean == 1.0  # a million pairs, instantly


# ---- verdicts ---------------------------------------------------------------------------------
def test_identical_runs_pass(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    echo_run(db, tmp_path, "cand", BASE_WRONG)
    result = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db)  # the store names exact_match
    assert result.returncode == 0, result.stderr
    assert "gate pass: 0 regression(s)" in result.stdout.replace("\n", " ")


def test_a_few_flipped_samples_within_noise_pass(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    echo_run(db, tmp_path, "cand", (BASE_WRONG - {0, 10}) | {1, 2, 3})  # 3 regressions, 2 improvements
    report = run_gate("base", "cand", db)
    (comparison,) = report.comparisons
    assert (comparison.test, comparison.regressions, comparison.improvements) == ("mcnemar", 3, 2)
    assert comparison.diff == pytest.approx(-1 / N) and comparison.p_value == pytest.approx(1.0)
    assert report.verdict == "pass" and report.exit_code == 0


def test_a_clear_regression_exits_1_with_failed_junit_case(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    echo_run(db, tmp_path, "cand", BASE_WRONG | set(range(1, 200, 10)))  # 20 more wrong: 0.90 → 0.80
    junit, markdown = tmp_path / "gate.xml", tmp_path / "gate.md"
    result = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--junit", str(junit),
                         "--markdown", str(markdown))  # fmt: skip
    assert result.returncode == 1, result.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("1", "1")
    case = suite.find("testcase")
    assert case is not None and (case.get("classname"), case.get("name")) == ("harness.gate.echo", "test/exact_match")
    failure = case.find("failure")
    assert failure is not None and "exact_match dropped by 0.1000 > 0.01" in failure.get("message", "")
    text = markdown.read_text()
    assert "### harness gate: ❌ regression" in text
    row = "| echo | test | exact_match | 200 | 0.9000 | 0.8000 | -0.1000 ["
    assert row in text and "| <0.0001 | ⚠️ 0.0300 | McNemar (20↓ 0↑) | ❌ fail |" in text


def test_a_small_significant_drop_within_max_drop_passes(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    echo_run(db, tmp_path, "cand", BASE_WRONG | set(range(1, 200, 10)))
    assert run_gate("base", "cand", db, GateOptions(max_drop=0.15)).verdict == "pass"
    assert run_gate("base", "cand", db, GateOptions(alpha=1e-9)).verdict == "pass"


def test_a_significant_improvement_passes_and_is_reported(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG | set(range(1, 200, 10)))
    echo_run(db, tmp_path, "cand", BASE_WRONG)
    junit, markdown = tmp_path / "gate.xml", tmp_path / "gate.md"
    result = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--junit", str(junit),
                         "--markdown", str(markdown))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "gate improved: 0 regression(s), 1 significant improvement(s)" in result.stdout.replace("\n", " ")
    assert "✅ pass, with significant improvements" in markdown.read_text()
    assert "🚀 improved" in markdown.read_text()
    assert ET.parse(junit).getroot().get("failures") == "0"


def side(scores: dict[str, dict[str, float]], **fields) -> GateSide:
    defaults = {"source": "test", "task": "t", "task_version": "1", "data_hash": "h", "label": "x", "run_id": None,
                "primary_metrics": {"test": "rouge"}}  # fmt: skip
    return GateSide(**{**defaults, **fields}, scores={"test": {k: {"rouge": v} for k, v in scores.items()}})


def test_continuous_metrics_use_the_paired_bootstrap():
    rng = np.random.default_rng(5)
    base_values = rng.uniform(0.3, 0.9, size=150)
    base = side({f"e{i}": float(v) for i, v in enumerate(base_values)})
    worse = side({f"e{i}": float(v - 0.05 + rng.normal(0, 0.02)) for i, v in enumerate(base_values)})
    noisy = side({f"e{i}": float(v + rng.normal(0, 0.02)) for i, v in enumerate(base_values)})
    (failed,) = compare_task(base, worse, GateOptions(), [])
    assert failed.test == "bootstrap" and failed.verdict == "fail" and failed.ci_high < 0 and failed.p_value < 0.001
    (passed,) = compare_task(base, noisy, GateOptions(), [])
    assert passed.verdict == "pass" and passed.ci_low < 0 < passed.ci_high


# ---- power: the smallest drop a slice can detect ----------------------------------------------
def test_a_slice_too_small_warns_and_its_ci_alone_does_not_fail(db, tmp_path, monkeypatch):
    """Issue 24: a 40-point drop on 10 examples (McNemar p = 0.125) passed silently; it now says why."""
    monkeypatch.setenv("ECHO_N", "10")
    echo_run(db, tmp_path, "base", set(), n=10)
    echo_run(db, tmp_path, "cand", {0, 1, 2, 3}, n=10)
    report = run_gate("base", "cand", db)
    (c,) = report.comparisons
    assert (c.regressions, c.improvements, c.p_value) == (4, 0, pytest.approx(0.125))
    assert c.diff == pytest.approx(-0.4) and c.ci_high < -0.01  # the bootstrap CI excludes a 0.01 drop...
    assert c.verdict == "inconclusive" and report.exit_code == 0  # ...but the exact test decides: not a failure
    assert c.min_detectable_drop == pytest.approx(0.6) and c.underpowered  # 6 of 10 regressions at best
    power = (
        "echo · test · exact_match: this slice cannot detect a drop of 0.01: "
        "the smallest detectable at alpha 0.05 is 0.60 with n=10; use more examples"
    )
    assert report.warnings[0] == power and "inconclusive: a drop of 0.4000 whose 95% CI [" in report.warnings[1]
    assert "McNemar (4↓ 0↑) p = 0.1250 >= alpha 0.05 on n=10" in report.warnings[1]
    text = to_markdown(report)
    assert f"- ⚠️ {power}" in text and "| 0.1250 | ⚠️ 0.6000 | McNemar (4↓ 0↑) | ⚠️ inconclusive |" in text
    case = ET.fromstring(to_junit(report)).find(".//testcase")
    assert case is not None and case.find("failure") is None and case.find("error") is None
    assert "min detectable drop 0.6000 at alpha 0.05" in (case.findtext("system-out") or "")
    assert f"warning: {power}" in (case.findtext("system-err") or "")
    result = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--no-store")
    assert result.returncode == 0, result.stderr
    assert "1 inconclusive; 1 cannot detect a drop of 0.01 (see warnings)" in result.stdout.replace("\n", " ")


def test_require_power_fails_an_underpowered_slice_with_exit_2(db, tmp_path, monkeypatch):
    monkeypatch.setenv("ECHO_N", "10")
    echo_run(db, tmp_path, "base", set(), n=10)
    echo_run(db, tmp_path, "cand", {0, 1, 2, 3}, n=10)
    report = run_gate("base", "cand", db, GateOptions(require_power=True))
    assert [c.verdict for c in report.comparisons] == ["underpowered"]
    assert (report.verdict, report.exit_code) == ("underpowered", 2)
    assert report.summary().endswith("1 cannot detect a drop of 0.01: use more examples")
    suite = ET.fromstring(to_junit(report)).find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("errors")) == ("0", "1")
    error = suite.find("testcase/error")
    assert error is not None and error.get("type") == "underpowered" and "0.60 with n=10" in error.get("message", "")
    assert "### harness gate: ⚠️ underpowered" in to_markdown(report)
    # a slice that can detect the drop it guards against passes, and a significant regression still exits 1
    loose = GateOptions(require_power=True, max_drop=0.6)
    assert run_gate("base", "cand", db, loose).exit_code == 0 and not run_gate("base", "cand", db, loose).warnings
    echo_run(db, tmp_path, "worse", set(range(8)), n=10)  # 8 regressions: p = 2/256
    failed = run_gate("base", "worse", db, GateOptions(require_power=True, max_drop=0.05))
    assert (failed.verdict, failed.exit_code) == ("fail", 1)


def test_the_cli_warns_of_an_underpowered_slice_and_require_power_exits_2(db, tmp_path, monkeypatch):
    monkeypatch.setenv("ECHO_N", "10")
    echo_run(db, tmp_path, "base", set(), n=10)
    echo_run(db, tmp_path, "cand", {0, 1, 2, 3}, n=10)
    warned = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--no-store")
    assert warned.returncode == 0 and "warning:" in warned.stdout
    assert "this slice cannot detect a drop of 0.01" in " ".join(warned.stdout.split())
    refused = harness_cli(
        "gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--no-store", "--require-power"
    )
    assert refused.returncode == 2 and "use more examples" in " ".join(refused.stdout.split())


def test_a_large_enough_slice_gives_no_power_warning(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    report = run_gate("base", "base", db, GateOptions(max_drop=0.05, require_power=True))
    (c,) = report.comparisons
    assert c.min_detectable_drop == pytest.approx(6 / N) and not c.underpowered
    assert report.warnings == () and report.exit_code == 0
    assert run_gate("base", "base", db).comparisons[0].underpowered  # 0.03 > the default max drop 0.01


# ---- not comparable: exit 2 with one line -----------------------------------------------------
def test_not_comparable_exits_2(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    baseline = tmp_path / "base.jsonl"
    write_baseline(db, "base", baseline)
    lines = baseline.read_text().splitlines()
    header = json.loads(lines[0])

    other_version = tmp_path / "v2.jsonl"
    other_version.write_text("\n".join([json.dumps({**header, "task_version": "2"}), *lines[1:]]) + "\n")
    result = harness_cli("gate", "--baseline", str(other_version), "--candidate", "base", "--db", db)
    assert_one_line_error(result, "task echo: baseline is task version 2, candidate 1", "not comparable")

    renamed = tmp_path / "renamed.jsonl"
    renamed.write_text("\n".join([lines[0], *(line.replace('"test-', '"other-') for line in lines[1:])]) + "\n")
    result = harness_cli("gate", "--baseline", str(renamed), "--candidate", "base", "--db", db)
    assert_one_line_error(result, "task echo split test: baseline and candidate share no example ids")

    result = harness_cli("gate", "--baseline", "base", "--candidate", "base", "--db", db, "--split", "ood")
    assert_one_line_error(result, "split 'ood' has no shared examples")
    result = harness_cli("gate", "--baseline", "base", "--candidate", "base", "--db", db, "--metric", "f1")
    assert_one_line_error(result, "no shared example has metric 'f1'", "exact_match")
    result = harness_cli("gate", "--baseline", "nope", "--candidate", "base", "--db", db)
    assert_one_line_error(result, "no run id or complete run labelled 'nope'")


def data_run(db: str, tmp_path: Path, label: str, texts: dict[str, str]) -> str:
    """A complete echo run on a ``--data`` file of ``{id: text}``, every answer right."""
    data, replay = tmp_path / f"{label}-data.jsonl", tmp_path / f"{label}-replay.jsonl"
    data.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts.items()))
    replay.write_text("".join(json.dumps({"id": i, "output": t.upper()}) + "\n" for i, t in texts.items()))
    config = RunConfig(
        task="echo", model=f"replay:{replay}", db=db, label=label, task_dir=str(TASK_DIR), data=str(data)
    )
    return run_eval(config).run_id


def test_a_candidate_on_a_superset_is_paired_on_the_shared_examples(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG, limit=100)  # the first 100: another data hash than all 200
    echo_run(db, tmp_path, "cand", BASE_WRONG)
    baseline = tmp_path / "base.jsonl"
    write_baseline(db, "base", baseline)
    for ref in ("base", str(baseline)):
        report = run_gate(ref, "cand", db)
        (c,) = report.comparisons
        assert (c.n, c.diff, report.exit_code) == (100, 0.0, 0)
        assert "paired on the example ids they share, whose input and target are the same" in report.notes[0]
        assert report.notes[1] == "echo · test: compared the 100 shared examples of 100 / 200"


def test_shared_ids_whose_inputs_differ_are_not_comparable(db, tmp_path):
    data_run(db, tmp_path, "base", {"a": "apple", "b": "berry", "c": "cherry"})
    data_run(db, tmp_path, "cand", {"a": "apple", "b": "banana", "c": "cherry", "d": "date"})
    data_run(db, tmp_path, "other", {"x": "apple", "y": "berry"})
    baseline = tmp_path / "base.jsonl"
    write_baseline(db, "base", baseline)
    for ref in ("base", str(baseline)):
        result = harness_cli("gate", "--baseline", ref, "--candidate", "cand", "--db", db)
        assert_one_line_error(result, "task echo split test: 1 of 3 shared example ids have a different input", "'b'")
    result = harness_cli("gate", "--baseline", "base", "--candidate", "other", "--db", db)
    assert_one_line_error(result, "task echo split test: baseline and candidate share no example ids")


def test_an_older_baseline_file_pairs_on_ids_alone_with_a_note(db, tmp_path):
    data_run(db, tmp_path, "base", {"a": "apple", "b": "berry"})
    data_run(db, tmp_path, "cand", {"a": "apple", "b": "banana", "c": "cherry"})
    baseline = tmp_path / "old.jsonl"
    write_baseline(db, "base", baseline)
    lines = baseline.read_text().splitlines()
    stripped = [json.dumps({k: v for k, v in json.loads(line).items() if k != "input_hash"}) for line in lines[1:]]
    baseline.write_text("\n".join([lines[0], *stripped]) + "\n")  # as a harness before input hashes wrote it
    assert read_baseline(baseline).input_hashes is None
    report = run_gate(str(baseline), "cand", db)
    assert report.comparisons[0].n == 2 and report.exit_code == 0
    assert f"{baseline} has no per-example input hashes" in report.notes[0] and "inputs unchecked" in report.notes[0]
    assert not any("input hashes" in note for note in run_gate(str(baseline), "base", db).notes)  # same data
    baseline.write_text("\n".join([*lines[:2], *stripped[1:]]) + "\n")  # one line with, one without
    with pytest.raises(BadInput, match=r"old\.jsonl:3: 'input_hash' must be a string on every line or on none"):
        read_baseline(baseline)


def test_a_run_whose_samples_all_errored_is_never_a_gate_side(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    replay = tmp_path / "down.jsonl"
    replay.write_text(json.dumps({"id": "elsewhere", "output": "x"}) + "\n")  # every sample: no output, an error
    config = RunConfig(task="echo", model=f"replay:{replay}", db=db, label="down", task_dir=str(TASK_DIR),
                       splits=("test",), batch_size=N)  # fmt: skip
    run_id = run_eval(config).run_id
    for args in (("--baseline", "base", "--candidate", "down"), ("--baseline", run_id, "--candidate", "base")):
        result = harness_cli("gate", *args, "--db", db)
        assert_one_line_error(result, f"run {run_id} (down) has no results: all {N} of its samples errored")
    with pytest.raises(BadInput, match=f"all {N} of its samples errored"):
        write_baseline(db, "down", tmp_path / "down-baseline.jsonl")


def test_an_incomplete_run_is_not_comparable(db, tmp_path, echo_n):
    run_id = echo_run(db, tmp_path, "base", BASE_WRONG)
    store = Store(db)
    run = store.get_run(run_id)
    assert run is not None
    fields = {"task": run.task, "task_version": run.task_version, "data_hash": run.data_hash, "label": "half",
              "model_spec": run.model_spec, "model_fingerprint": run.model_fingerprint,
              "config": run.config}  # fmt: skip
    store.create_run("half-done", "key", fields)
    result = harness_cli("gate", "--baseline", "base", "--candidate", "half-done", "--db", db)
    assert_one_line_error(result, "run half-done is running, not complete")
    result = harness_cli("gate", "--baseline", "base", "--candidate", "half", "--db", db)
    assert_one_line_error(result, "no run id or complete run labelled 'half'")
    with pytest.raises(BadInput, match="not complete"):
        write_baseline(db, "half-done", tmp_path / "b.jsonl")


# ---- baseline files ---------------------------------------------------------------------------
def test_baseline_file_round_trip(db, tmp_path, echo_n):
    run_id = echo_run(db, tmp_path, "base", BASE_WRONG)
    path = tmp_path / "baselines" / "echo.jsonl"
    result = harness_cli("export", "--run", "base", "--baseline", str(path), "--db", db)
    assert result.returncode == 0, result.stderr
    first = path.read_bytes()
    write_baseline(db, run_id, path)
    assert path.read_bytes() == first  # the same run always gives the same bytes
    baseline = read_baseline(path)
    run = Store(db, read_only=True).get_run(run_id)
    assert run is not None
    assert {k: baseline.header[k] for k in ("format", "task", "task_version", "data_hash", "label", "run_id")} == {
        "format": "harness-baseline/1", "task": "echo", "task_version": "1", "data_hash": run.data_hash,
        "label": "base", "run_id": run_id,
    }  # fmt: skip
    assert baseline.header["primary_metrics"] == {"test": "exact_match"} and baseline.header["n_samples"] == N
    assert baseline.header["model"]["kind"] == "replay" and set(baseline.header["model"]) == {
        "spec",
        "kind",
        "fingerprint_hash",
    }
    stored = {(s, i): v for s, i, v in Store(db, read_only=True).sample_scores(run_id)}
    assert {("test", i): v for i, v in baseline.scores["test"].items()} == stored
    # the hash of the stored input and target, computed by hand: sha256 of their canonical JSON
    by_hand = hashlib.sha256(b'{"input":{"text":"alpha0"},"target":"ALPHA0"}').hexdigest()[:16]
    assert json.loads(first.decode().splitlines()[1]) == {
        "split": "test",
        "id": "test-0000",
        "scores": {"exact_match": 0.0},
        "input_hash": by_hand,
    }
    assert baseline.input_hashes is not None and baseline.input_hashes["test"]["test-0000"] == by_hand
    report = run_gate(str(path), "base", db)  # a file against the run it came from
    assert report.verdict == "pass" and report.comparisons[0].n == N and report.comparisons[0].diff == 0.0


def test_export_needs_exactly_one_output_and_bad_baseline_lines_are_named(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    assert_one_line_error(harness_cli("export", "--run", "base", "--db", db), "exactly one of --out")
    path = tmp_path / "b.jsonl"
    write_baseline(db, "base", path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:3], '{"split": "test"}', *lines[3:]]) + "\n")
    with pytest.raises(BadInput, match=rf"{path}:4: expected {{split, id, scores}}"):
        read_baseline(path)
    (tmp_path / "plain.jsonl").write_text('{"id": "x"}\n')
    with pytest.raises(BadInput, match=r"plain\.jsonl:1: not a harness baseline"):
        read_baseline(tmp_path / "plain.jsonl")
    with pytest.raises(BadInput, match="no such baseline file"):
        read_baseline(tmp_path / "missing.jsonl")


# ---- the stored history -----------------------------------------------------------------------
def stored_gates(db: str) -> list[dict]:
    """The ``gates`` table as the leaderboard reads it, newest first."""
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute(f"SELECT {', '.join(GATE_COLUMNS)} FROM gates ORDER BY created_at DESC").fetchall()
    return [dict(zip(GATE_COLUMNS, row, strict=True)) for row in rows]


def test_gate_results_are_stored(db, tmp_path, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    echo_run(db, tmp_path, "cand", BASE_WRONG | set(range(1, 200, 10)))
    assert harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db).returncode == 1
    assert harness_cli("gate", "--baseline", "base", "--candidate", "base", "--db", db, "--no-store").returncode == 0
    (row,) = stored_gates(db)
    assert (row["task"], row["split"], row["metric"], row["test"], row["n"]) == (
        "echo",
        "test",
        "exact_match",
        "mcnemar",
        N,
    )
    assert (row["verdict"], row["gate_verdict"], row["max_drop"], row["alpha"]) == ("fail", "fail", 0.01, 0.05)
    assert row["baseline_value"] == pytest.approx(0.9) and row["candidate_value"] == pytest.approx(0.8)
    assert row["diff"] == pytest.approx(-0.1) and row["p_value"] < 1e-4 and row["ci_high"] < 0
    assert row["baseline"].startswith("base (run ") and row["candidate_run"] in row["candidate"]


def test_a_version_1_store_gains_the_gates_table(tmp_path, db, echo_n):
    echo_run(db, tmp_path, "base", BASE_WRONG)
    with duckdb.connect(db) as con:  # make it look like a file written before gates existed
        con.execute("DROP TABLE gates")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    report = run_gate("base", "base", db)  # read-only: the file stays as it is
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    save_gate(report, db)
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert [r["gate_id"] for r in stored_gates(db)] == [report.gate_id]
    assert Store(db, read_only=True).get_run(report.runs["echo"][0] or "") is not None


def test_reports_name_every_comparison():
    base = side({"a": 0.5, "b": 0.7}, primary_metrics={"test": "rouge"})
    comparisons = compare_task(base, base, GateOptions(), [])
    from harness.gate import GateReport

    report = GateReport("gate-x", __import__("datetime").datetime(2025, 1, 1), "b (f)", "c (run r)", GateOptions(),
                        tuple(comparisons), ("a note",), {"t": (None, "r")})  # fmt: skip
    text = to_markdown(report)
    assert text.startswith("<!-- harness-gate -->\n### harness gate: ✅ pass")
    assert (
        "| t | test | rouge | 2 | 0.6000 | 0.6000 | +0.0000 [+0.0000, +0.0000] | 1.0000 | 0.0000 | paired bootstrap | "
        "✅ pass |" in text
    )
    assert "- a note" in text
    root = ET.fromstring(to_junit(report))
    assert [c.get("name") for c in root.iter("testcase")] == ["test/rouge"] and root.find(".//failure") is None
    assert not math.isnan(comparisons[0].p_value)
