"""Classification metrics over label sets: accuracy, F1, Hamming loss, out-of-scope detection, calibration.

Every sample is a gold label set and a predicted label set (``frozenset[str]``). A single-label sample
has one gold label; a prediction that could not be parsed or names no valid label is the empty set, so
it is wrong and predicts no label. The same functions score single- and multi-label splits:

- ``subset_accuracy``: share of samples whose predicted set equals the gold set exactly (for
  single-label data this is plain accuracy).
- ``macro_f1`` / ``micro_f1``: per label, from set membership, tp = in gold and predicted, fp =
  predicted only, fn = gold only. Macro averages the per-label ``F1 = 2tp / (2tp + fp + fn)`` over
  the labels that occur in any gold or predicted set of the samples scored (so a label that is only
  ever predicted counts, with F1 0); micro pools tp, fp and fn over labels first. This is
  scikit-learn's ``f1_score`` on the binarised sets with ``zero_division=0``; for single-label data
  it equals ``f1_score(y_true, y_pred, average=...)`` with the labels restricted to real ones (an
  empty prediction is a miss for its gold label and a false positive for none).
- ``hamming_loss``: wrong label-membership bits over ``n × |labels|``.
- ``oos_recall`` / ``oos_precision`` / ``in_scope_accuracy``: out-of-scope detection, where a gold or
  prediction counts as out of scope only when it is exactly ``{oos}``.
- ``expected_calibration_error``: standard equal-width-bin ECE of a confidence against correctness.

A ratio whose denominator is empty (no samples, no out-of-scope gold, nothing predicted out of scope,
no label at all) is 0.0, as scikit-learn's ``zero_division=0``, so a bootstrap resample never yields NaN.

``classification_metrics`` is the per-split bundle with a 95% percentile-bootstrap CI for each metric.
It encodes the split once (samples × labels indicator matrices, per-sample flags); a resample is then
a vector of per-sample counts and every metric is a few weighted sums, so 1000 resamples of a few
hundred samples take milliseconds per metric. All metrics of a split draw the same resamples (same
seed), and each resample is scored exactly as the standalone function would score the resampled
samples, except Hamming loss, whose label set stays the whole split's (the label inventory does not
shrink because a resample missed a rare label).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from harness.types import MetricValue

OOS = "out_of_scope"
ECE_BINS = 10
BOOTSTRAP_RESAMPLES = 1000

LabelSets = Sequence[frozenset[str]]


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 when the denominator is 0 (zero_division=0)."""
    return float(numerator / denominator) if denominator else 0.0


@dataclass(frozen=True)
class _Encoded:
    """A split as arrays, scored under per-sample weights (all ones for the samples themselves,
    bootstrap counts for a resample).

    ``tp``, ``fp`` and ``fn`` are samples × labels 0/1 matrices; ``exact``, ``gold_oos`` and
    ``pred_oos`` are per-sample 0/1 vectors (float, so a weighted sum is one matrix-vector product).
    """

    labels: tuple[str, ...]
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    exact: np.ndarray
    gold_oos: np.ndarray
    pred_oos: np.ndarray

    @property
    def n(self) -> int:
        return int(self.exact.size)

    def ones(self) -> np.ndarray:
        return np.ones(self.n)

    def subset_accuracy(self, w: np.ndarray) -> float:
        return _ratio(w @ self.exact, w.sum())

    def macro_f1(self, w: np.ndarray) -> float:
        tp, fp, fn = w @ self.tp, w @ self.fp, w @ self.fn
        denominator = 2 * tp + fp + fn
        present = denominator > 0  # labels in some gold or predicted set of the weighted samples
        if not present.any():
            return 0.0
        return float(np.mean(2 * tp[present] / denominator[present]))

    @cached_property
    def _per_sample(self) -> np.ndarray:
        """Per-sample columns: tp, fp, fn counts, oos hit (gold and predicted {oos}), in scope, in scope and exact."""
        in_scope = 1.0 - self.gold_oos
        return np.stack(
            [
                self.tp.sum(axis=1),
                self.fp.sum(axis=1),
                self.fn.sum(axis=1),
                self.gold_oos * self.pred_oos,
                in_scope,
                in_scope * self.exact,
            ],
            axis=1,
        )

    def micro_f1(self, w: np.ndarray) -> float:
        tp, fp, fn = (w @ self._per_sample[:, :3]).tolist()
        return _ratio(2 * tp, 2 * tp + fp + fn)

    def hamming_loss(self, w: np.ndarray) -> float:
        _, fp, fn = (w @ self._per_sample[:, :3]).tolist()
        return _ratio(fp + fn, w.sum() * len(self.labels))

    def oos_recall(self, w: np.ndarray) -> float:
        return _ratio(w @ self._per_sample[:, 3], w @ self.gold_oos)

    def oos_precision(self, w: np.ndarray) -> float:
        return _ratio(w @ self._per_sample[:, 3], w @ self.pred_oos)

    def in_scope_accuracy(self, w: np.ndarray) -> float:
        return _ratio(w @ self._per_sample[:, 5], w @ self._per_sample[:, 4])


