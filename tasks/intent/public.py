"""Reading public intent-classification datasets: CLINC150, BANKING77, NLU++ and MixATIS/MixSNIPS.

Every reader returns ``(where, record)`` pairs, ``where`` a ``file:line`` (or ``file:key[index]``) for
error messages and ``record`` this task's own shape ``{id, split, tags, text, labels}``: one label for the
single-label sources, the sorted unique labels for the multi-label ones. The label set is whatever the
data holds (:func:`label_set`).

- CLINC150 (``data_full.json``; also ``data_small``, ``data_imbalanced``, ``data_oos_plus``): one JSON
  object whose keys ``train``, ``val``, ``test``, ``oos_train``, ``oos_val``, ``oos_test`` each hold a
  list of ``[text, label]`` pairs. The ``oos_*`` lists become the ``ood`` split, and CLINC's label
  ``oos`` is written ``out_of_scope`` wherever it appears. Ids are ``clinc150-<key>-<index>``.
- BANKING77: a CSV file with a ``text,category`` header; the split comes from the file name
  (``train.csv`` or ``test.csv``; anything else is ``test``).
- NLU++: a JSON list of ``{text, intents, slots}`` items; ``slots`` is ignored, and an item without
  ``intents`` has no intent (``labels`` empty, tagged ``no_intent``). Items are parsed one at a time so
  errors name the line an item starts on.
- MixATIS/MixSNIPS: one ``token TAG`` line per token, utterances separated by blank lines, the last line
  of each utterance a single token with its intents joined by ``#`` (``atis_flight#atis_airfare``).

Everything is read with the standard library (``json``, ``csv``), never downloaded.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harness.data import Record
from harness.errors import BadInput
from harness.metrics.classification import OOS

FORMATS = ("clinc150", "banking77", "nlupp", "mixatis")
OUT_OF_SCOPE = OOS
# CLINC150's keys → this task's splits.
CLINC_SPLITS = {
    "train": "train",
    "val": "val",
    "test": "test",
    "oos_train": "ood",
    "oos_val": "ood",
    "oos_test": "ood",
}
_HEAD_CHARS = 64 * 1024  # how much of a file detect() reads before deciding
_SAMPLE = 5  # how many items or utterances detect() checks
_WHITESPACE = re.compile(r"\s*")

Pairs = list[tuple[str, Record]]


def detect(path: str | Path) -> str | None:
    """Which public format a data file is in (one of :data:`FORMATS`), or None for the task's own format.

    Decided by content, not the file name: a JSON object of ``[text, label]`` lists under ``train`` and
    ``test`` is CLINC150; a CSV header with ``text`` and ``category`` is BANKING77; a JSON list of objects
    with ``text`` and ``intents`` (and no ``label``/``labels``) is NLU++; ``token TAG`` lines whose
    utterances end in a lone intent token are MixATIS/MixSNIPS. A file that is none of these, or cannot be
    read, is left to the ordinary reader (and its error messages).
    """
    path = Path(path)
    if not path.is_file() or path.suffix.lower() == ".parquet":
        return None
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(_HEAD_CHARS + 1)
    except OSError:
        return None
    whole = len(head) <= _HEAD_CHARS
    start = head.lstrip()[:1]
    if start == "{":
        data = _first_json_value(path, head)
        return "clinc150" if isinstance(data, dict) and _looks_like_clinc(data) else None
    if start == "[":
        data = _load_json(path)
        return "nlupp" if isinstance(data, list) and _looks_like_nlupp(data) else None
    lines = head.splitlines() if whole else head.splitlines()[:-1]  # the last line may be cut short
    if lines and _looks_like_banking77(lines[0]):
        return "banking77"
    if _looks_like_mix(lines, whole):
        return "mixatis"
    return None


def read_public(path: str | Path, fmt: str) -> Pairs:
    """Read a public dataset file in format ``fmt`` (as :func:`detect` names it) into this task's records."""
    path = Path(path)
    readers = {"clinc150": read_clinc150, "banking77": read_banking77, "nlupp": read_nlupp, "mixatis": read_mix}
    if fmt not in readers:
        raise BadInput(f"{path}: unknown public intent format '{fmt}': use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise BadInput(f"{path}: no such file: check the --data path")
    try:
        return readers[fmt](path)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text ({exc.reason}): save the file as UTF-8") from None


def label_set(records: Iterable[Record | tuple[str, Record]]) -> list[str]:
    """The sorted labels found in records (or ``(where, record)`` pairs), ``out_of_scope`` last if present."""
    found: set[str] = set()
    for item in records:
        record = item[1] if isinstance(item, tuple) else item
        found.update(record["labels"])
    return sorted(found - {OUT_OF_SCOPE}) + ([OUT_OF_SCOPE] if OUT_OF_SCOPE in found else [])


# ---- CLINC150 ------------------------------------------------------------------------------------------


def read_clinc150(path: Path) -> Pairs:
    """CLINC150's ``data_*.json``: ``{train, val, test, oos_train, oos_val, oos_test}`` of ``[text, label]``."""
    data = _load_json(path, strict=True)
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected CLINC150's JSON object of splits, got {type(data).__name__}")
    unknown = [key for key in data if key not in CLINC_SPLITS]
    if unknown:
        raise BadInput(
            f"{path}: unknown CLINC150 key '{unknown[0]}': expected only {', '.join(CLINC_SPLITS)} "
            f"(each a list of [text, label])"
        )
    out: Pairs = []
    for key, split in CLINC_SPLITS.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            raise BadInput(f"{path}:{key}: must be a list of [text, label] pairs, got {type(items).__name__}")
        for index, item in enumerate(items):
            where = f"{path}:{key}[{index}]"
            if not _is_pair(item) or not item[0].strip():
                raise BadInput(
                    f"{where}: expected a [text, label] pair of non-empty strings, got {_describe(item)}: "
                    f"fix the item or use CLINC150's original file"
                )
            label = item[1].strip()
            if split == "ood" or label == "oos":
                label = OUT_OF_SCOPE
            tags = ["clinc150", "oos"] if label == OUT_OF_SCOPE else ["clinc150"]
            record = {"id": f"clinc150-{key}-{index}", "split": split, "tags": tags, "text": item[0].strip()}
            out.append((where, {**record, "labels": [label]}))
    if not out:
        raise BadInput(f"{path}: no examples: CLINC150's file needs at least one of {', '.join(CLINC_SPLITS)}")
    return out


# ---- BANKING77 -----------------------------------------------------------------------------------------


def read_banking77(path: Path) -> Pairs:
    """BANKING77's ``train.csv``/``test.csv``: a ``text,category`` header, one query a row."""
    split = "train" if "train" in path.stem.lower() else "test"
    out: Pairs = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader, [])]
        if "text" not in header or "category" not in header:
            raise BadInput(f"{path}:1: BANKING77's header must name the columns 'text' and 'category'")
        text_at, label_at = header.index("text"), header.index("category")
        line = reader.line_num + 1  # the line the next row starts on (a quoted text may span lines)
        for row in reader:
            where = f"{path}:{line}"
            line = reader.line_num + 1
            if not row:
                continue
            text = row[text_at].strip() if text_at < len(row) else ""
            label = row[label_at].strip() if label_at < len(row) else ""
            if not text or not label:
                empty = "text" if not text else "category"
                raise BadInput(f"{where}: empty {empty}: every BANKING77 row needs a text and a category")
            record = {"id": f"banking77-{split}-{len(out)}", "split": split, "tags": ["banking77"], "text": text}
            out.append((where, {**record, "labels": [label]}))
    return out


