"""``harness export-task --format lm-eval``: our tasks as lm-evaluation-harness (0.4.13) tasks.

For every task and each of its splits but train, the export folder gets

- ``harness_<task>.yaml`` (the test split) or ``harness_<task>_<split>.yaml``: a ``generate_until`` task whose
  ``description`` (the system turn) and ``doc_to_text`` (the user turn) name doc fields, so lm-eval copies
  the strings verbatim and, with ``--apply_chat_template``, sends the messages ``harness run`` sends a
  local chat model (``LOCAL_CHAT``);
- ``<task>/<split>.jsonl``: the docs, every field a string (JSON values as compact JSON text);
- ``utils.py`` (a copy of ``lm_eval_utils.py`` beside this module, standard library only): the docs loader
  and one ``process_<task>`` per built-in task, giving exactly harness's per-sample values for the metrics it exports;
- ``README.md``: what was exported, how to run it, and which metrics are left out and why.

lm-eval hands ``data_files`` to ``datasets`` relative to the working directory, not to the YAML, so the
YAMLs also name ``utils.load_docs`` as ``custom_dataset``: it reads the same ``data_files`` relative to its
own folder, and ``--include_path DIR`` works from any directory. Nothing here imports lm_eval, and the
same tasks give the same bytes on every export.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import BadInput, UnknownName
from harness.interop.lmeval.scorers import LEFT_OUT_REASONS, Scorer, builtin_scorers, compact
from harness.task import RenderOptions, Task
from harness.types import Example, ModelCaps, Request, Response, SampleResult

FORMATS = ("lm-eval",)
ALL_TASKS = "all"
PREFIX = "harness_"
# What `harness run` gives a local transformers chat model by default: the caps of harness/models/hf/backend.py,
# prompt mode, no --constrained, no --shots. native_tools follows the chat template there; no task reads
# it in prompt mode.
LOCAL_CHAT = RenderOptions(caps=ModelCaps(chat_template=True, constrained_decoding=True))
# Set by harness's transformers backend whatever the checkpoint's generation_config says.
DECODING_OVERRIDES: dict[str, Any] = {"num_beams": 1, "repetition_penalty": 1.0, "no_repeat_ngram_size": 0}


@dataclass(frozen=True)
class SplitExport:
    """One exported (task, split): the lm-eval task written for it and what it scores."""

    task: str
    version: str
    split: str
    lm_eval_task: str
    n_docs: int
    max_gen_toks: int
    until: tuple[str, ...]
    temperature: float
    process: str | None
    metrics: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]  # (metric, why) for every metric harness reports and lm-eval will not

    @property
    def yaml_name(self) -> str:
        """The YAML's file name, next to utils.py."""
        return f"{self.lm_eval_task}.yaml"

    @property
    def data_file(self) -> str:
        """The docs file, relative to the export folder."""
        return f"{self.task}/{self.split}.jsonl"


@dataclass(frozen=True)
class ExportSummary:
    """What ``export_tasks`` wrote."""

    out: Path
    splits: tuple[SplitExport, ...]
    files: tuple[str, ...]

    def command(self, include_path: str | None = None) -> str:
        """The lm_eval command line that runs every exported task."""
        tasks = ",".join(s.lm_eval_task for s in self.splits)
        folder = include_path or shlex.quote(str(self.out))
        return (
            f"lm_eval --model hf --model_args pretrained=MODEL --tasks {tasks} "
            f"--include_path {folder} --apply_chat_template"
        )

    def left_out(self) -> list[tuple[str, str, tuple[str, ...], str]]:
        """(task, metric, splits, why) for each metric harness reports that the export leaves out."""
        rows: dict[tuple[str, str], tuple[list[str], str]] = {}
        for split in self.splits:
            for metric, why in split.left_out:
                rows.setdefault((split.task, metric), ([], why))[0].append(split.split)
        return [(task, metric, tuple(splits), why) for (task, metric), (splits, why) in rows.items()]


