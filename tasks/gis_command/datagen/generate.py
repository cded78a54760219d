"""Regenerate the built-in gis_command data: ``python -m harness.tasks.gis_command.datagen [OUT_DIR]``.

Deterministic: every command family draws from its own ``random.Random`` seeded with ``SEED`` and the
family name, so the committed files are reproduced byte for byte. A family (see ``FAMILIES``) is a
sampler returning the target call and the strings that show its values in text, plus in-distribution
(``ID``) and out-of-distribution (``OOD``) phrasing templates.

- ``train`` and ``test`` share the ID templates, the ID prefixes/suffixes and the ID value pools; no
  input text occurs twice across all splits.
- ``ood`` has single commands in OOD templates that no ID template can produce (checked here and in the
  tests), and two-command compositions of ID phrasings joined by a connector (target joined by ``; ``).
  Every ``ood`` example draws places, layers, files, labels, URLs and attributes from OOD pools that
  share no value with the ID pools.

Numbers appear as digits or as words (tag ``numbers:words``); targets always use digits.

Layout: ``pools`` holds the ID/OOD value pools and the closed vocabularies, ``samplers`` one sampler per
command, ``families`` the phrasing templates per command, ``phrasing`` the rendering and the ID patterns;
this module assembles the splits and writes the files.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.metrics.calls import Call, format_calls
from harness.tasks.gis_command.datagen.families import FAMILIES, Family
from harness.tasks.gis_command.datagen.phrasing import CONNECTORS, fill, id_patterns, id_phrase, lower_first, sentence
from harness.tasks.gis_command.datagen.pools import ID_POOLS, OOD_POOLS
from harness.tasks.gis_command.datagen.samplers import Sample
from harness.tasks.gis_command.task import COMMANDS

SEED = 20250607
TRAIN_PER_FAMILY = 90
TEST_PER_FAMILY = 24
OOD_PER_FAMILY = 8
OOD_COMPOSITIONS = 72
MAX_DRAWS = 20_000
DATA_DIR = Path(__file__).parent.parent / "data"

# ---- splits --------------------------------------------------------------------------------------


def record(split: str, tags: Sequence[str], text: str, calls: Sequence[Call]) -> dict[str, Any]:
    """One example before ids are assigned."""
    return {"split": split, "tags": list(tags), "input": text, "output": format_calls(calls)}


def word_tags(*samples: Sample) -> list[str]:
    return ["numbers:words"] if any(s.words for s in samples) else []


def draw_unique(rng: random.Random, count: int, seen: set[str], make: Callable[[], tuple[str, Any]]) -> list[Any]:
    """``count`` items whose input texts are new to ``seen`` (which is updated)."""
    found: list[Any] = []
    for _ in range(MAX_DRAWS):
        if len(found) == count:
            return found
        text, item = make()
        if text not in seen:
            seen.add(text)
            found.append(item)
    raise RuntimeError(f"only {len(found)} of {count} distinct inputs in {MAX_DRAWS} draws: add templates")


def id_records(family: Family, seen: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Train and test records of one family, from one seeded stream."""
    rng = random.Random(f"{SEED}/{family.command}/id")

    def make() -> tuple[str, dict[str, Any]]:
        sample = family.sample(rng, ID_POOLS)
        text = id_phrase(rng, family, sample, decorate=True)
        return text, record("", [f"cmd:{family.command}", *word_tags(sample)], text, [sample.call])

    drawn = draw_unique(rng, TRAIN_PER_FAMILY + TEST_PER_FAMILY, seen, make)
    return {"train": drawn[:TRAIN_PER_FAMILY], "test": drawn[TRAIN_PER_FAMILY:]}


def ood_single_records(family: Family, seen: set[str], patterns: Sequence[re.Pattern[str]]) -> list[dict[str, Any]]:
    """OOD phrasings of one family with OOD values; none of them is producible by an ID template."""
    rng = random.Random(f"{SEED}/{family.command}/ood")

    def make() -> tuple[str, dict[str, Any]]:
        sample = family.sample(rng, OOD_POOLS)
        text = sentence(fill(rng.choice(family.ood_templates), sample.shown))
        clash = next((p.pattern for p in patterns if p.fullmatch(text)), None)
        if clash:
            raise RuntimeError(f"OOD input {text!r} matches the ID template pattern {clash!r}")
        tags = ["ood", "ood:phrasing", f"cmd:{family.command}", *word_tags(sample)]
        return text, record("", tags, text, [sample.call])

    return draw_unique(rng, OOD_PER_FAMILY, seen, make)


def composition_records(seen: set[str]) -> list[dict[str, Any]]:
    """Two commands in one request (ID phrasings, OOD values), target joined by ``; ``."""
    rng = random.Random(f"{SEED}/composition")

    def make() -> tuple[str, dict[str, Any]]:
        first, second = rng.sample(FAMILIES, 2)
        one, two = first.sample(rng, OOD_POOLS), second.sample(rng, OOD_POOLS)
        text = sentence(
            id_phrase(rng, first, one, decorate=False)
            + rng.choice(CONNECTORS)
            + lower_first(id_phrase(rng, second, two, decorate=False))
        )
        tags = ["ood", "ood:composition", f"cmd:{first.command}", f"cmd:{second.command}", *word_tags(one, two)]
        return text, record("", tags, text, [one.call, two.call])

    return draw_unique(rng, OOD_COMPOSITIONS, seen, make)


def build_splits() -> dict[str, list[dict[str, Any]]]:
    """Every split's records, shuffled (seeded) and numbered."""
    missing = [f.command for f in FAMILIES if f.command not in COMMANDS]
    if missing:
        raise RuntimeError(f"commands without a reference entry in task.COMMANDS: {missing}")
    seen: set[str] = set()
    patterns = id_patterns()
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "test": [], "ood": []}
    for family in FAMILIES:
        for split, records in id_records(family, seen).items():
            splits[split].extend(records)
    for family in FAMILIES:
        splits["ood"].extend(ood_single_records(family, seen, patterns))
    splits["ood"].extend(composition_records(seen))
    for split, records in splits.items():
        random.Random(f"{SEED}/shuffle/{split}").shuffle(records)
        splits[split] = [{"id": f"gis-{split}-{i:04d}", **{**r, "split": split}} for i, r in enumerate(records)]
    return splits


def jsonl(records: Sequence[dict[str, Any]]) -> str:
    """The file text: one compact JSON object per line, UTF-8, newline-terminated."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: Sequence[str]) -> int:
    """Write ``{train,test,ood}.jsonl`` into the given folder (default: the task's data folder)."""
    out = Path(argv[0]) if argv else DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    for split, records in build_splits().items():
        (out / f"{split}.jsonl").write_text(jsonl(records), encoding="utf-8")
        print(f"{split}: {len(records)} examples -> {out / f'{split}.jsonl'}")
    return 0
