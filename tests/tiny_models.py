"""Tiny random checkpoints with real tokenizers, built offline in well under a second.

Every test that needs a local model uses these: a byte-level BPE tokenizer trained on a small
in-code corpus (so every JSON character can be encoded), wrapped in ``PreTrainedTokenizerFast``,
plus a 2-layer Llama (causal) or T5 (seq2seq) with random weights seeded by ``torch.manual_seed``.
Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CORPUS = [
    '{"name": "Ada", "age": 36, "active": true, "tags": ["a", "b"], "score": -1.5e3}',
    '{"city": "Paris", "country": "France", "ok": false, "value": null}',
    "The quick brown fox jumps over the lazy dog. Answer with JSON only.",
    "Extract the fields from the text: name, date, colour, label, intent, tool, arguments.",
    "red green blue yes no true false null 0 1 2 3 4 5 6 7 8 9 { } [ ] : , ' \\ / _ - + .",
    "user system assistant tool: call get_weather(location='Berlin', unit='celsius')",
]

# Order matters for T5: pad=0, eos=1, unk=2 are its conventions.
SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]


def make_tokenizer(vocab_size: int = 360, chat_template: bool = True) -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` (eos ``</s>``, pad ``<pad>``, unk ``<unk>``)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE(unk_token=None))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(CORPUS, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _padded(size: int, multiple: int = 64) -> int:
    """The model's vocabulary, padded past the tokenizer's like many real checkpoints (Qwen, Phi-3)."""
    return (size + multiple - 1) // multiple * multiple


def make_tiny_causal(path: str | Path, chat_template: bool = True, seed: int = 0) -> Path:
    """Save a 2-layer random Llama with a tokenizer (and a chat template unless told not to) to ``path``."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    path = Path(path)
    tokenizer = make_tokenizer(chat_template=chat_template)
    config = LlamaConfig(
        vocab_size=_padded(len(tokenizer)),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        initializer_range=0.5,  # spread logits apart: greedy choices are not near-ties
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    model.generation_config = GenerationConfig(eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_tiny_seq2seq(path: str | Path, seed: int = 0) -> Path:
    """Save a tiny random T5 (encoder-decoder) with a tokenizer and no chat template to ``path``."""
    import torch
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration

    path = Path(path)
    tokenizer = make_tokenizer(chat_template=False)
    config = T5Config(
        vocab_size=_padded(len(tokenizer)),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        initializer_factor=4.0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_tiny_classifier(path: str | Path, seed: int = 0) -> Path:
    """Save a tiny random Llama sequence classifier (3 labels): a kind the backend detects."""
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    path = Path(path)
    tokenizer = make_tokenizer(chat_template=False)
    config = LlamaConfig(
        vocab_size=_padded(len(tokenizer)),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=4,
        num_key_value_heads=2,
        num_labels=3,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    LlamaForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