# ---- the export ---------------------------------------------------------------------------------------


def export_tasks(
    task: str, fmt: str, out: str | Path, *, force: bool = False, task_dir: str | None = None
) -> ExportSummary:
    """Write the named tasks (a comma list, or ``all``) in format ``fmt`` to the folder ``out``.

    ``out`` must not exist or be empty unless ``force``: then files of the same names are replaced and
    other files stay. Everything is checked and built before the first file is written.
    """
    from harness.registry import get_task

    if fmt not in FORMATS:
        raise UnknownName(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    tasks = [get_task(name, task_dir) for name in task_list(task, task_dir)]
    out = Path(out)
    check_out_dir(out, force)
    scorers = builtin_scorers()
    files: dict[str, str] = {"utils.py": utils_source()}
    splits: list[SplitExport] = []
    for loaded in tasks:
        for export, docs in export_task(loaded, scorers.get(type(loaded))):
            if export.yaml_name in files:
                raise BadInput(f"task {export.task} split {export.split}: lm-eval task {export.lm_eval_task} exists")
            splits.append(export)
            files[export.yaml_name] = task_yaml(export)
            files[export.data_file] = "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs)
    summary = ExportSummary(out, tuple(splits), tuple(["README.md", *files]))
    files["README.md"] = readme(summary)
    write_files(out, files)
    return summary


def task_list(value: str, task_dir: str | None) -> list[str]:
    """Task names from ``--task``: a comma-separated list, or ``all`` (every task ``harness list tasks`` shows)."""
    from harness.registry import task_names

    names = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not names:
        raise BadInput("--task: name a task, several separated by commas, or all")
    return task_names(task_dir) if ALL_TASKS in names else names


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that is a file, or a folder with files in it unless ``force``."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: is a file: give a folder (new or empty)")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BadInput(f"--out {out}: folder is not empty: choose a new one, or pass --force to replace its files")


def write_files(out: Path, files: dict[str, str]) -> None:
    """Write every file (UTF-8, ``\\n`` line ends), folders included."""
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def split_names(task: Task) -> list[str]:
    """The splits ``harness run`` evaluates by default: every split but train."""
    return [s for s in task.splits if s != "train"] or list(task.splits)


def lm_eval_name(task: str, split: str) -> str:
    """``harness_<task>`` for the test split, ``harness_<task>_<split>`` for the others."""
    return f"{PREFIX}{task}" if split == "test" else f"{PREFIX}{task}_{split}"


def export_task(task: Task, scorer: Scorer | None) -> Iterable[tuple[SplitExport, list[dict[str, str]]]]:
    """Each split's export and docs, rendered exactly as ``harness run`` renders for a local chat model."""
    for split in split_names(task):
        examples = list(task.load(split))
        if not examples:
            raise BadInput(f"task {task.name} split {split}: no examples to export")
        check_unique_ids(task.name, split, examples)
        task.check_options(LOCAL_CHAT, examples)
        requests = [task.render(example, LOCAL_CHAT) for example in examples]
        docs = [doc_for(task, example, request, scorer) for example, request in zip(examples, requests, strict=True)]
        max_tokens, stop, temperature = generation_settings(task.name, split, requests)
        metrics, left_out = split_metrics(task, split, examples, requests, scorer)
        yield (
            SplitExport(
                task=task.name,
                version=str(task.version),
                split=split,
                lm_eval_task=lm_eval_name(task.name, split),
                n_docs=len(docs),
                max_gen_toks=max_tokens,
                until=stop,
                temperature=temperature,
                process=scorer.process if scorer else None,
                metrics=metrics,
                left_out=left_out,
            ),
            docs,
        )


def check_unique_ids(task: str, split: str, examples: Sequence[Example]) -> None:
    """Doc ids are unique within a split, as in a harness run (they join lm-eval samples back to examples)."""
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise BadInput(f"task {task} split {split}: duplicate example id '{example.id}'")
        seen.add(example.id)