def _encode(gold: LabelSets, pred: LabelSets, labels: Sequence[str] | None = None, oos: str = OOS) -> _Encoded:
    """Indicator arrays of a split; labels default to the sorted union of all gold and predicted labels.

    Membership of a label outside ``labels`` is not encoded (it affects only the exact-match flags).
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold and predicted label sets differ in length: {len(gold)} vs {len(pred)}")
    if labels is None:
        labels = sorted(set().union(*gold, *pred))
    column = {label: j for j, label in enumerate(labels)}
    n = len(gold)
    gold_matrix = np.zeros((n, len(column)), dtype=bool)
    pred_matrix = np.zeros((n, len(column)), dtype=bool)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        gold_matrix[i, [column[label] for label in g if label in column]] = True
        pred_matrix[i, [column[label] for label in p if label in column]] = True
    only_oos = frozenset((oos,))
    return _Encoded(
        labels=tuple(column),
        tp=(gold_matrix & pred_matrix).astype(np.float64),
        fp=(~gold_matrix & pred_matrix).astype(np.float64),
        fn=(gold_matrix & ~pred_matrix).astype(np.float64),
        exact=np.array([g == p for g, p in zip(gold, pred, strict=True)], dtype=np.float64),
        gold_oos=np.array([g == only_oos for g in gold], dtype=np.float64),
        pred_oos=np.array([p == only_oos for p in pred], dtype=np.float64),
    )


def subset_accuracy(gold: LabelSets, pred: LabelSets) -> float:
    """Share of samples whose predicted set equals the gold set (accuracy, for single-label data)."""
    encoded = _encode(gold, pred, labels=())
    return encoded.subset_accuracy(encoded.ones())


def macro_f1(gold: LabelSets, pred: LabelSets) -> float:
    """Mean per-label F1 over the labels in any gold or predicted set; 0.0 when there is none."""
    encoded = _encode(gold, pred)
    return encoded.macro_f1(encoded.ones())


def micro_f1(gold: LabelSets, pred: LabelSets) -> float:
    """F1 of tp, fp and fn pooled over all labels: ``2tp / (2tp + fp + fn)``."""
    encoded = _encode(gold, pred)
    return encoded.micro_f1(encoded.ones())


def hamming_loss(gold: LabelSets, pred: LabelSets, labels: Sequence[str] | None = None) -> float:
    """Share of wrong membership bits over ``n × |labels|`` (labels default: sorted union of gold and pred).

    Labels outside a given ``labels`` are ignored.
    """
    encoded = _encode(gold, pred, labels=labels)
    return encoded.hamming_loss(encoded.ones())


def oos_recall(gold: LabelSets, pred: LabelSets, oos: str = OOS) -> float:
    """Of the samples whose gold is ``{oos}``, the share predicted exactly ``{oos}``; 0.0 when there is none."""
    encoded = _encode(gold, pred, labels=(), oos=oos)
    return encoded.oos_recall(encoded.ones())


def oos_precision(gold: LabelSets, pred: LabelSets, oos: str = OOS) -> float:
    """Of the samples predicted exactly ``{oos}``, the share whose gold is ``{oos}``; 0.0 when none was."""
    encoded = _encode(gold, pred, labels=(), oos=oos)
    return encoded.oos_precision(encoded.ones())


def in_scope_accuracy(gold: LabelSets, pred: LabelSets, oos: str = OOS) -> float:
    """Subset accuracy over the samples whose gold is not ``{oos}``; 0.0 when there is none."""
    encoded = _encode(gold, pred, labels=(), oos=oos)
    return encoded.in_scope_accuracy(encoded.ones())


def _ece_bins(confidence: np.ndarray, bins: int) -> np.ndarray:
    """Bin of each confidence: bin i holds (i/bins, (i+1)/bins], bin 0 also holds 0.

    Edges are ``i / bins`` (correctly rounded, so 0.3 lands in (0.2, 0.3] with 10 bins).
    """
    edges = np.arange(bins + 1) / bins
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)


def _check_confidence(confidence: np.ndarray, bins: int) -> None:
    if bins < 1:
        raise ValueError(f"ECE needs at least one bin, got {bins}")
    if not np.all((confidence >= 0.0) & (confidence <= 1.0)):  # also rejects NaN
        raise ValueError("confidences must lie in [0, 1]")


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> float:
    """Expected calibration error with ``bins`` equal-width bins over [0, 1].

    ``sum over bins of |bin| / n · |mean(correct) − mean(confidence)|``, where bin i holds confidences
    in (i/bins, (i+1)/bins] and bin 0 also holds 0 (so 1.0 is in the last bin). Empty bins add
    nothing; no samples give 0.0.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    hits = np.asarray(correct, dtype=np.float64)
    if conf.shape != hits.shape:
        raise ValueError(f"confidence and correctness differ in length: {conf.size} vs {hits.size}")
    _check_confidence(conf, bins)
    return _weighted_ece(_ece_bins(conf, bins), hits - conf, np.ones(conf.size), bins)