# ---- NLU++ ---------------------------------------------------------------------------------------------


def read_nlupp(path: Path) -> Pairs:
    """An NLU++ file: a JSON list of ``{text, intents, slots}``; multi-label, ``slots`` ignored."""
    split = "train" if "train" in path.name.lower() else "multilabel"
    out: Pairs = []
    text = path.read_text(encoding="utf-8-sig")
    for index, (line, item) in enumerate(_json_list_items(path, text)):
        where = f"{path}:{line}"
        if not isinstance(item, dict):
            raise BadInput(f"{where}: expected an NLU++ object {{text, intents}}, got {type(item).__name__}")
        utterance = item.get("text")
        if not isinstance(utterance, str) or not utterance.strip():
            raise BadInput(f"{where}: field 'text' must be a non-empty string (NLU++'s {{text, intents}} items)")
        intents = item.get("intents")
        if intents is None:
            intents = []
        if not isinstance(intents, list) or not all(isinstance(i, str) and i.strip() for i in intents):
            raise BadInput(
                f"{where}: field 'intents' must be a list of intent names (strings), got {_describe(intents)}: "
                f'write e.g. ["change", "booking"], or leave it out for an utterance with no intent'
            )
        labels = sorted({i.strip() for i in intents})
        tags = ["nlupp", "multilabel", *([] if labels else ["no_intent"])]
        example_id = str(item["id"]) if item.get("id") not in (None, "") else f"nlupp-{split}-{index}"
        record = {"id": example_id, "split": split, "tags": tags, "text": utterance.strip(), "labels": labels}
        out.append((where, record))
    return out