def doc_for(task: Task, example: Example, request: Request, scorer: Scorer | None) -> dict[str, str]:
    """One doc: id, split, the system and user turns, the oracle's answer, the gold answer, and scorer fields."""
    system, prompt = chat_turns(task.name, example.id, request)
    doc = {
        "id": example.id,
        "split": example.split,
        "system": system,
        "prompt": prompt,
        "target": task.target_text(example),
        "gold": compact(example.target),
    }
    return doc | (scorer.fields(task, example) if scorer else {})


def chat_turns(task: str, example_id: str, request: Request) -> tuple[str, str]:
    """(system text or "", user text): the only message shapes an lm-eval doc can carry verbatim."""
    roles = tuple(m.role for m in request.messages)
    if request.tools or roles not in (("user",), ("system", "user")):
        shape = " + ".join(roles) + (" with native tools" if request.tools else "")
        raise BadInput(
            f"task {task} example {example_id}: renders {shape}; an lm-eval task carries one optional system "
            f"turn and one user turn"
        )
    system = request.messages[0].content if roles[0] == "system" else ""
    return system, request.messages[-1].content


def generation_settings(task: str, split: str, requests: Sequence[Request]) -> tuple[int, tuple[str, ...], float]:
    """(max_tokens, stop, temperature), the same for every request of the split: lm-eval has one per task."""
    settings = sorted({(r.max_tokens, tuple(r.stop), float(r.temperature)) for r in requests})
    if len(settings) > 1:
        shown = "; ".join(f"max_tokens {m}, stop {list(s)}, temperature {t}" for m, s, t in settings[:3])
        raise BadInput(
            f"task {task} split {split}: examples ask for different generation settings ({shown}); "
            f"an lm-eval task has one generation_kwargs"
        )
    return settings[0]


