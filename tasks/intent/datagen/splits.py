"""Assembly of the intent splits: seeded draws per intent, shifted styles, out of scope and compositions."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from harness.tasks.intent.datagen.out_of_scope import OOS_EXTRAS, OOS_TEMPLATES
from harness.tasks.intent.datagen.render import compose, decorate, normalise, phrasing_pattern, sentence
from harness.tasks.intent.datagen.spec import Spec, compatible
from harness.tasks.intent.datagen.specs_account import ACCOUNT_SPECS
from harness.tasks.intent.datagen.specs_orders import ORDER_SPECS
from harness.tasks.intent.datagen.specs_returns import RETURN_SPECS
from harness.tasks.intent.datagen.specs_services import SERVICE_SPECS
from harness.tasks.intent.datagen.values import Values
from harness.tasks.intent.intents import INTENTS, OUT_OF_SCOPE

SEED = 20250612
TRAIN_PER_INTENT = 88
TEST_PER_INTENT = 26
SHIFTED_PER_INTENT = 7
OOS_PER_GROUP = {"near_domain": 95, "other_services": 35, "general": 32, "chit_chat": 23}
OOS_MAX_PER_TEMPLATE = 3
MULTI_COUNTS = {2: 248, 3: 82}
MIN_MULTI_PER_INTENT = 10
BALANCE_TOLERANCE = 0.2
MAX_DRAWS = 50_000
SPLITS = ("train", "test", "ood", "multilabel")

SPECS: tuple[Spec, ...] = (*ORDER_SPECS, *RETURN_SPECS, *ACCOUNT_SPECS, *SERVICE_SPECS)

Record = dict[str, Any]


def id_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(label, pattern) of every ID template of every intent."""
    return [(spec.label, phrasing_pattern(t)) for spec in SPECS for t in spec.templates]


def record(tags: Sequence[str], text: str, labels: Sequence[str]) -> Record:
    """One example before its split and id are assigned."""
    return {"tags": list(tags), "text": text, "labels": sorted(labels)}


def draw_unique(count: int, seen: set[str], make: Callable[[], Record], what: str) -> list[Record]:
    """``count`` records whose normalised texts are new to ``seen`` (which is updated)."""
    found: list[Record] = []
    for _ in range(MAX_DRAWS):
        if len(found) == count:
            return found
        item = make()
        key = normalise(item["text"])
        if key not in seen:
            seen.add(key)
            found.append(item)
    raise RuntimeError(f"{what}: only {len(found)} of {count} distinct texts in {MAX_DRAWS} draws: add templates")


def id_records(spec: Spec, seen: set[str]) -> dict[str, list[Record]]:
    """Train and test records of one intent, from one seeded stream."""
    rng = random.Random(f"{SEED}/{spec.label}/id")

    def make() -> Record:
        body = sentence(Values(rng).fill(rng.choice(spec.templates), spec.extras))
        return record(["id"], decorate(rng, body), [spec.label])

    drawn = draw_unique(TRAIN_PER_INTENT + TEST_PER_INTENT, seen, make, spec.label)
    return {"train": drawn[:TRAIN_PER_INTENT], "test": drawn[TRAIN_PER_INTENT:]}


def shifted_records(spec: Spec, seen: set[str]) -> list[Record]:
    """In-scope messages of one intent in shifted styles, each from a different shifted template."""
    rng = random.Random(f"{SEED}/{spec.label}/shifted")
    templates = list(spec.shifted)
    rng.shuffle(templates)
    found: list[Record] = []
    for template in templates[:SHIFTED_PER_INTENT]:

        def make(template: str = template) -> Record:
            return record(["shifted"], Values(rng).fill(template, spec.extras), [spec.label])

        found.extend(draw_unique(1, seen, make, f"{spec.label} shifted"))
    return found


def oos_records(seen: set[str]) -> list[Record]:
    """Out-of-scope messages: each group's templates in turn (reshuffled every round) until its count is reached."""
    found: list[Record] = []
    for group, count in OOS_PER_GROUP.items():
        rng = random.Random(f"{SEED}/oos/{group}")
        templates = list(OOS_TEMPLATES[group])
        uses: Counter[str] = Counter()
        drawn: list[Record] = []
        while len(drawn) < count:
            rng.shuffle(templates)
            before = len(drawn)
            for template in templates:
                if len(drawn) == count:
                    break
                for _ in range(8 if uses[template] < OOS_MAX_PER_TEMPLATE else 0):  # one text if it has no slots
                    text = sentence(Values(rng).fill(template, OOS_EXTRAS))
                    # Greetings and thanks as often as in train; chit-chat gets no "thanks in advance".
                    text = decorate(rng, text, thanks=group != "chit_chat")
                    if normalise(text) not in seen:
                        uses[template] += 1
                        seen.add(normalise(text))
                        drawn.append(record(["oos"], text, [OUT_OF_SCOPE]))
                        break
            if len(drawn) == before:
                raise RuntimeError(f"out-of-scope group {group}: only {len(drawn)} of {count} distinct texts")
        found.extend(drawn)
    return found


def multi_record(rng: random.Random, k: int, uses: Counter[str]) -> Record:
    """One message with ``k`` pairwise compatible intents, drawn among the least used so far."""
    by_label = {spec.label: spec for spec in SPECS}
    chosen: list[str] = []
    while len(chosen) < k:
        candidates = [label for label in by_label if all(compatible(label, c) for c in chosen)]
        candidates.sort(key=lambda label: (uses[label], rng.random()))
        chosen.append(rng.choice(candidates[:5]))
    text = decorate(rng, compose(rng, [by_label[c] for c in chosen]))
    return record(["multilabel", f"k{k}"], text, chosen)


def multilabel_records(seen: set[str]) -> list[Record]:
    """Messages with 2 or 3 compatible intents; preferring the least used intents covers all of them."""
    uses: Counter[str] = Counter()
    found: list[Record] = []
    for k, count in MULTI_COUNTS.items():
        make = partial(multi_record, random.Random(f"{SEED}/multilabel/k{k}"), k, uses)
        for _ in range(count):
            (item,) = draw_unique(1, seen, make, f"multilabel k{k}")
            uses.update(item["labels"])
            found.append(item)
    return found


def build_splits() -> dict[str, list[Record]]:
    """Every split's records, shuffled (seeded) and numbered ``intent-<split>-<5 digits>``."""
    missing = sorted(set(INTENTS) ^ {spec.label for spec in SPECS})
    if missing:
        raise RuntimeError(f"intents without phrasings, or phrasings without an intent: {missing}")
    seen: set[str] = set()
    splits: dict[str, list[Record]] = {split: [] for split in SPLITS}
    for spec in SPECS:
        for split, records in id_records(spec, seen).items():
            splits[split].extend(records)
    for spec in SPECS:
        splits["ood"].extend(shifted_records(spec, seen))
    splits["ood"].extend(oos_records(seen))
    splits["multilabel"].extend(multilabel_records(seen))
    for split, records in splits.items():
        random.Random(f"{SEED}/shuffle/{split}").shuffle(records)
        splits[split] = [{"id": f"intent-{split}-{i:05d}", "split": split, **r} for i, r in enumerate(records)]
    return splits
