"""SDPA attention that never copies a grouped-query model's KV cache for a short multi-token pass.

transformers' ``sdpa`` attention serves a grouped-query model (more query heads than key/value heads, as
smollm2-135m's 9 and 3) without copying keys and values only for a single query token (``pack_gqa``) or
without a mask; any other pass goes through ``repeat_kv``, which copies every layer's whole cache once per
query-head group. A verification pass of prompt lookup (a few tokens per row) or a suffix prefill over a
shared prefix's cache is such a pass: with a ~930-token cache, 8 rows and 2 tokens each, that copy was
most of the pass (217 of 631 ms on one CPU thread), so a 2-token pass cost 2.2 times a 1-token step and
prompt lookup could never pay.

``packed_sdpa`` extends transformers' own single-token trick to a few tokens: the query heads of a
key/value group are laid side by side as extra query rows of that group, (batch, heads, q, dim) →
(batch, kv_heads, group·q, dim), with the mask's rows repeated to match, so each query row meets the
same keys and the same mask row as before and nothing of the cache is copied. Longer passes (a whole
prompt's prefill) go to transformers' ``sdpa`` unchanged: their mask would grow with the square of the
length, and their keys are computed in the same pass anyway.
"""

from __future__ import annotations

from typing import Any

NAME = "harness_sdpa"
MAX_PACKED_QUERIES = 64  # query tokens per row up to which a pass is packed (mask rows: group × q × keys)


def packed_sdpa(module: Any, query: Any, key: Any, value: Any, attention_mask: Any, **kwargs: Any) -> tuple[Any, None]:
    """transformers' attention-function signature: (attention output as (batch, q, heads, dim), None)."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    groups = int(getattr(module, "num_key_value_groups", 1))
    batch, heads, length, dim = query.shape
    packable = (
        groups > 1
        and 1 < length <= MAX_PACKED_QUERIES
        and attention_mask is not None
        and attention_mask.dim() == 4
        and attention_mask.shape[1] == 1
        and kwargs.get("position_bias") is None
        and kwargs.get("softcap") is None
        and not kwargs.get("output_attentions", False)
        and key.shape[-1] == value.shape[-1]
        and not module.training
    )
    if not packable:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    keys = key.shape[-2]
    mask = attention_mask[:, :, :, :keys]
    rows = mask.shape[0]
    mask = mask[:, :, None].expand(rows, 1, groups, length, keys).reshape(rows, 1, groups * length, keys)
    packed = query.reshape(batch, heads // groups, groups * length, dim)
    output = torch.nn.functional.scaled_dot_product_attention(
        packed, key, value, attn_mask=mask, dropout_p=0.0, scale=kwargs.get("scaling"), is_causal=False
    )
    return output.reshape(batch, heads, length, dim).transpose(1, 2).contiguous(), None


def use_packed_sdpa(model: Any) -> bool:
    """Switch a model that attends with ``sdpa`` to ``packed_sdpa``; False (and nothing changed) otherwise."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    config: Any = getattr(model, "config", None)
    if getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    AttentionInterface.register(NAME, packed_sdpa)  # a mapping entry: registering again changes nothing
    AttentionMaskInterface.register(NAME, sdpa_mask)  # the masks transformers builds for sdpa
    try:
        model.set_attn_implementation(NAME)
    except (ValueError, AttributeError, NotImplementedError):
        return False
    return bool(config._attn_implementation == NAME)