def split_metrics(
    task: Task, split: str, examples: Sequence[Example], requests: Sequence[Request], scorer: Scorer | None
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(exported metrics, (left-out metric, why) pairs) of a split.

    The metrics harness reports for the split are those its aggregate gives over oracle answers (with a
    confidence where the request asks for one, as local models report it).
    """
    results = []
    for example, request in zip(examples, requests, strict=True):
        response = Response(text=task.target_text(example), meta={"confidence": 1.0} if request.logprobs else {})
        results.append(SampleResult(example, request.hash, response, task.score(example, response)))
    reported = list(task.aggregate(split, results))
    exported = tuple(m for m in scorer.metrics if m in reported) if scorer else ()
    return exported, tuple((m, left_out_reason(task.name, m, scorer)) for m in reported if m not in exported)


def left_out_reason(task: str, metric: str, scorer: Scorer | None) -> str:
    """Why a metric harness reports has no lm-eval counterpart."""
    if scorer is None:
        return f"task {task} is not built into harness: its score() runs only in harness"
    return LEFT_OUT_REASONS.get(metric) or LEFT_OUT_REASONS.get(metric.split(":")[0], "not reproduced outside harness")


# ---- the files ------------------------------------------------------------------------------------------


def yaml_str(value: Any) -> str:
    """A YAML scalar or flow sequence: JSON text with ASCII escapes is valid YAML, and exact."""
    return json.dumps(value, ensure_ascii=True)


def task_yaml(split: SplitExport) -> str:
    """The lm-eval task config of one split."""
    lines = [
        f"# Written by `harness export-task --format lm-eval` (harness {__version__}) from task {split.task} "
        f"{split.version}, split {split.split}.",
        "# Re-export rather than edit; README.md says how to run it and which metrics are left out.",
        f"task: {yaml_str(split.lm_eval_task)}",
        "dataset_path: json",
        "dataset_kwargs:",
        "  data_files:",
        f"    {yaml_str(split.split)}: {yaml_str(split.data_file)}",
        "# custom_dataset reads data_files relative to this folder: any working directory will do",
        "custom_dataset: !function utils.load_docs",
        f"test_split: {yaml_str(split.split)}",
        "output_type: generate_until",
        "description: system",
        "doc_to_text: prompt",
        "doc_to_target: target",
        "num_fewshot: 0",
        "generation_kwargs:",
        *(f"  {key}: {yaml_str(value)}" for key, value in generation_kwargs(split).items()),
        f"process_results: !function utils.{split.process or 'no_metrics'}",
        "metric_list:" if split.metrics else "metric_list: []",
        *(
            f"  - metric: {yaml_str(metric)}\n    aggregation: mean\n    higher_is_better: true"
            for metric in split.metrics
        ),
        "metadata:",
        f"  version: {yaml_str(split.version)}",
        f"  harness_task: {yaml_str(split.task)}",
        f"  harness_split: {yaml_str(split.split)}",
    ]
    return "\n".join(lines) + "\n"


def generation_kwargs(split: SplitExport) -> dict[str, Any]:
    """Decoding as harness's transformers backend does it; ``until: []`` leaves only the EOS token."""
    kwargs: dict[str, Any] = {
        "until": list(split.until),
        "max_gen_toks": split.max_gen_toks,
        "do_sample": split.temperature > 0,
        "temperature": split.temperature,
    }
    if split.temperature > 0:
        kwargs |= {"top_k": 0, "top_p": 1.0}
    return kwargs | DECODING_OVERRIDES


def readme(summary: ExportSummary) -> str:
    """README.md of the export: tasks, the command, fields, and the metrics left out with the reason."""
    rows = [
        f"| `{s.lm_eval_task}` | {s.task} {s.version} | {s.split} | {s.n_docs} | {s.max_gen_toks} | "
        f"`{yaml_str(list(s.until))}` | {', '.join(s.metrics) or 'none'} |"
        for s in summary.splits
    ]
    left_out = [
        f"| {task} | {metric} | {', '.join(splits)} | {why} |" for task, metric, splits, why in summary.left_out()
    ]
    return README.format(
        version=__version__,
        command=summary.command("DIR"),
        tasks="\n".join(rows),
        left_out="\n".join(left_out) or "| | none | | |",
    )


README = """# harness tasks for lm-evaluation-harness

Written by `harness export-task --format lm-eval` (harness {version}). Re-export rather than edit.

## Run

```bash
{command}
```

`DIR` is this folder; the command works from any directory. `--apply_chat_template` is what makes the
prompt the one `harness run` sends a local chat model: the doc's `system` text as the system turn (none
when empty) and its `prompt` as the user turn. Add `--log_samples --output_path OUT` to keep each output.

## Tasks

| lm-eval task | harness task | split | docs | max_gen_toks | until (plus EOS) | metrics (mean) |
|---|---|---|---|---|---|---|
{tasks}

Decoding is greedy, with the overrides harness applies to every checkpoint (`num_beams: 1`,
`repetition_penalty: 1.0`, `no_repeat_ngram_size: 0`); no few-shot examples.

## Files

- `harness_<task>.yaml` (test split), `harness_<task>_<split>.yaml`: the lm-eval task configs.
- `<task>/<split>.jsonl`: one doc a line, every field a string: `id`, `split`, `system`, `prompt`,
  `target` (the answer harness's oracle gives), `gold` (the reference in the task's own form, as JSON),
  and what a metric reads: `schema` (schema_json), `tools` (function_calling), `labels` (intent).
- `utils.py`: standard library only. `load_docs` reads the data files relative to this folder;
  `process_<task>` returns exactly the per-sample values harness's own scorer gives the same output.

## Metrics left out

harness reports these too; score the logged outputs with harness to get them (and harness's bootstrap
confidence intervals, where lm-eval reports a standard error).

| harness task | metric | splits | why |
|---|---|---|---|
{left_out}
"""


def utils_source() -> str:
    """The utils.py every export writes: ``harness/interop/lmeval/lm_eval_utils.py``, copied byte for byte."""
    return (Path(__file__).with_name("lm_eval_utils.py")).read_text(encoding="utf-8")
