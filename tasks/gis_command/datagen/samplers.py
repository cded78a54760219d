"""Samplers of the gis_command generator: one per command, drawing the target call and the strings shown in text.

Numbers appear as digits or as words (``Numbers``); coordinates always as digits, written exactly as the
target writes them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from harness.metrics.calls import Call
from harness.tasks.gis_command.datagen.pools import (
    BUFFER_METERS,
    GEOMETRY_WORDS,
    SHAPE_WORDS,
    STYLE_WORDS,
    UNIT_WORDS,
    Pools,
)

WORDS_PROBABILITY = 0.35

# ---- numbers -------------------------------------------------------------------------------------

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """English words for 0 <= n < 10000: ``750`` -> ``seven hundred fifty``."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else f"-{ONES[n % 10]}")
    for size, word in ((1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{number_words(n // size)} {word}" + ("" if rest == 0 else f" {number_words(rest)}")
    raise ValueError(n)


@dataclass(frozen=True)
class Sample:
    """One drawn command: the target call, the strings templates show, and whether a number is in words."""

    call: Call
    shown: dict[str, str]
    words: bool = False


class Numbers:
    """Shows the integers of one sample all as digits or all as words (drawn once)."""

    def __init__(self, rng: random.Random):
        self.words = rng.random() < WORDS_PROBABILITY

    def show(self, n: int, singular: str = "", plural: str = "") -> str:
        """``3 levels``, ``three levels``, ``1 level``..."""
        text = number_words(n) if self.words else str(n)
        unit = singular if n == 1 else plural
        return f"{text} {unit}" if unit else text


def coordinate(rng: random.Random, low: float, high: float) -> float:
    """A coordinate with two decimals (shown in text exactly as the target writes it)."""
    return round(rng.uniform(low, high), 2)


# ---- samplers ------------------------------------------------------------------------------------

Sampler = Callable[[random.Random, Pools], Sample]


def zoom_sampler(name: str, low: int, high: int) -> Sampler:
    def sample(rng: random.Random, pools: Pools) -> Sample:
        n = rng.randint(low, high)
        numbers = Numbers(rng)
        shown = {"n": numbers.show(n), "levels": numbers.show(n, "level", "levels")}
        return Sample(Call(name, (n,)), shown, numbers.words)

    return sample


def move(rng: random.Random, pools: Pools) -> Sample:
    lat, lon = coordinate(rng, -60, 70), coordinate(rng, -180, 180)
    return Sample(Call("Move", (lat, lon)), {"lat": repr(lat), "lon": repr(lon)})


def move_to_extent(rng: random.Random, pools: Pools) -> Sample:
    south, west = coordinate(rng, -60, 60), coordinate(rng, -180, 165)
    north, east = round(south + rng.uniform(0.5, 12), 2), round(west + rng.uniform(0.5, 15), 2)
    shown = {"south": repr(south), "west": repr(west), "north": repr(north), "east": repr(east)}
    return Sample(Call("MoveToExtent", (south, west, north, east)), shown)


def go_to(rng: random.Random, pools: Pools) -> Sample:
    place = rng.choice(pools.places)
    return Sample(Call("GoTo", (place,)), {"place": place})


def add_marker(rng: random.Random, pools: Pools) -> Sample:
    lat, lon, label = coordinate(rng, -60, 70), coordinate(rng, -180, 180), rng.choice(pools.labels)
    return Sample(Call("AddMarker", (lat, lon, label)), {"lat": repr(lat), "lon": repr(lon), "label": f'"{label}"'})


def layer_sampler(name: str) -> Sampler:
    def sample(rng: random.Random, pools: Pools) -> Sample:
        layer = rng.choice(pools.layers)
        return Sample(Call(name, (layer,)), {"layer": layer})

    return sample


def set_opacity(rng: random.Random, pools: Pools) -> Sample:
    layer, percent = rng.choice(pools.layers), rng.randrange(10, 100, 5)
    numbers = Numbers(rng)
    shown = {"layer": layer, "pct": numbers.show(percent, "percent", "percent")}
    if not numbers.words and rng.random() < 0.4:
        shown["pct"] = f"{percent}%"
    return Sample(Call("SetOpacity", (layer, percent)), shown, numbers.words)


def add_vector(rng: random.Random, pools: Pools) -> Sample:
    geometry = rng.choice(sorted(GEOMETRY_WORDS))
    file = rng.choice(pools.files[geometry])
    return Sample(Call("AddVector", (geometry, file)), {"gtype": rng.choice(GEOMETRY_WORDS[geometry]), "file": file})


def add_wms(rng: random.Random, pools: Pools) -> Sample:
    url, layer = rng.choice(pools.urls), rng.choice(pools.wms_layers)
    return Sample(Call("AddWMS", (url, layer)), {"url": url, "wlayer": layer})


def draw(rng: random.Random, pools: Pools) -> Sample:
    shape = rng.choice(sorted(SHAPE_WORDS))
    return Sample(Call("Draw", (shape,)), {"shape": rng.choice(SHAPE_WORDS[shape])})


def cartography(rng: random.Random, pools: Pools) -> Sample:
    style, region, attribute = rng.choice(sorted(STYLE_WORDS)), rng.choice(pools.regions), rng.choice(pools.attributes)
    shown = {"style": rng.choice(STYLE_WORDS[style]), "region": region, "attribute": attribute}
    return Sample(Call("Cartography", (style, region, attribute.replace(" ", "_"))), shown)


def measure(rng: random.Random, pools: Pools) -> Sample:
    kind = rng.choice(sorted(UNIT_WORDS))
    unit = rng.choice(sorted(UNIT_WORDS[kind]))
    return Sample(Call("Measure", (kind, unit)), {"kind": kind, "unit": UNIT_WORDS[kind][unit]})


def buffer(rng: random.Random, pools: Pools) -> Sample:
    layer, meters = rng.choice(pools.layers), rng.choice(BUFFER_METERS)
    numbers = Numbers(rng)
    dist = numbers.show(meters, "meter", "meters")
    if not numbers.words and rng.random() < 0.3:
        dist = f"{meters} m"
    return Sample(Call("Buffer", (layer, meters)), {"layer": layer, "dist": dist}, numbers.words)


def find_route(rng: random.Random, pools: Pools) -> Sample:
    origin, destination = rng.sample(pools.places, 2)
    return Sample(Call("FindRoute", (origin, destination)), {"origin": origin, "dest": destination})


def clear_map(rng: random.Random, pools: Pools) -> Sample:
    return Sample(Call("ClearMap", ()), {})