def _weighted_ece(bin_of: np.ndarray, gap: np.ndarray, w: np.ndarray, bins: int) -> float:
    # |bin| / n · |mean(correct) − mean(conf)| = |Σ_bin (correct − conf)| / n
    per_bin = np.bincount(bin_of, weights=w * gap, minlength=bins)
    return _ratio(float(np.abs(per_bin).sum()), w.sum())


def confusion_counts(gold: LabelSets, pred: LabelSets) -> dict[tuple[str, str], int]:
    """Single-label confusion counts: ``(gold label, predicted label) → count``, sorted by key.

    The predicted label is ``""`` when the prediction is empty or holds several labels. Every gold
    set must hold exactly one label.
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold and predicted label sets differ in length: {len(gold)} vs {len(pred)}")
    counts: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, pred, strict=True):
        if len(g) != 1:
            raise ValueError(f"confusion counts need one gold label per sample, got {sorted(g)}")
        (gold_label,) = g
        counts[gold_label, next(iter(p)) if len(p) == 1 else ""] += 1
    return dict(sorted(counts.items()))


def metric_with_ci(
    metric: Callable[[np.ndarray], float], n: int, *, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES
) -> MetricValue:
    """A corpus-level metric with its 95% percentile-bootstrap CI over samples.

    ``metric`` scores the samples at the given indices (repeats allowed). The value is
    ``metric(np.arange(n))``; the CI is the 2.5th and 97.5th percentile of ``metric`` on ``resamples``
    resamples of n indices drawn with replacement from ``numpy.random.default_rng(seed)``, so a seed
    gives the same interval and every metric of a split sees the same resamples. No samples give
    ``MetricValue(nan, None, None, 0)``.
    """
    if n == 0:
        return MetricValue(value=math.nan, ci_low=None, ci_high=None, n=0)
    value = float(metric(np.arange(n)))
    rng = np.random.default_rng(seed)
    scores = np.array([metric(rng.integers(0, n, size=n)) for _ in range(resamples)], dtype=np.float64)
    low, high = np.percentile(scores, [2.5, 97.5]) if resamples else (value, value)
    return MetricValue(value=value, ci_low=float(low), ci_high=float(high), n=n)


def classification_metrics(
    gold: LabelSets,
    pred: LabelSets,
    confidence: Sequence[float | None] | None = None,
    *,
    multilabel: bool,
    oos: str = OOS,
    seed: int = 0,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, MetricValue]:
    """The per-split metrics, each with its 95% bootstrap CI (``metric_with_ci``).

    Always ``accuracy`` (subset accuracy) and ``macro_f1``; when some gold is exactly ``{oos}``,
    ``oos_recall``, ``oos_precision`` and ``in_scope_accuracy``; when ``multilabel``, also
    ``subset_accuracy`` (the same number as ``accuracy``), ``micro_f1`` and ``hamming_loss`` (over the
    split's labels, the sorted union of gold and predicted labels); ``ece`` when a confidence is given
    for every sample, scored against exact set match.
    """
    encoded = _encode(gold, pred, oos=oos)
    n = encoded.n

    def weighted(score: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
        # A resample's indices as per-sample counts: every metric is then weighted sums over the samples.
        return lambda idx: score(np.bincount(idx, minlength=n).astype(np.float64))

    scores: dict[str, Callable[[np.ndarray], float]] = {
        "accuracy": encoded.subset_accuracy,
        "macro_f1": encoded.macro_f1,
    }
    if encoded.gold_oos.any():
        scores["oos_recall"] = encoded.oos_recall
        scores["oos_precision"] = encoded.oos_precision
        scores["in_scope_accuracy"] = encoded.in_scope_accuracy
    if multilabel:
        scores["subset_accuracy"] = encoded.subset_accuracy
        scores["micro_f1"] = encoded.micro_f1
        scores["hamming_loss"] = encoded.hamming_loss
    if confidence is not None and all(c is not None for c in confidence):
        if len(confidence) != n:
            raise ValueError(f"confidence and label sets differ in length: {len(confidence)} vs {n}")
        conf = np.array([float(c) for c in confidence if c is not None], dtype=np.float64)
        _check_confidence(conf, ECE_BINS)
        bin_of, gap = _ece_bins(conf, ECE_BINS), encoded.exact - conf
        scores["ece"] = lambda w: _weighted_ece(bin_of, gap, w, ECE_BINS)
    results = {
        name: metric_with_ci(weighted(score), n, seed=seed, resamples=resamples) for name, score in scores.items()
    }
    # n says how many samples a metric is about: the out-of-scope ones, the predicted-OOS ones, the in-scope ones.
    counts = {
        "oos_recall": int(encoded.gold_oos.sum()),
        "oos_precision": int(encoded.pred_oos.sum()),
        "in_scope_accuracy": int(n - encoded.gold_oos.sum()),
    }
    for name, count in counts.items():
        if name in results:
            results[name] = replace(results[name], n=count)
    return results
