"""Selectors over stored attempts (vote, verify, pass@k, pass^k) and the tasks' canonical answers and verifiers."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random

import pytest

from harness.metrics.selection import (
    MAX_SUBSETS,
    Attempt,
    example_values,
    k_curve_metrics,
    k_values,
    metric_name,
    parse_metric_name,
    pass_at_k,
    pass_hat_k,
    subsets,
    verify_then_vote,
    vote,
)
from harness.registry import get_task
from harness.runner import with_selection_facts
from harness.types import Response, Scored


def attempts(*specs: tuple[float, str | None, bool | None]) -> list[Attempt]:
    return [Attempt(i, value, canonical, verified) for i, (value, canonical, verified) in enumerate(specs)]


def test_k_values_double_up_to_n_and_end_at_n():
    assert k_values(1) == [1]
    assert k_values(8) == [1, 2, 4, 8]
    assert k_values(6) == [1, 2, 4, 6]


def test_metric_names_round_trip_and_other_names_are_not_selectors():
    for family, k in [("vote", 8), ("verify", 2), ("pass", 4), ("pass^", 4), ("tokens", 1), ("cost_usd", 16)]:
        assert parse_metric_name(metric_name(family, k)) == (family, k)
    assert metric_name("pass^", 4) == "pass^4" and metric_name("vote", 8) == "vote@8"
    for other in ("exact_match", "vote@", "vote@0", "pass@x", "accuracy@2"):
        assert parse_metric_name(other) is None


def test_vote_takes_the_majority_and_breaks_ties_by_the_answer_seen_first():
    assert vote(attempts((0, "a", None), (1, "b", None), (1, "b", None))).attempt == 1
    assert vote(attempts((0, "a", None), (1, "b", None), (1, "b", None), (0, "a", None))).attempt == 0  # 2-2: a first
    assert vote(attempts((0, None, None), (1, "b", None))).attempt == 1  # nothing parsed does not vote
    assert vote(attempts((0, None, None), (1, None, None))).attempt == 0  # no answer at all: the earliest


def test_verify_votes_among_passing_attempts_else_takes_the_earliest():
    group = attempts((0, "a", False), (0, "a", False), (1, "b", True))
    assert verify_then_vote(group).attempt == 2
    assert verify_then_vote(attempts((0, "a", False), (1, "b", False))).attempt == 0


def test_pass_at_k_matches_the_papers_numerically_stable_estimator():
    # Chen et al. 2021, Figure 3: 1 - prod(1 - k / arange(n - c + 1, n + 1))
    def reference(n: int, c: int, k: int) -> float:
        if n - c < k:
            return 1.0
        return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))

    for n, c, k in itertools.product(range(1, 9), range(0, 9), range(1, 9)):
        if c <= n and k <= n:
            assert pass_at_k(n, c, k) == pytest.approx(reference(n, c, k), abs=1e-12)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5) and pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)


def test_pass_estimators_equal_the_average_over_every_subset():
    rng = random.Random(3)
    for _ in range(20):
        values = [float(rng.random() < 0.4) for _ in range(6)]
        for k in range(1, 7):
            combos = list(itertools.combinations(values, k))
            any_right = sum(max(c) for c in combos) / len(combos)
            all_right = sum(min(c) for c in combos) / len(combos)
            assert pass_at_k(6, int(sum(values)), k) == pytest.approx(any_right)
            assert pass_hat_k(6, int(sum(values)), k) == pytest.approx(all_right)


def test_subsets_are_exhaustive_when_few_and_seeded_samples_when_many():
    assert subsets(4, 2, "x") == list(itertools.combinations(range(4), 2))
    many = subsets(16, 8, ("seed", "id", 8))
    assert len(many) == MAX_SUBSETS and all(len(set(s)) == 8 for s in many)
    assert many == subsets(16, 8, ("seed", "id", 8)) and many != subsets(16, 8, ("seed", "other", 8))


def test_example_values_hand_computed():
    # answers a b b a, right only at attempt 1: a 2-2 tie at k=4 goes to a (seen first)
    group = attempts((0, "a", True), (1, "b", True), (0, "b", True), (0, "a", False))
    values = example_values(group, 4)
    assert values["vote@4"] == 0.0 and values["pass@4"] == 1.0 and values["pass^4"] == 0.0
    assert values["verify@4"] == 1.0  # a b b pass: b wins and its first attempt (1) is right
    two = example_values(group, 2)
    # pairs: 01→a(0) 02→a(0) 03→a(0) 12→b(1) 13→b(1) 23→b at 2 (0)
    assert two["vote@2"] == pytest.approx(2 / 6)
    assert two["pass@2"] == pytest.approx(1 - math.comb(3, 2) / math.comb(4, 2))
    assert "verify@2" not in example_values(group, 2, verifier=False)


def test_k_curve_metrics_are_means_over_examples_with_bootstrap_cis():
    examples = {
        "x": attempts((1, "a", True), (1, "a", True)),
        "y": attempts((0, "a", True), (1, "b", True)),
    }
    curves = k_curve_metrics(examples, 2)
    assert curves["pass@2"].value == 1.0 and curves["pass^2"].value == 0.5 and curves["vote@1"].value == 0.75
    assert curves["vote@2"].n == 2 and curves["vote@2"].ci_low <= curves["vote@2"].value <= curves["vote@2"].ci_high
    costs = {"z": [dataclasses.replace(a, tokens=10 * (a.attempt + 1), cost_usd=0.5) for a in examples["x"]]}
    spend = k_curve_metrics(costs, 2)
    assert spend["tokens@1"].value == 15 and spend["tokens@2"].value == 30 and spend["cost_usd@2"].value == 1.0


# ---- the tasks' canonical answers and verifiers -------------------------------------------------------------
CASES = {
    "gis_command": ["ZoomOut(2)", "ZoomOut(2.0)", "Frobnicate(1)", "SetOpacity('streets', '95')", "no calls"],
    "intent": ['{"intent": "check_balance"}', "check_balance", '{"intent": "nonsense"}', "", '{"intents": []}'],
    "schema_json": ['{"b": 1, "a": 2}', '{"a": 2, "b": 1}', "not json", "[1, 2]", "{}"],
}


@pytest.mark.parametrize("task_name", sorted(CASES))
def test_verifier_and_canonical_answer_never_read_the_target(task_name: str):
    task = get_task(task_name)
    first, second = list(task.load("test"))[:2]
    for example, other in ((first, second), (second, first)):
        swapped = dataclasses.replace(example, target=other.target)
        for text in [*CASES[task_name], task.target_text(example), task.target_text(other)]:
            response = Response(text=text)
            plain = with_selection_facts(task, example, response, Scored({})).details
            assert with_selection_facts(task, swapped, response, Scored({})).details == plain


def test_gis_command_canonical_calls_equal_as_the_checker_compares_them():
    task = get_task("gis_command")
    example = next(iter(task.load("test")))
    canon = [task.canonical_answer(example, Response(text=t)) for t in ("ZoomOut(2)", "ZoomOut(2.0)", " ZoomOut( 2 )")]
    assert len(set(canon)) == 1 and canon[0] is not None
    assert task.canonical_answer(example, Response(text="ZoomOut('2')")) != canon[0]
    assert task.canonical_answer(example, Response(text="zoom out please")) is None
    verify = [task.verify(example, Response(text=t)) for t in ("ZoomOut(2)", "ZoomOut('2')", "Zoom(2)", "x y")]
    assert verify == [True, False, False, False]
    assert task.verify(example, Response(error="boom")) is False


def test_every_built_in_gis_target_passes_the_grammar_verifier():
    task = get_task("gis_command")
    for split in ("test", "ood"):
        for example in task.load(split):
            assert task.verify(example, Response(text=task.target_text(example))), example.id


def test_intent_canonical_is_the_sorted_label_set_and_verify_checks_the_label_set():
    task = get_task("intent")
    example = next(iter(task.load("multilabel")))
    labels = sorted(task.labels(example))[:2]
    both = [
        task.canonical_answer(example, Response(text=t))
        for t in (f'{{"intents": ["{labels[1]}", "{labels[0]}"]}}', f"{labels[0]}, {labels[1]}")
    ]
    assert both[0] == both[1] == f'["{labels[0]}", "{labels[1]}"]'
    assert task.verify(example, Response(text=f'{{"intent": "{labels[0]}"}}')) is True
    assert task.verify(example, Response(text=f'{{"intents": ["{labels[0]}", "made_up"]}}')) is False
    assert task.verify(example, Response(text="")) is False


def test_schema_json_canonical_sorts_keys_and_verify_validates_against_the_schema():
    task = get_task("schema_json")
    example = next(iter(task.load("test")))
    target = task.target_text(example)
    assert task.verify(example, Response(text=target)) is True
    assert task.verify(example, Response(text="{")) is False
    value = json.loads(target)
    shuffled = json.dumps(dict(reversed(list(value.items()))), indent=2)
    assert shuffled != target
    assert task.canonical_answer(example, Response(text=target)) == task.canonical_answer(
        example, Response(text=shuffled)
    )
