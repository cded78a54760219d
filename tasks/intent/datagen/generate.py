"""Regenerate the built-in intent data: ``python -m harness.tasks.intent.datagen [OUT_DIR]``.

Customer-support messages to Lumora, a fictional UK online electronics shop, labelled with the intents
of ``intents.py``. Deterministic: every intent, out-of-scope group and composition draws from its own
``random.Random`` seeded with ``SEED`` and a fixed name, nothing iterates over a set of strings, so the
committed files are reproduced byte for byte whatever ``PYTHONHASHSEED`` is. An intent (see ``SPECS``)
has in-distribution (``ID``) templates, shifted-style templates, and request/statement clauses that the
multi-intent compositions are built from; templates name slots (``{order}``, ``{product}``...) filled
from the value pools below.

- ``train`` and ``test`` (tags ``["id"]``, one label each) share the ID templates, the value pools and the
  optional greeting prefix / thanks suffix; every intent has exactly ``TRAIN_PER_INTENT`` and
  ``TEST_PER_INTENT`` examples.
- ``ood`` holds ``out_of_scope`` queries (tag ``oos``: chit-chat, general knowledge, other companies'
  services and, most of all, near-domain requests such as product advice or device how-to that no intent
  covers) and in-scope queries in styles that train never shows (tag ``shifted``, one real label): terse
  keywords, typos, long rambling stories, implicit requests, formal business register and slang. No
  shifted or out-of-scope text can be produced by an ID template (``check`` verifies it).
- ``multilabel`` composes 2 (``k2``, about 75%) or 3 (``k3``) intents into one message with varied
  connectors; only plausible combinations (see ``compatible``) occur, every intent occurs in at least
  ``MIN_MULTI_PER_INTENT`` records, and ``labels`` are sorted.

No text occurs twice across all splits; the comparison ignores case, punctuation and the greeting/thanks
decoration, so two examples never differ by a "Hi," alone. Slot values (names, emails, order numbers,
phone numbers in the 07700 900xxx drama range) are invented.

Layout: ``values`` holds the slot value pools and fills templates, ``spec`` the ``Spec`` record and the
compatibility rules, ``specs_orders``/``_returns``/``_account``/``_services`` the phrasings of the intents
(template tables, in ``INTENTS`` order), ``out_of_scope`` the out-of-scope templates, ``render`` the
decoration, compositions and comparison keys, ``splits`` the counts and the assembly of the splits, and
``checks`` the checks; this module checks and writes the files.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.tasks.intent.datagen.checks import check
from harness.tasks.intent.datagen.splits import SPLITS, Record, build_splits

DATA_DIR = Path(__file__).parent.parent / "data"


def jsonl(records: Sequence[Record]) -> str:
    """The file text: one compact JSON object per line, UTF-8, newline-terminated."""
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def write(out_dir: Path | str = DATA_DIR, splits: Mapping[str, Sequence[Record]] | None = None) -> dict[str, int]:
    """Write ``{train,test,ood,multilabel}.jsonl`` into ``out_dir``; the number of records per split."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    splits = build_splits() if splits is None else splits
    for split in SPLITS:
        (out / f"{split}.jsonl").write_text(jsonl(splits[split]), encoding="utf-8")
    return {split: len(splits[split]) for split in SPLITS}


def main(argv: Sequence[str]) -> int:
    """Generate, check, and write into the given folder (default: the task's data folder)."""
    out = Path(argv[0]) if argv else DATA_DIR
    splits = build_splits()
    problems = check(splits)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    for split, n in write(out, splits).items():
        tags = Counter(tag for r in splits[split] for tag in r["tags"])
        print(f"{split}: {n} examples -> {out / f'{split}.jsonl'}  tags {dict(sorted(tags.items()))}")
    return 0