def _json_list_items(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """The items of a JSON list, each with the line it starts on, decoded one at a time."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "[":
        raise BadInput(f"{path}:{_line_of(text, pos)}: expected a JSON list of NLU++ {{text, intents}} items")
    line, counted = 1, 0
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "]":
        pos = _skip(text, pos + 1)
    else:
        while True:
            line += text.count("\n", counted, pos)
            counted = pos
            try:
                item, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}): fix the file") from None
            yield line, item
            pos = _skip(text, pos)
            mark = text[pos : pos + 1]
            if mark == "]":
                pos = _skip(text, pos + 1)
                break
            if mark != ",":
                raise BadInput(f"{path}:{_line_of(text, pos)}: not valid JSON (expected ',' or ']'): fix the file")
            pos = _skip(text, pos + 1)
    if pos < len(text):
        raise BadInput(f"{path}:{_line_of(text, pos)}: not valid JSON (extra data after the list): fix the file")


# ---- MixATIS / MixSNIPS --------------------------------------------------------------------------------


def read_mix(path: Path) -> Pairs:
    """MixATIS/MixSNIPS: ``token TAG`` lines, a ``#``-joined intent line ending each blank-separated utterance."""
    stem = path.stem.lower()
    split = "train" if "train" in stem else "val" if "dev" in stem or stem in ("val", "valid") else "multilabel"
    dataset = "mixsnips" if "snips" in str(path).lower() else "mixatis"
    out: Pairs = []
    with path.open(encoding="utf-8-sig") as handle:
        for block in _blocks(handle):
            first = block[0][0]
            where = f"{path}:{first}"
            *token_lines, (intent_at, intent_fields) = block
            if len(intent_fields) != 1:
                raise BadInput(
                    f"{path}:{intent_at}: the utterance starting on line {first} has no intent line: end each "
                    f"utterance with one line holding its intents joined by '#', then a blank line"
                )
            tokens = []
            for number, fields in token_lines:
                if len(fields) != 2:
                    problem = "a token without a tag" if len(fields) == 1 else f"{len(fields)} fields"
                    raise BadInput(
                        f"{path}:{number}: {problem}: write one 'token TAG' a line (the intent line goes last, "
                        f"followed by a blank line)"
                    )
                tokens.append(fields[0])
            if not tokens:
                raise BadInput(f"{where}: an intent line with no tokens before it: give the utterance's token lines")
            labels = sorted({name for name in intent_fields[0].split("#") if name})
            if not labels:
                raise BadInput(f"{path}:{intent_at}: an empty intent line: write the intents joined by '#'")
            record = {
                "id": f"{dataset}-{split}-{len(out)}",
                "split": split,
                "tags": [dataset, "multilabel"],
                "text": " ".join(tokens),
                "labels": labels,
            }
            out.append((where, record))
    return out


def _blocks(lines: Iterable[str]) -> Iterator[list[tuple[int, list[str]]]]:
    """Blank-line separated groups of ``(line number, whitespace-split fields)``."""
    block: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if fields:
            block.append((number, fields))
        elif block:
            yield block
            block = []
    if block:
        yield block


# ---- detection helpers ---------------------------------------------------------------------------------


def _looks_like_clinc(data: dict[str, Any]) -> bool:
    if "train" not in data or "test" not in data:
        return False
    lists = [data[key] for key in ("train", "test")]
    sample = [item for items in lists if isinstance(items, list) for item in items[:_SAMPLE]]
    return all(isinstance(items, list) for items in lists) and bool(sample) and all(map(_is_pair, sample))


def _looks_like_nlupp(data: list[Any]) -> bool:
    sample = data[: _SAMPLE * 4]
    if not sample or not all(isinstance(item, dict) and "text" in item for item in sample):
        return False
    if any("label" in item or "labels" in item for item in sample):
        return False
    return any(isinstance(item, dict) and "intents" in item for item in data)


def _looks_like_banking77(first_line: str) -> bool:
    try:
        header = {name.strip().lower() for name in next(csv.reader([first_line]), [])}
    except csv.Error:
        return False
    return {"text", "category"} <= header


def _looks_like_mix(lines: list[str], whole: bool) -> bool:
    blocks = list(_blocks(lines))
    if not whole and blocks and lines and lines[-1].strip():
        blocks = blocks[:-1]  # the head ended inside an utterance
    blocks = blocks[:_SAMPLE]
    if not blocks:
        return False
    for block in blocks:
        fields = [f for _, f in block]
        if len(fields) < 2 or len(fields[-1]) != 1 or not all(len(f) == 2 for f in fields[:-1]):
            return False
    return True


def _first_json_value(path: Path, head: str) -> Any:
    """The value of a JSON file starting with ``{``: one object, or the first line of a JSON-lines file."""
    first_line = head.lstrip().split("\n", 1)[0]
    try:
        return json.loads(first_line)  # CLINC's files are one line; a JSON-lines file stops here
    except json.JSONDecodeError:
        return _load_json(path)


def _load_json(path: Path, strict: bool = False) -> Any:
    """A whole JSON file; None if it is not JSON (detect), or a one-line error naming the line (strict)."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        if not strict:
            return None
        raise BadInput(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}): fix the file") from None
    except UnicodeDecodeError:
        if not strict:
            return None
        raise


# ---- small helpers -------------------------------------------------------------------------------------


def _is_pair(item: Any) -> bool:
    return isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item)


def _describe(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
