"""What the fake model says: a Script of answers keyed on the last user message (fixed, a task's targets, a replay)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.errors import BadInput
from harness.types import ModelCaps, ToolCall

# The caps the fake server's clients render for: an API model (native tools, structured output).
API_CAPS = ModelCaps(chat_template=True, native_tools=True, structured_output=True)


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
    """Answers keyed on the last user message, and a fallback for any other prompt."""

    answers: dict[str, Answer] = field(default_factory=dict)
    fallback: Answer = Answer()

    def answer(self, prompt: str) -> Answer:
        """The scripted answer to a prompt."""
        return self.answers.get(prompt, self.fallback)

    @classmethod
    def fixed(cls, text: str) -> Script:
        """The same text for every prompt."""
        return cls({}, answer_for(text))

    @classmethod
    def oracle(cls, task: str, data: str | None = None, task_dir: str | None = None, fallback: str = "") -> Script:
        """Each example's target, under every prompt the task renders for it (prompt and native mode)."""
        from harness.registry import get_task

        loaded = get_task(task, task_dir)
        answers: dict[str, Answer] = {}
        for example in _examples(loaded, data):
            answer = answer_for(loaded.target_text(example), example.target)
            for prompt in _prompts(loaded, example):
                answers[prompt] = answer
        return cls(answers, answer_for(fallback))

    @classmethod
    def replay(cls, path: str, task: str | None = None, data: str | None = None, task_dir: str | None = None) -> Script:
        """A replay file: lines ``{prompt, output}``, or ``{id, output|tool_calls}`` mapped through ``task``."""
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
            from harness.registry import get_task

            loaded = get_task(task, task_dir)
            for example in _examples(loaded, data):
                if example.id in by_id:
                    for prompt in _prompts(loaded, example):
                        answers[prompt] = by_id[example.id]
        return cls(answers)


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
    """The Script the CLI names: ``--replay FILE`` (ids mapped via ``--task``), ``--task`` (oracle), or ``--text``."""
    if replay:
        return Script.replay(replay, task=task, data=data, task_dir=task_dir)
    if task:
        return Script.oracle(task, data=data, task_dir=task_dir, fallback=text or "")
    return Script.fixed(text or "")
