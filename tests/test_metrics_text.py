"""Text metrics: hand-computed values and agreement with rapidfuzz and rouge-score called directly."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein
from rouge_score import rouge_scorer

from harness.metrics.text import exact_match, levenshtein, rouge, rouge1, rouge_l, text_scores

PAIRS = [
    ("ZoomIn(3)", "ZoomIn(3)"),
    ("ZoomIn(3)", "ZoomOut(3)"),
    ("Move(51.36, 25.6)", "Move(51.36, 25.06)"),
    ("AddVector('polyline', 'rivers.shp')", "AddVector('polygon', 'rivers.shp')"),
    ("GoTo('Paris'); ZoomIn(2)", "ZoomIn(2); GoTo('Paris')"),
    ("the cat sat on the mat", "the cat lay on a mat"),
    ("kitten", "sitting"),
    ("", "ZoomIn(3)"),
    ("Sure! ZoomIn(3)", "ZoomIn(3)"),
]


def test_exact_match_trims_but_keeps_case_and_punctuation():
    assert exact_match("  ZoomIn(3)\n", "ZoomIn(3)") == 1.0
    assert exact_match("zoomin(3)", "ZoomIn(3)") == 0.0
    assert exact_match("ZoomIn(3);", "ZoomIn(3)") == 0.0
    assert exact_match('AddLayer("roads")', "AddLayer('roads')") == 0.0


def test_levenshtein_hand_values():
    # kitten -> sitting: 3 edits, longer string 7 characters
    assert levenshtein("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    # ZoomIn(3) -> ZoomOut(3): In -> Out shares no character, 2 substitutions + 1 insertion; longer string 10
    assert levenshtein("ZoomIn(3)", "ZoomOut(3)") == pytest.approx(1 - 3 / 10)
    assert levenshtein(" ZoomIn(3) ", "ZoomIn(3)") == 1.0
    assert levenshtein("", "") == 1.0
    assert levenshtein("", "abc") == 0.0


@pytest.mark.parametrize(("prediction", "reference"), PAIRS)
def test_levenshtein_agrees_with_rapidfuzz(prediction, reference):
    assert levenshtein(prediction, reference) == pytest.approx(
        Levenshtein.normalized_similarity(prediction.strip(), reference.strip())
    )


@pytest.mark.parametrize(("prediction", "reference"), PAIRS)
def test_rouge_agrees_with_rouge_score(prediction, reference):
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
    expected = scorer.score(reference, prediction)
    got = rouge(prediction, reference)
    assert got["rouge1"] == pytest.approx(expected["rouge1"].fmeasure)
    assert got["rougeL"] == pytest.approx(expected["rougeL"].fmeasure)
    assert rouge1(prediction, reference) == got["rouge1"]
    assert rouge_l(prediction, reference) == got["rougeL"]


def test_rouge_hand_values():
    # tokens: [zoomin, 3] vs [zoomout, 3]: one of two unigrams shared, LCS 1
    assert rouge("ZoomIn(3)", "ZoomOut(3)") == pytest.approx({"rouge1": 0.5, "rougeL": 0.5})
    # same unigrams, reversed order: ROUGE-1 perfect, LCS of 4 tokens is 1
    assert rouge("a b c d", "d c b a") == pytest.approx({"rouge1": 1.0, "rougeL": 0.25})
    # decimals split at the point: move 51 36 25 6 vs move 51 36 25 06
    assert rouge("Move(51.36, 25.6)", "Move(51.36, 25.06)")["rouge1"] == pytest.approx(0.8)


def test_rouge_ignores_case_and_punctuation_the_other_metrics_do_not():
    scores = text_scores("zoomin 3", "ZoomIn(3)")
    assert scores["rouge1"] == 1.0 and scores["rougeL"] == 1.0
    assert scores["exact_match"] == 0.0
    assert scores["levenshtein"] < 0.7
    # the quote style is invisible to ROUGE, visible to exact match and Levenshtein
    quoted = text_scores('AddLayer("roads")', "AddLayer('roads')")
    assert quoted["rouge1"] == 1.0 and quoted["exact_match"] == 0.0 and quoted["levenshtein"] < 1.0


def test_rouge_of_texts_without_tokens_is_zero():
    assert rouge("", "") == {"rouge1": 0.0, "rougeL": 0.0}
    assert rouge("()", "ZoomIn(3)") == {"rouge1": 0.0, "rougeL": 0.0}


def test_text_scores_has_the_four_metrics():
    assert text_scores("ZoomIn(3)", " ZoomIn(3) ") == {
        "exact_match": 1.0,
        "levenshtein": 1.0,
        "rouge1": 1.0,
        "rougeL": 1.0,
    }
