"""The shipped price table (``prices.json``, USD per million tokens) and the cost of one call.

Batch APIs (``--batch``) cost ``BATCH_DISCOUNT`` of the list price (OpenAI and Anthropic both sell batches at 50%
off), unless a model's entry gives ``batch_input`` / ``batch_output`` itself. ``price_in`` / ``price_out``
overrides are list prices: a batched run pays the same share of them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")
BATCH_DISCOUNT = 0.5


@lru_cache(maxsize=1)
def price_table() -> dict[str, dict[str, Any]]:
    """The shipped price table: ``{model: {input, output, date, source}}`` in USD per million tokens."""
    return dict(json.loads(PRICES_FILE.read_text(encoding="utf-8"))["models"])


def price_for(
    model: str, price_in: float | None = None, price_out: float | None = None, batch: bool = False
) -> tuple[float, float] | None:
    """(input, output) USD per million tokens: overrides first, then the longest table key the name starts with.

    Args:
        batch: the price through the provider's batch API (the entry's batch price, else half the list price).
    """
    table = price_table()
    matches = [key for key in table if model == key or model.startswith(key + "-") or model.startswith(key + "@")]
    entry = table[max(matches, key=len)] if matches else {}
    prices = []
    for override, side in ((price_in, "input"), (price_out, "output")):
        if override is not None:
            prices.append(override * BATCH_DISCOUNT if batch else override)
        elif batch and f"batch_{side}" in entry:
            prices.append(entry[f"batch_{side}"])
        elif side in entry:
            prices.append(entry[side] * BATCH_DISCOUNT if batch else entry[side])
        else:
            return None
    return float(prices[0]), float(prices[1])


def cost_usd(price: tuple[float, float] | None, tokens_in: int | None, tokens_out: int | None) -> float | None:
    """Cost of one call; None when the price or the token counts are unknown."""
    if price is None or tokens_in is None or tokens_out is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
