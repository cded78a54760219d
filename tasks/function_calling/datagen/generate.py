"""Regenerate the built-in function_calling data: ``python -m harness.tasks.function_calling.datagen [OUT_DIR]``.

Deterministic (one ``random.Random(SEED)`` per split), so the committed files are reproduced byte for
byte. Each tool in ``domains/`` samples single-call asks (a clause and its acceptable values); this
module composes them into requests of five categories:

- ``simple``: one tool offered, one call;
- ``multiple``: the needed tool among 2-4 offered (distractors half from the same domain), one call;
- ``parallel``: one tool offered, 2-3 calls of it with different arguments;
- ``parallel_multiple``: 2-3 calls of 2-3 different tools, all offered, sometimes with a distractor;
- ``irrelevance``: 1-3 tools offered and none fits: the request is a general question, or asks
  for a tool of another domain that is not offered. The answer is no call.

``train`` and ``test`` use the in-distribution domains; ``ood`` only the OOD domains, whose tools
never appear in train. No clause of a test request occurs in train, and no request text twice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.tasks.function_calling.datagen.domains import ID_DOMAINS, OOD_DOMAINS, load_domain
from harness.tasks.function_calling.datagen.toolspec import Ask, Tool

SEED = 20251123
SIZES = {"train": 1500, "test": 420, "ood": 240}
SHARES = {"simple": 0.22, "multiple": 0.28, "parallel": 0.16, "parallel_multiple": 0.18, "irrelevance": 0.16}
MAX_TRIES = 200
DATA_DIR = Path(__file__).parent.parent / "data"

SINGLE = ("{C}.", "Please {c}.", "Can you {c}?", "Could you {c}?", "I need you to {c}.", "{C}, please.")
TWO = ("{C1}, and then {c2}.", "Please {c1} and {c2}.", "Can you {c1}, and also {c2}?", "{C1}. Also, {c2}.")
THREE = ("{C1}, {c2}, and {c3}.", "Please {c1}, then {c2}, and finally {c3}.", "I need you to {c1}, {c2} and {c3}.")
SYSTEM_TURNS = (
    "You are a helpful assistant with access to tools.",
    "You are an assistant that acts on the user's behalf by calling tools.",
    "Answer the user's request. Today is 2025-06-02.",
)
SYSTEM_SHARE = 0.2

# Questions no offered tool can answer. The first ones are for train, the next for test, the last for ood.
GENERAL_QUESTIONS = (
    "What is the capital of Australia?",
    "Write a haiku about autumn leaves.",
    "Explain how photosynthesis works in simple terms.",
    "Who wrote Pride and Prejudice?",
    "What is 17 times 23?",
    "Translate 'good morning' into Spanish.",
    "Give me three tips for a job interview.",
    "Why is the sky blue?",
    "Summarise the plot of Hamlet in two sentences.",
    "What is the difference between a virus and a bacterium?",
    "Suggest a name for a golden retriever puppy.",
    "How many legs does a spider have?",
    "What does the acronym NASA stand for?",
    "Tell me a joke about programmers.",
    "What year did the Berlin Wall fall?",
    "Explain recursion to a ten-year-old.",
    "What is the boiling point of water at sea level in Fahrenheit?",
    "Recommend a classic novel for a long flight.",
    "How do I say thank you in Japanese?",
    "What is the largest planet in the solar system?",
    "Write a limerick about a cat who loves jazz.",
    "What is the square root of 144?",
    "Give me a synonym for 'happy'.",
    "Who painted the Mona Lisa?",
    "What causes the seasons on Earth?",
    "List the primary colours.",
    "How long does light from the Sun take to reach Earth?",
    "Describe the rules of chess in one paragraph.",
    "What is the plural of 'cactus'?",
    "Explain what inflation means in economics.",
    "Which ocean is the deepest?",
    "Write a short motivational quote.",
    "What is the chemical symbol for gold?",
    "How many continents are there?",
    "Define the word 'serendipity'.",
    "What language is spoken in Brazil?",
    "Explain the offside rule in football.",
    "Who was the first person to walk on the Moon?",
    "What is a prime number?",
    "Give me an idea for a birthday card message.",
    "What is the tallest mountain in Africa?",
    "How does a rainbow form?",
    "Write a two-line poem about the sea.",
    "What is the speed of sound in air?",
    "Which element has atomic number 6?",
    "Explain the difference between weather and climate.",
    "What is the main ingredient of guacamole?",
    "Who composed the Four Seasons?",
    "How many minutes are in a day?",
    "What is the opposite of 'generous'?",
    "Explain what a black hole is.",
    "Name three animals that hibernate.",
    "What is the longest river in Europe?",
    "How do bees make honey?",
    "What is the meaning of the idiom 'break the ice'?",
    "Write a riddle whose answer is 'a shadow'.",
    "Which planet is known as the Red Planet?",
    "What is 15 percent of 80?",
    "Explain why leaves change colour in autumn.",
    "Who invented the telephone?",
    "What is the freezing point of water in Kelvin?",
    "Give me a fun fact about octopuses.",
    "What is the capital city of Canada?",
    "Describe a sunset in one sentence.",
    "How many sides does a hexagon have?",
    "What is the national animal of Scotland?",
    "Explain what a haiku is.",
    "Which country has the most islands?",
    "What is the hardest natural substance?",
    "Suggest a title for a mystery novel.",
    "Why do cats purr?",
    "What is the largest desert in the world?",
)
GENERAL_SPLITS = {"train": GENERAL_QUESTIONS[:48], "test": GENERAL_QUESTIONS[48:60], "ood": GENERAL_QUESTIONS[60:]}


def capitalised(clause: str) -> str:
    """The clause with its first letter upper case."""
    return clause[:1].upper() + clause[1:]


def sentence(clauses: Sequence[str], rng: random.Random) -> str:
    """One request from one to three clauses."""
    caps = [capitalised(c) for c in clauses]
    if len(clauses) == 1:
        return rng.choice(SINGLE).format(c=clauses[0], C=caps[0])
    if len(clauses) == 2:
        return rng.choice(TWO).format(c1=clauses[0], c2=clauses[1], C1=caps[0])
    return rng.choice(THREE).format(c1=clauses[0], c2=clauses[1], c3=clauses[2], C1=caps[0])


class Builder:
    """Draws the examples of one split from its tools, avoiding clauses and texts already used."""

    def __init__(self, split: str, tools: Sequence[Tool], rng: random.Random, banned: set[str], seen: set[str]):
        self.split = split
        self.tools = list(tools)
        self.rng = rng
        self.banned = banned  # clauses of earlier splits this one must not reuse
        self.seen = seen  # request texts of every split so far
        self.used: set[str] = set()  # clauses this split used
        self.by_domain: dict[str, list[Tool]] = {}
        for tool in self.tools:
            self.by_domain.setdefault(tool.domain, []).append(tool)

    def ask(self, tool: Tool, avoid: Sequence[Ask] = ()) -> Ask:
        """A fresh ask of ``tool``: a clause no earlier split used, with arguments unlike ``avoid``'s."""
        for _ in range(MAX_TRIES):
            ask = tool.sample(self.rng)
            if ask.clause in self.banned or any(ask.arguments == a.arguments or ask.clause == a.clause for a in avoid):
                continue
            return ask
        raise RuntimeError(f"{self.split}: no fresh ask of {tool.name} in {MAX_TRIES} draws: widen its value pools")

    def distractors(self, needed: Sequence[Tool], count: int) -> list[Tool]:
        """``count`` other tools, about half from the domains of ``needed``."""
        names = {t.name for t in needed}
        domains = list(dict.fromkeys(t.domain for t in needed))  # ordered: sets iterate by hash seed
        near = [t for d in domains for t in self.by_domain[d] if t.name not in names]
        far = [t for t in self.tools if t.domain not in {n.domain for n in needed}]
        chosen: list[Tool] = []
        while len(chosen) < count:
            pool = near if near and self.rng.random() < 0.5 else far
            tool = self.rng.choice(pool)
            if tool not in chosen:
                chosen.append(tool)
        return chosen

    def example(self, category: str) -> tuple[str, list[Tool], list[dict[str, Any]], list[str]] | None:
        """(request text, offered tools, target, domains) for one category, or None if the text was used."""
        rng = self.rng
        asks: list[tuple[Tool, Ask]] = []
        if category in ("simple", "multiple"):
            tool = rng.choice(self.tools)
            asks = [(tool, self.ask(tool))]
            offered = [tool] if category == "simple" else [tool, *self.distractors([tool], rng.randint(1, 3))]
        elif category == "parallel":
            tool = rng.choice(self.tools)
            for _ in range(rng.choice((2, 2, 3))):
                asks.append((tool, self.ask(tool, [a for _, a in asks])))
            offered = [tool]
        elif category == "parallel_multiple":
            picked = rng.sample(self.tools, rng.choice((2, 2, 3)))
            asks = [(tool, self.ask(tool)) for tool in picked]
            offered = list(picked) + (self.distractors(picked, 1) if rng.random() < 0.4 else [])
        else:
            return self.irrelevant()
        text = sentence([a.clause for _, a in asks], rng)
        if text in self.seen:
            return None
        self.used.update(a.clause for _, a in asks)
        rng.shuffle(offered)
        target = [{tool.name: ask.arguments} for tool, ask in asks]
        return text, offered, target, list(dict.fromkeys(tool.domain for tool, _ in asks))

    def irrelevant(self) -> tuple[str, list[Tool], list[dict[str, Any]], list[str]] | None:
        """A request no offered tool fits: a general question, or another domain's ask."""
        rng = self.rng
        if rng.random() < 0.5:
            text = rng.choice(GENERAL_SPLITS[self.split])
            if text in self.seen and rng.random() < 0.9:
                return None  # mostly fresh questions; a few repeat with other tools offered
            offered = rng.sample(self.tools, rng.randint(1, 3))
        else:
            source = rng.choice(self.tools)
            ask = self.ask(source)
            text = sentence([ask.clause], rng)
            if text in self.seen:
                return None
            self.used.add(ask.clause)
            others = [t for t in self.tools if t.domain != source.domain]
            offered = rng.sample(others, rng.randint(1, 3))
        return text, offered, [], []

    def build(self, size: int) -> list[dict[str, Any]]:
        """``size`` records with the category shares of ``SHARES``, in a shuffled order."""
        categories = [c for c, share in SHARES.items() for _ in range(round(size * share))]
        categories += ["multiple"] * (size - len(categories))
        self.rng.shuffle(categories)
        records = []
        for index, category in enumerate(categories):
            for _ in range(MAX_TRIES):
                made = self.example(category)
                if made is not None:
                    break
            else:
                raise RuntimeError(f"{self.split}: no fresh {category} request in {MAX_TRIES} tries")
            text, offered, target, domains = made
            self.seen.add(text)
            messages = [{"role": "user", "content": text}]
            if self.rng.random() < SYSTEM_SHARE:
                messages.insert(0, {"role": "system", "content": self.rng.choice(SYSTEM_TURNS)})
            records.append(
                {
                    "id": f"fc-{self.split}-{index:05d}",
                    "split": self.split,
                    "tags": [category, *(f"domain:{d}" for d in domains)],
                    "messages": messages,
                    "tools": [tool.schema() for tool in offered],
                    "target": target,
                }
            )
        return records


