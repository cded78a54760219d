"""The shipped price table (``prices.json``, USD per million tokens) and the cost of one call."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")


@lru_cache(maxsize=1)
def price_table() -> dict[str, dict[str, Any]]:
    """The shipped price table: ``{model: {input, output, date, source}}`` in USD per million tokens."""
    return dict(json.loads(PRICES_FILE.read_text(encoding="utf-8"))["models"])


def price_for(model: str, price_in: float | None = None, price_out: float | None = None) -> tuple[float, float] | None:
    """(input, output) USD per million tokens: overrides first, then the longest table key the name starts with."""
    table = price_table()
    matches = [key for key in table if model == key or model.startswith(key + "-") or model.startswith(key + "@")]
    entry = table[max(matches, key=len)] if matches else None
    base_in = entry["input"] if entry else None
    base_out = entry["output"] if entry else None
    final_in = price_in if price_in is not None else base_in
    final_out = price_out if price_out is not None else base_out
    if final_in is None or final_out is None:
        return None
    return float(final_in), float(final_out)


def cost_usd(price: tuple[float, float] | None, tokens_in: int | None, tokens_out: int | None) -> float | None:
    """Cost of one call; None when the price or the token counts are unknown."""
    if price is None or tokens_in is None or tokens_out is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
