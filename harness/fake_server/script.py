"""What the fake model says: a Script of answers keyed on the last user message (fixed, a task's targets, a replay)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.types import ModelCaps, ToolCall

# The caps the fake server's clients render for: an API model (native tools, structured output).
API_CAPS = ModelCaps(chat_template=True, native_tools=True, structured_output=True)
PROMPT_SHOWN = 60  # characters of an unknown prompt its error shows


@dataclass(frozen=True)
class Answer:
    """What the fake model says: text, or tool calls when the request offers tools."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] | None = None


def calls_in(target: Any) -> tuple[ToolCall, ...] | None:
    """A target that looks like function calls (``[{name, arguments}]`` or one such object), else None."""
    items = target if isinstance(target, list) else [target]
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    calls = []
    for item in items:
        arguments = item.get("arguments", item.get("args", {}))
        if not isinstance(arguments, dict):
            return None
        calls.append(ToolCall(item["name"], arguments))
    return tuple(calls)


def answer_for(text: str, target: Any = None) -> Answer:
    """An Answer from a text (and a structured target, if any): calls when either looks like calls."""
    calls = calls_in(target)
    if calls is None:
        try:
            calls = calls_in(json.loads(text))
        except ValueError:
            calls = None
    return Answer(text=text, tool_calls=calls)


@dataclass
class Script:
    """Answers keyed on the last user message, and a fallback for any other prompt (None: such a prompt is an error)."""

    answers: dict[str, Answer] = field(default_factory=dict)
    fallback: Answer | None = Answer()
    # What the answers come from, for the error on an unknown prompt: "task echo", "replay file out.jsonl".
    source: str = "the script"

    def answer(self, prompt: str) -> Answer | None:
        """The scripted answer to a prompt, else the fallback (None when there is none)."""
        return self.answers.get(prompt, self.fallback)

    def miss(self, prompt: str) -> str:
        """Why a prompt has no answer: what the script was made from, and the fix."""
        shown = prompt if len(prompt) <= PROMPT_SHOWN else prompt[: PROMPT_SHOWN - 3] + "..."
        return (
            f"the fake server has no answer for {shown!r}: it matches no {self.source}: "
            "serve the --task and --data the run uses, or pass --text to answer other prompts"
        )

    @classmethod
    def fixed(cls, text: str) -> Script:
        """The same text for every prompt."""
        return cls({}, answer_for(text))

    @classmethod
    def oracle(
        cls,
        task: str | Sequence[str],
        data: str | None = None,
        task_dir: str | None = None,
        fallback: str | None = None,
    ) -> Script:
        """Each example's target, under every prompt its task renders for it (prompt and native mode).

        Args:
            task: a task name, several separated by commas, or a list; on a prompt two tasks share, the first wins.
            fallback: the answer to any other prompt; None makes such a prompt an error naming the tasks.
        """
        from harness.registry import get_task

        names = task_list(task, data)
        answers: dict[str, Answer] = {}
        for name in names:
            loaded = get_task(name, task_dir)
            for example in _examples(loaded, data):
                answer = answer_for(loaded.target_text(example), example.target)
                for prompt in _prompts(loaded, example):
                    answers.setdefault(prompt, answer)
        return cls(answers, None if fallback is None else answer_for(fallback), f"example of {tasks_named(names)}")

    @classmethod
    def replay(
        cls,
        path: str,
        task: str | Sequence[str] | None = None,
        data: str | None = None,
        task_dir: str | None = None,
        fallback: str | None = None,
    ) -> Script:
        """A replay file: lines ``{prompt, output}``, or ``{id, output|tool_calls}`` mapped through ``task``(s)."""
        from harness.data import read_records
        from harness.models.replay import parse_replay_record

        by_id: dict[str, Answer] = {}
        answers: dict[str, Answer] = {}
        for where, record in read_records(path):
            if isinstance(record.get("prompt"), str):
                answers[record["prompt"]] = answer_for(str(record.get("output", "")), record.get("tool_calls"))
                continue
            if task is None:
                raise BadInput(f"{where}: a replay line without 'prompt' needs --task to map its id to a prompt")
            example_id, response = parse_replay_record(record, where)
            by_id[example_id] = Answer(response.text, response.tool_calls)
        if by_id and task is not None:
            answers.update(_by_prompt(by_id, task_list(task, data), data, task_dir))
        source = f"line of replay file {Path(path).name}"
        return cls(answers, None if fallback is None else answer_for(fallback), source)


def task_list(task: str | Sequence[str], data: str | None) -> list[str]:
    """Task names from ``a,b`` (or a list); ``--data`` holds one task's examples, so it goes with one task."""
    names = [n.strip() for n in task.split(",")] if isinstance(task, str) else [str(n).strip() for n in task]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise BadInput(f"--task {task!r}: no task named: give NAME or NAME,NAME")
    if data and len(names) > 1:
        raise BadInput(f"--data {data}: goes with one --task, not {len(names)}: run one fake server per data file")
    return names


def tasks_named(names: list[str]) -> str:
    """``task echo`` or ``tasks echo, intent``."""
    return f"task{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _by_prompt(by_id: dict[str, Answer], names: list[str], data: str | None, task_dir: str | None) -> dict[str, Answer]:
    """Replay answers keyed on the prompts each task renders for the example of that id."""
    from harness.registry import get_task

    answers: dict[str, Answer] = {}
    for name in names:
        loaded = get_task(name, task_dir)
        for example in _examples(loaded, data):
            if example.id in by_id:
                for prompt in _prompts(loaded, example):
                    answers.setdefault(prompt, by_id[example.id])
    return answers


def _examples(task: Any, data: str | None) -> Iterable[Any]:
    if data:
        yield from task.load_data(data)
        return
    for split in task.splits:
        try:
            yield from task.load(split)
        except BadInput:
            continue  # a split whose data is not shipped


def _prompts(task: Any, example: Any) -> set[str]:
    from harness.task import RenderOptions

    variants = [RenderOptions(caps=c, mode=m) for c in (API_CAPS, ModelCaps()) for m in ("prompt", "native")]
    return {task.render(example, opts).messages[-1].content for opts in variants}


def script_from_options(
    text: str | None, task: str | None, replay: str | None, data: str | None, task_dir: str | None
) -> Script:
    """The Script the CLI names: ``--replay FILE`` (ids mapped via ``--task``), ``--task a,b`` (oracle), or ``--text``.

    With a replay or tasks, ``--text`` answers the prompts they lack; without it such a prompt is an error.
    """
    if replay:
        return Script.replay(replay, task=task, data=data, task_dir=task_dir, fallback=text)
    if task:
        return Script.oracle(task, data=data, task_dir=task_dir, fallback=text)
    return Script.fixed(text or "")
