"""Checks of generated intent splits (``check``); the generator refuses to write splits with problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from harness.tasks.intent.datagen.render import normalise
from harness.tasks.intent.datagen.spec import compatible
from harness.tasks.intent.datagen.splits import (
    BALANCE_TOLERANCE,
    MIN_MULTI_PER_INTENT,
    MULTI_COUNTS,
    SPLITS,
    Record,
    id_patterns,
)
from harness.tasks.intent.intents import INTENTS, OUT_OF_SCOPE


def check(splits: Mapping[str, Sequence[Record]]) -> list[str]:
    """Problems of generated splits (an empty list when there are none).

    Duplicate texts across splits (after ``normalise``), labels outside ``INTENTS`` and ``OUT_OF_SCOPE``,
    label counts and tags that do not fit the split, shifted or out-of-scope texts that an ID template
    can produce, train/test imbalance beyond ``BALANCE_TOLERANCE``, multi-intent combinations that
    ``compatible`` rules out, and intents with fewer than ``MIN_MULTI_PER_INTENT`` multi-intent records.
    """
    problems: list[str] = []
    known = {*INTENTS, OUT_OF_SCOPE}
    first_seen: dict[str, str] = {}
    patterns = id_patterns()
    for split in SPLITS:
        for i, r in enumerate(splits.get(split, ())):
            where = f"{split}[{i}] {r.get('id')}"
            if r.get("id") != f"intent-{split}-{i:05d}" or r.get("split") != split:
                problems.append(f"{where}: id or split does not match its place")
            text, labels, tags = r["text"], r["labels"], r["tags"]
            key = normalise(text)
            if key in first_seen:
                problems.append(f"{where}: text duplicates {first_seen[key]}: {text!r}")
            first_seen.setdefault(key, where)
            if unknown := [x for x in labels if x not in known]:
                problems.append(f"{where}: unknown labels {unknown}")
            if labels != sorted(set(labels)):
                problems.append(f"{where}: labels not sorted and distinct: {labels}")
            if split in ("train", "test"):
                if tags != ["id"] or len(labels) != 1 or OUT_OF_SCOPE in labels:
                    problems.append(f"{where}: an ID example has one in-scope label and tags ['id']")
            elif split == "ood":
                expected = ["oos"] if labels == [OUT_OF_SCOPE] else ["shifted"]
                if tags != expected or len(labels) != 1:
                    problems.append(f"{where}: an ood example has one label and tags {expected}")
                clash = next((label for label, p in patterns if p.fullmatch(text)), None)
                if clash:
                    problems.append(f"{where}: {tags[0]} text {text!r} is producible by an ID template of {clash}")
            else:
                k = len(labels)
                if k not in MULTI_COUNTS or tags != ["multilabel", f"k{k}"] or OUT_OF_SCOPE in labels:
                    problems.append(f"{where}: a multilabel example has 2 or 3 in-scope labels and matching tags")
                pairs = [(a, b) for j, a in enumerate(labels) for b in labels[j + 1 :]]
                if bad := [pair for pair in pairs if not compatible(*pair)]:
                    problems.append(f"{where}: implausible combination {bad}")
    for split in ("train", "test"):
        counts = Counter(r["labels"][0] for r in splits.get(split, ()))
        mean = sum(counts.values()) / len(INTENTS)
        for label in INTENTS:
            if abs(counts[label] - mean) > BALANCE_TOLERANCE * mean:
                problems.append(f"{split}: {label} has {counts[label]} examples, mean {mean:.1f}")
    ood = Counter(r["labels"][0] for r in splits.get("ood", ()))
    for label in INTENTS:
        if ood[label] == 0:
            problems.append(f"ood: no shifted example of {label}")
    multi = Counter(x for r in splits.get("multilabel", ()) for x in r["labels"])
    for label in INTENTS:
        if multi[label] < MIN_MULTI_PER_INTENT:
            problems.append(f"multilabel: {label} occurs in {multi[label]} records, fewer than {MIN_MULTI_PER_INTENT}")
    return problems