def generate() -> dict[str, list[dict[str, Any]]]:
    """Every split's records."""
    id_tools = [tool for name in ID_DOMAINS for tool in load_domain(name).TOOLS]
    ood_tools = [tool for name in OOD_DOMAINS for tool in load_domain(name).TOOLS]
    seen: set[str] = set()
    train = Builder("train", id_tools, random.Random(f"{SEED}-train"), set(), seen)
    splits = {"train": train.build(SIZES["train"])}
    test = Builder("test", id_tools, random.Random(f"{SEED}-test"), train.used, seen)
    splits["test"] = test.build(SIZES["test"])
    ood = Builder("ood", ood_tools, random.Random(f"{SEED}-ood"), set(), seen)
    splits["ood"] = ood.build(SIZES["ood"])
    return splits


def write(out_dir: Path = DATA_DIR) -> dict[str, int]:
    """Write ``{split}.jsonl`` files (compact JSON, one record a line); returns the counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, records in generate().items():
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
        (out_dir / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts[split] = len(records)
    return counts


def main(argv: Sequence[str]) -> int:
    """Write ``{train,test,ood}.jsonl`` into the given folder (default: the task's data folder)."""
    out = Path(argv[0]) if argv else DATA_DIR
    for split, count in write(out).items():
        print(f"{split}: {count} examples -> {out / f'{split}.jsonl'}")
    return 0
