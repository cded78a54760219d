"""Text similarity metrics: exact match, normalised Levenshtein similarity, ROUGE-1 and ROUGE-L F-measure.

Every metric trims surrounding whitespace from both sides first and returns a float in [0, 1].

exact_match and levenshtein are case- and punctuation-sensitive: for commands, ``zoomin 3`` is not
``ZoomIn(3)``. ROUGE uses rouge-score's own tokenizer unchanged (lower-cases, keeps runs of ``a-z0-9``
as tokens, drops everything else; no stemming), so figures compare with ROUGE reported elsewhere
(AWebGIS among them). For a command that means ROUGE ignores case, brackets, quotes and separators
and splits decimals at the point: ``Move(51.36, 25.6)`` is the tokens ``move 51 36 25 6``. The other
metrics catch what ROUGE forgives. rouge-score scores two texts without any token as 0.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ROUGE_TYPES = ("rouge1", "rougeL")


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the trimmed texts are identical, else 0.0."""
    return float(prediction.strip() == reference.strip())


def levenshtein(prediction: str, reference: str) -> float:
    """Normalised Levenshtein similarity of the trimmed texts: 1 - distance / max(len); two empty texts give 1."""
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_similarity(prediction.strip(), reference.strip()))


@lru_cache(maxsize=1)
def _rouge_scorer() -> Any:
    # Imported lazily: rouge-score pulls in nltk, which ``harness --help`` should not pay for.
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1 and ROUGE-L F-measure of the trimmed texts: ``{"rouge1": ..., "rougeL": ...}``."""
    scores = _rouge_scorer().score(reference.strip(), prediction.strip())  # score(target, prediction)
    return {name: float(scores[name].fmeasure) for name in ROUGE_TYPES}


def rouge1(prediction: str, reference: str) -> float:
    """ROUGE-1 (unigram overlap) F-measure."""
    return rouge(prediction, reference)["rouge1"]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L (longest common subsequence) F-measure."""
    return rouge(prediction, reference)["rougeL"]


def text_scores(prediction: str, reference: str) -> dict[str, float]:
    """exact_match, levenshtein, rouge1 and rougeL of one prediction against its reference."""
    return {
        "exact_match": exact_match(prediction, reference),
        "levenshtein": levenshtein(prediction, reference),
        **rouge(prediction, reference),
    }
