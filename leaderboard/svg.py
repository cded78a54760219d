"""A quality-against-cost chart as inline SVG, for the static export: no script, no network, the same bytes every time.

The live pages draw with Altair (Vega-Lite needs JavaScript); a static page that must open offline, in CI
artifacts and in the browser tests, gets this plain scatter instead: a dot per point, a line through a model's k
points, Pareto points ringed, the model's name beside its last point, a tooltip (``<title>``) on every dot.
"""

from __future__ import annotations

import html
import math

import pandas as pd

__all__ = ["scatter_svg"]

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 370, 56, 150, 48, 44
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _scale(values: pd.Series, lo: float, hi: float, log: bool) -> list[float]:
    """Positions in [lo, hi]; ``log``: log(1 + v) (cost has zeros, and spans decades)."""
    shown = [math.log1p(max(float(v), 0.0)) if log else float(v) for v in values]
    low, high = min(shown), max(shown)
    span = high - low or 1.0
    return [lo + (v - low) / span * (hi - lo) for v in shown]


def scatter_svg(points: pd.DataFrame, x: str, x_title: str, y_title: str, front: str) -> str:
    """``points`` (one row per point: label, kind, selector, k, quality, ``x``, ``front`` flag) as an SVG figure."""
    data = points.dropna(subset=[x, "quality"]).sort_values(["label", "k", "selector"]).reset_index(drop=True)
    if data.empty:
        return ""
    xs = _scale(data[x], LEFT, WIDTH - RIGHT, log=True)
    ys = _scale(data["quality"], HEIGHT - BOTTOM, TOP, log=False)
    kinds = sorted(data["kind"].astype(str).unique())
    color = {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(kinds)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" class="chart">',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
        _text(LEFT, HEIGHT - 8, f"{x_title} (log scale): {_num(data[x].min())} to {_num(data[x].max())}"),
        _text(4, 14, f"{y_title} (up): {data['quality'].min():.3f} to {data['quality'].max():.3f}"),
    ]
    for i, kind in enumerate(kinds):  # the legend, one row above the plot
        parts.append(f'<circle cx="{LEFT + 110 * i + 5}" cy="30" r="5" fill="{color[kind]}"/>')
        parts.append(_text(LEFT + 110 * i + 14, 34, kind))
    for _, rows in data[data["selector"] != "first"].groupby("label", sort=True):
        line = " ".join(f"{xs[i]:.1f},{ys[i]:.1f}" for i in rows.sort_values("k").index)
        kind = str(rows["kind"].iloc[0])
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color[kind]}" opacity="0.6"/>')
    for i, row in data.iterrows():
        ring = ' stroke="#000" stroke-width="2"' if bool(row[front]) else ""
        k = "" if row["selector"] == "first" else f" {row['selector']}@{row['k']}"
        tip = f"{row['label']}{k}: {row['quality']:.3f} at {_num(row[x])}"
        parts.append(
            f'<circle class="point" cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="5" fill="{color[str(row["kind"])]}"{ring}>'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    last = data.index[data["k"] == data.groupby("label")["k"].transform("max")]
    for i in data.loc[last].drop_duplicates("label").index:
        parts.append(_text(xs[i] + 8, ys[i] + 4, str(data.loc[i, "label"])))
    parts.append(_text(WIDTH - RIGHT + 8, HEIGHT - 8, "ringed: Pareto front"))
    parts.append("</svg>")
    return "<figure>" + "".join(parts) + "</figure>"


def _text(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="11">{html.escape(text)}</text>'


def _num(value: float) -> str:
    return f"{float(value):.4g}"
