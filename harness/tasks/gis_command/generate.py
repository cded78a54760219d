"""Regenerate the built-in gis_command data: ``python -m harness.tasks.gis_command.generate [OUT_DIR]``.

Deterministic: every command family draws from its own ``random.Random`` seeded with ``SEED`` and the
family name, so the committed files are reproduced byte for byte. A family (see ``FAMILIES``) is a
sampler returning the target call and the strings that show its values in text, plus in-distribution
(``ID``) and out-of-distribution (``OOD``) phrasing templates.

- ``train`` and ``test`` share the ID templates, the ID prefixes/suffixes and the ID value pools; no
  input text occurs twice across all splits.
- ``ood`` has single commands in OOD templates that no ID template can produce (checked here and in the
  tests), and two-command compositions of ID phrasings joined by a connector (target joined by ``; ``).
  Every ``ood`` example draws places, layers, files, labels, URLs and attributes from OOD pools that
  share no value with the ID pools.

Numbers appear as digits or as words (tag ``numbers:words``); targets always use digits.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.metrics.calls import Call, format_calls
from harness.tasks.gis_command.task import COMMANDS

SEED = 20250607
TRAIN_PER_FAMILY = 90
TEST_PER_FAMILY = 24
OOD_PER_FAMILY = 8
OOD_COMPOSITIONS = 72
WORDS_PROBABILITY = 0.35
MAX_DRAWS = 20_000
DATA_DIR = Path(__file__).parent / "data"

# ---- value pools ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """The open-vocabulary values a sampler draws from (ID or OOD)."""

    places: tuple[str, ...]
    layers: tuple[str, ...]
    files: dict[str, tuple[str, ...]]  # geometry type -> vector files
    labels: tuple[str, ...]
    urls: tuple[str, ...]
    wms_layers: tuple[str, ...]
    regions: tuple[str, ...]  # polygon layers a map is styled on
    attributes: tuple[str, ...]  # shown as words, targets in snake_case


ID_POOLS = Pools(
    places=(
        "Paris", "London", "Tokyo", "Nairobi", "Lima", "Cairo", "Sydney", "Toronto", "Mumbai", "Berlin",
        "Madrid", "Rome", "Istanbul", "Bangkok", "Jakarta", "Mexico City", "Buenos Aires", "Cape Town",
        "New York", "Los Angeles", "Chicago", "Moscow", "Beijing", "Seoul", "Dubai", "Tehran", "Lagos",
        "Santiago", "Bogota", "Oslo", "Helsinki", "Vienna", "Prague", "Lisbon", "Athens", "Dublin",
        "Vancouver", "Auckland", "Hanoi", "Manila",
    ),
    layers=(
        "satellite", "terrain", "roads", "rivers", "buildings", "parcels", "railways", "lakes", "forests",
        "hillshade", "land cover", "contours", "streets", "parks", "schools", "hospitals", "wells", "airports",
        "coastline", "admin boundaries",
    ),
    files={
        "point": ("wells.kml", "schools.geojson", "hospitals.shp", "bus_stations.geojson", "shops.csv"),
        "polyline": ("rivers.shp", "roads.geojson", "railways.kml", "trails.shp", "power_grid.geojson"),
        "polygon": ("parcels.shp", "lakes.geojson", "districts.kml", "buildings.shp", "parks.geojson"),
    },
    labels=(
        "Home", "Office", "Base camp", "Meeting point", "Site A", "Depot", "Trailhead", "Clinic", "Bridge",
        "Well 7", "School", "Harbour", "Lookout", "Camp 2", "Station", "Gate 3",
    ),
    urls=(
        "https://maps.example.org/wms", "https://geo.example.com/geoserver/wms", "https://ows.example.net/service",
        "http://gis.example.edu/cgi-bin/mapserv", "https://tiles.example.io/wms", "https://wms.example.org/ows",
    ),
    wms_layers=("elevation", "landuse", "geology", "soils", "temperature", "precipitation", "orthophoto"),
    regions=("provinces", "counties", "districts", "countries", "states", "municipalities", "census tracts"),
    attributes=(
        "population", "median income", "population density", "unemployment rate", "area", "crime rate",
        "life expectancy", "gdp",
    ),
)  # fmt: skip

OOD_POOLS = Pools(
    places=(
        "Ulaanbaatar", "Reykjavik", "Tbilisi", "Windhoek", "Kathmandu", "Asuncion", "Valparaiso", "Zanzibar",
        "Tromso", "Hobart", "Quito", "Yerevan", "Dakar", "Muscat", "Thimphu", "Nuuk", "Ushuaia", "Tashkent",
        "Suva", "Ljubljana",
    ),
    layers=(
        "wetlands", "power lines", "bus stops", "flood zones", "vineyards", "bike lanes", "glaciers",
        "mangroves", "ski runs", "solar farms",
    ),
    files={
        "point": ("fire_hydrants.geojson", "weather_stations.kml", "cell_towers.shp"),
        "polyline": ("pipelines.shp", "ferry_routes.geojson", "canals.kml"),
        "polygon": ("glacier_outlines.shp", "vineyard_plots.geojson", "quarries.kml", "flood_zones_2030.geojson"),
    },
    labels=("Checkpoint Alpha", "Field lab", "Rest stop", "Drone pad", "Sample 12", "Ranger hut"),
    urls=("https://data.example.gov/ows", "https://mapserver.sample.org/wms", "http://geodata.example.ac.uk/wms"),
    wms_layers=("snow_cover", "ndvi", "bathymetry", "night_lights"),
    regions=("wards", "parishes", "watersheds", "school districts"),
    attributes=("literacy rate", "forest cover", "voter turnout", "median age"),
)  # fmt: skip

# Closed vocabularies: the same values in every split.
GEOMETRY_WORDS = {"point": ("point",), "polyline": ("line", "polyline"), "polygon": ("polygon",)}
SHAPE_WORDS = {**GEOMETRY_WORDS, "circle": ("circle",), "rectangle": ("rectangle", "box")}
STYLE_WORDS = {
    "choropleth": ("choropleth map", "choropleth"),
    "heatmap": ("heat map", "heatmap"),
    "graduated": ("graduated symbol map", "graduated symbol layer"),
    "categorized": ("categorized map", "category map"),
}
UNIT_WORDS = {
    "distance": {"m": "meters", "km": "kilometers", "mi": "miles"},
    "area": {"m2": "square meters", "km2": "square kilometers", "ha": "hectares"},
}
BUFFER_METERS = (50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 5000)
CLOSED_STRINGS = frozenset(
    [*SHAPE_WORDS, *STYLE_WORDS, *UNIT_WORDS, *(unit for units in UNIT_WORDS.values() for unit in units)]
)

ID_PREFIXES = ("", "", "", "Please ", "Can you ", "Could you ")
ID_SUFFIXES = ("", "", " please", " now")
CONNECTORS = (" and then ", ", then ", ", after that ", " and also ", " followed by: ")

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


@dataclass(frozen=True)
class Family:
    """One command: its sampler, in-distribution templates and out-of-distribution templates."""

    command: str
    sample: Sampler
    id_templates: tuple[str, ...]
    ood_templates: tuple[str, ...]


FAMILIES: tuple[Family, ...] = (
    Family(
        "ZoomIn",
        zoom_sampler("ZoomIn", 1, 8),
        (
            "Zoom in {levels}", "Zoom in by {levels}", "Zoom in {n} times", "Zoom the map in by {levels}",
            "Zoom in {n}", "Go {levels} closer", "Move in {levels}", "Zoom into the map {n} times",
            "Scale in by {levels}", "Get {levels} closer",
        ),
        (
            "I need a closer look, magnify by {levels}", "The view is too far away, enlarge it {n} times",
            "Bring the ground {levels} nearer to me", "Increase the zoom by {n}",
            "Push the camera in {levels} deeper",
        ),
    ),
    Family(
        "ZoomOut",
        zoom_sampler("ZoomOut", 1, 8),
        (
            "Zoom out {levels}", "Zoom out by {levels}", "Zoom out {n} times", "Zoom the map out by {levels}",
            "Zoom out {n}", "Go {levels} further out", "Move out {levels}", "Back out {levels}",
            "Scale out by {levels}", "Get {levels} further away",
        ),
        (
            "I want to see more of the surroundings, widen the view by {levels}", "Decrease the zoom by {n}",
            "Pull the camera back {levels}", "The map is too close, shrink it {n} times",
            "Give me a wider picture, {levels} out",
        ),
    ),
    Family(
        "ZoomTo",
        zoom_sampler("ZoomTo", 1, 18),
        (
            "Set the zoom level to {n}", "Zoom to level {n}", "Change the zoom to {n}", "Go to zoom level {n}",
            "Make the zoom level {n}", "Use zoom level {n}", "Switch to zoom {n}", "Jump to zoom level {n}",
        ),
        (
            "I would like the scale at level {n}", "Fix the magnification at {n}", "Level {n} zoom, if you would",
            "Put the map on detail level {n}",
        ),
    ),
    Family(
        "Move",
        move,
        (
            "Move the map to {lat}, {lon}", "Pan to latitude {lat} and longitude {lon}",
            "Center the map on {lat}, {lon}",
            "Go to coordinates {lat}, {lon}", "Move to lat {lat} lon {lon}", "Pan the map to {lat} {lon}",
            "Recenter on latitude {lat}, longitude {lon}", "Take the map to {lat}, {lon}",
            "Move the view to coordinates {lat} and {lon}",
        ),
        (
            "I want the middle of the screen at {lat} north-south and {lon} east-west",
            "Shift everything so that the point ({lat}, {lon}) sits at the centre",
            "Scroll over until you reach the spot {lat} / {lon}", "Lat {lat}, long {lon}: put that in the middle",
        ),
    ),
    Family(
        "MoveToExtent",
        move_to_extent,
        (
            "Zoom to the extent {south}, {west}, {north}, {east}",
            "Fit the map to the box from {south}, {west} to {north}, {east}",
            "Show the area between latitudes {south} and {north} and longitudes {west} and {east}",
            "Set the extent to south {south}, west {west}, north {north}, east {east}",
            "Move to the bounding box {south}, {west}, {north}, {east}",
            "Frame the extent from {south}, {west} to {north}, {east}",
            "Zoom to the rectangle with corners {south}, {west} and {north}, {east}",
        ),
        (
            "Everything north of {south}, south of {north}, east of {west} and west of {east} should fill the screen",
            "Limit the window to a top edge of {north}, a bottom edge of {south}, "
            "a left edge of {west} and a right edge of {east}",
            "I want to look at the region whose lower-left corner is {south}, {west} "
            "and upper-right corner is {north}, {east}",
            "Make the visible bounds {south} to {north} in latitude, {west} to {east} in longitude",
        ),
    ),
    Family(
        "GoTo",
        go_to,
        (
            "Go to {place}", "Take me to {place}", "Fly to {place}", "Show me {place}", "Navigate to {place}",
            "Find {place} on the map", "Jump to {place}", "Center the map on {place}", "Zoom to {place}",
            "Move the map to {place}",
        ),
        (
            "Where is {place}? Bring it into view", "I am curious about {place}, head over there",
            "Let's travel to {place} on the map", "Locate the city of {place} for me",
        ),
    ),
    Family(
        "AddMarker",
        add_marker,
        (
            "Add a marker at {lat}, {lon} labelled {label}", "Put a pin called {label} at {lat}, {lon}",
            "Mark {lat}, {lon} as {label}", "Drop a marker named {label} at {lat} {lon}",
            "Place a marker at latitude {lat} longitude {lon} with the label {label}",
            "Add a point labelled {label} at {lat}, {lon}", "Pin {lat}, {lon} and call it {label}",
        ),
        (
            "Stick a flag that reads {label} on the spot {lat} / {lon}",
            "There should be a tag saying {label} where latitude is {lat} and longitude is {lon}",
            "Remember the position ({lat}, {lon}) under the name {label}",
            "I want a labelled symbol, {label}, sitting at {lat} {lon}",
        ),
    ),
    Family(
        "AddLayer",
        layer_sampler("AddLayer"),
        (
            "Add the {layer} layer", "Turn on {layer}", "Show the {layer} layer", "Display {layer}",
            "Switch on the {layer} layer", "Enable the {layer} layer", "Add {layer} to the map",
            "Overlay the {layer} layer", "Turn the {layer} layer on",
        ),
        (
            "I would also like to see {layer} on top", "Make {layer} visible as well",
            "Bring up the {layer} data", "Can {layer} appear on the map too",
        ),
    ),
    Family(
        "RemoveLayer",
        layer_sampler("RemoveLayer"),
        (
            "Remove the {layer} layer", "Hide {layer}", "Turn off the {layer} layer", "Switch off {layer}",
            "Get rid of the {layer} layer", "Take away the {layer} layer", "Disable the {layer} layer",
            "Remove {layer} from the map", "Turn the {layer} layer off",
        ),
        (
            "I no longer need {layer}, drop it", "Make {layer} invisible",
            "The {layer} data is cluttering things, lose it",
            "Stop showing {layer}",
        ),
    ),
    Family(
        "SetOpacity",
        set_opacity,
        (
            "Set the opacity of {layer} to {pct}", "Make {layer} {pct} opaque", "Change the {layer} opacity to {pct}",
            "Set {layer} opacity to {pct}", "Change the opacity of the {layer} layer to {pct}",
            "Adjust {layer} to {pct} opacity", "Put the {layer} layer at {pct} opacity",
        ),
        (
            "I want {layer} drawn at {pct} opacity", "Fade {layer} until it is {pct} opaque",
            "The {layer} layer should only be {pct} solid", "Render {layer} with an alpha of {pct}",
        ),
    ),
    Family(
        "AddVector",
        add_vector,
        (
            "Load {file} as a {gtype} layer", "Add the {gtype} layer from {file}",
            "Import {file} with {gtype} geometry",
            "Open the {gtype} file {file}", "Add {file} as {gtype} features", "Show the {gtype} features in {file}",
            "Load the {gtype} data from {file}", "Add vector file {file} with {gtype} geometry",
        ),
        (
            "There is a file called {file}, its shapes are {gtype}s, put it on the map",
            "Bring the {gtype} dataset stored in {file} onto the map", "Read {file}; it contains {gtype} geometries",
            "I have {gtype} data in {file} that I want to see",
        ),
    ),
    Family(
        "AddWMS",
        add_wms,
        (
            "Add the WMS layer {wlayer} from {url}", "Connect to the WMS at {url} and show {wlayer}",
            "Add {wlayer} from the WMS service {url}", "Load WMS {url} layer {wlayer}",
            "Add a WMS layer {wlayer} using {url}", "Show the {wlayer} layer of the WMS at {url}",
            "Add the web map service {url} with layer {wlayer}",
        ),
        (
            "Pull {wlayer} off the map server {url}", "The server {url} publishes {wlayer}, please overlay it",
            "Stream the {wlayer} imagery that {url} offers", "I'd like {wlayer} fetched from {url}",
        ),
    ),
    Family(
        "Draw",
        draw,
        (
            "Draw a {shape}", "Let me draw a {shape}", "Start drawing a {shape}", "Enable {shape} drawing",
            "Draw a {shape} on the map", "Activate the {shape} drawing tool", "Begin a new {shape}",
            "Switch to {shape} drawing mode",
        ),
        (
            "I'm about to sketch a {shape} by hand", "Give me a pen for a {shape}",
            "Time to trace a {shape} onto the map", "My next click should start a {shape}",
        ),
    ),
    Family(
        "Cartography",
        cartography,
        (
            "Make a {style} of {region} by {attribute}", "Style {region} as a {style} using {attribute}",
            "Show {attribute} of {region} as a {style}", "Create a {style} of {attribute} for {region}",
            "Map {attribute} across {region} with a {style}", "Symbolize {region} by {attribute} as a {style}",
            "Draw a {style} of {region} using {attribute}",
        ),
        (
            "Colour the {region} according to their {attribute}, {style} style",
            "I want a thematic map, {style}, of {attribute} over the {region}",
            "Visualise how {attribute} varies between {region} ({style})",
            "Which {region} have high {attribute}? Show it as a {style}",
        ),
    ),
    Family(
        "Measure",
        measure,
        (
            "Measure {kind} in {unit}", "Measure the {kind} in {unit}", "Start measuring {kind} in {unit}",
            "Begin measuring the {kind} in {unit}", "Turn on the {kind} measurement in {unit}",
            "Use the {kind} tool in {unit}", "Activate {kind} measuring with {unit}",
        ),
        (
            "How big is it? Give me the {kind} in {unit}", "I need to know the {kind}; report it in {unit}",
            "Get the ruler out for {kind}, units {unit}", "Calculate {kind} as I click, expressed in {unit}",
        ),
    ),
    Family(
        "Buffer",
        buffer,
        (
            "Buffer {layer} by {dist}", "Create a buffer of {dist} around {layer}",
            "Make a {dist} buffer around {layer}",
            "Buffer the {layer} layer by {dist}", "Add a buffer of {dist} to {layer}",
            "Build a buffer zone of {dist} around the {layer}", "Compute a {dist} buffer for {layer}",
        ),
        (
            "Everything within {dist} of {layer} should be highlighted",
            "Show the zone that lies no more than {dist} from the {layer}",
            "Expand the {layer} outward by {dist}", "Which areas are {dist} or closer to {layer}",
        ),
    ),
    Family(
        "FindRoute",
        find_route,
        (
            "Find a route from {origin} to {dest}", "Directions from {origin} to {dest}",
            "Route from {origin} to {dest}",
            "Show the way from {origin} to {dest}", "Plan a trip from {origin} to {dest}",
            "Get me to {dest} from {origin}", "Calculate the route between {origin} and {dest}",
            "Find the path from {origin} to {dest}", "Navigate from {origin} to {dest}",
        ),
        (
            "How would I travel to {dest} if I start in {origin}",
            "Starting at {origin}, what is the best way to {dest}",
            "My trip begins in {origin} and ends in {dest}, show me how", "What road connects {origin} with {dest}",
        ),
    ),
    Family(
        "ClearMap",
        clear_map,
        (
            "Clear the map", "Remove everything from the map", "Reset the map", "Wipe the map clean",
            "Clear all layers and drawings", "Start over with an empty map", "Delete everything on the map",
            "Clean up the map", "Erase all drawings and layers", "Remove all overlays", "Clear everything",
            "Empty the map", "Get rid of everything on the map", "Reset everything", "Remove all features",
        ),
        (
            "I made a mess, throw it all away", "Back to a blank canvas", "Nothing should remain on the map",
            "Undo all my additions in one go", "Let's begin again from nothing", "Scrap all of it",
            "Throw out every layer and every sketch", "I want a pristine map again", "Purge what I have added",
            "Return the map to its blank state", "Nuke the whole thing", "Toss out all my changes",
        ),
    ),
)  # fmt: skip

# ---- rendering -----------------------------------------------------------------------------------


def fill(template: str, shown: dict[str, str]) -> str:
    """A template with its placeholders filled."""
    return template.format(**shown)


def sentence(text: str) -> str:
    """Upper-case the first character."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first character (templates never start with a name or with 'I')."""
    return text[:1].lower() + text[1:]


def id_phrase(rng: random.Random, family: Family, sample: Sample, *, decorate: bool) -> str:
    """An in-distribution phrasing, optionally with a polite prefix or a suffix."""
    body = fill(rng.choice(family.id_templates), sample.shown)
    if not decorate:
        return body
    prefix, suffix = rng.choice(ID_PREFIXES), rng.choice(ID_SUFFIXES)
    if prefix.strip() == "Please" and suffix.strip() == "please":
        suffix = ""
    return sentence(prefix + lower_first(body) if prefix else body) + suffix


def phrasing_pattern(template: str) -> re.Pattern[str]:
    """A regex that matches every input the ID ``template`` can produce, prefixes and suffixes included."""
    body = "(.+)".join(re.escape(part) for part in re.split(r"\{[a-z]+\}", template))
    prefixes = "|".join(re.escape(p) for p in sorted(set(ID_PREFIXES)) if p)
    suffixes = "|".join(re.escape(s) for s in sorted(set(ID_SUFFIXES)) if s)
    return re.compile(f"(?:{prefixes})?{body}(?:{suffixes})?", re.IGNORECASE)


def id_patterns() -> list[re.Pattern[str]]:
    """Patterns of every ID template of every family."""
    return [phrasing_pattern(t) for family in FAMILIES for t in family.id_templates]


# ---- splits --------------------------------------------------------------------------------------


def record(split: str, tags: Sequence[str], text: str, calls: Sequence[Call]) -> dict[str, Any]:
    """One example before ids are assigned."""
    return {"split": split, "tags": list(tags), "input": text, "output": format_calls(calls)}


def word_tags(*samples: Sample) -> list[str]:
    return ["numbers:words"] if any(s.words for s in samples) else []


def draw_unique(rng: random.Random, count: int, seen: set[str], make: Callable[[], tuple[str, Any]]) -> list[Any]:
    """``count`` items whose input texts are new to ``seen`` (which is updated)."""
    found: list[Any] = []
    for _ in range(MAX_DRAWS):
        if len(found) == count:
            return found
        text, item = make()
        if text not in seen:
            seen.add(text)
            found.append(item)
    raise RuntimeError(f"only {len(found)} of {count} distinct inputs in {MAX_DRAWS} draws: add templates")


def id_records(family: Family, seen: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Train and test records of one family, from one seeded stream."""
    rng = random.Random(f"{SEED}/{family.command}/id")

    def make() -> tuple[str, dict[str, Any]]:
        sample = family.sample(rng, ID_POOLS)
        text = id_phrase(rng, family, sample, decorate=True)
        return text, record("", [f"cmd:{family.command}", *word_tags(sample)], text, [sample.call])

    drawn = draw_unique(rng, TRAIN_PER_FAMILY + TEST_PER_FAMILY, seen, make)
    return {"train": drawn[:TRAIN_PER_FAMILY], "test": drawn[TRAIN_PER_FAMILY:]}


def ood_single_records(family: Family, seen: set[str], patterns: Sequence[re.Pattern[str]]) -> list[dict[str, Any]]:
    """OOD phrasings of one family with OOD values; none of them is producible by an ID template."""
    rng = random.Random(f"{SEED}/{family.command}/ood")

    def make() -> tuple[str, dict[str, Any]]:
        sample = family.sample(rng, OOD_POOLS)
        text = sentence(fill(rng.choice(family.ood_templates), sample.shown))
        clash = next((p.pattern for p in patterns if p.fullmatch(text)), None)
        if clash:
            raise RuntimeError(f"OOD input {text!r} matches the ID template pattern {clash!r}")
        tags = ["ood", "ood:phrasing", f"cmd:{family.command}", *word_tags(sample)]
        return text, record("", tags, text, [sample.call])

    return draw_unique(rng, OOD_PER_FAMILY, seen, make)


def composition_records(seen: set[str]) -> list[dict[str, Any]]:
    """Two commands in one request (ID phrasings, OOD values), target joined by ``; ``."""
    rng = random.Random(f"{SEED}/composition")

    def make() -> tuple[str, dict[str, Any]]:
        first, second = rng.sample(FAMILIES, 2)
        one, two = first.sample(rng, OOD_POOLS), second.sample(rng, OOD_POOLS)
        text = sentence(
            id_phrase(rng, first, one, decorate=False)
            + rng.choice(CONNECTORS)
            + lower_first(id_phrase(rng, second, two, decorate=False))
        )
        tags = ["ood", "ood:composition", f"cmd:{first.command}", f"cmd:{second.command}", *word_tags(one, two)]
        return text, record("", tags, text, [one.call, two.call])

    return draw_unique(rng, OOD_COMPOSITIONS, seen, make)


def build_splits() -> dict[str, list[dict[str, Any]]]:
    """Every split's records, shuffled (seeded) and numbered."""
    missing = [f.command for f in FAMILIES if f.command not in COMMANDS]
    if missing:
        raise RuntimeError(f"commands without a reference entry in task.COMMANDS: {missing}")
    seen: set[str] = set()
    patterns = id_patterns()
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "test": [], "ood": []}
    for family in FAMILIES:
        for split, records in id_records(family, seen).items():
            splits[split].extend(records)
    for family in FAMILIES:
        splits["ood"].extend(ood_single_records(family, seen, patterns))
    splits["ood"].extend(composition_records(seen))
    for split, records in splits.items():
        random.Random(f"{SEED}/shuffle/{split}").shuffle(records)
        splits[split] = [{"id": f"gis-{split}-{i:04d}", **{**r, "split": split}} for i, r in enumerate(records)]
    return splits


def jsonl(records: Sequence[dict[str, Any]]) -> str:
    """The file text: one compact JSON object per line, UTF-8, newline-terminated."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: Sequence[str]) -> None:
    """Write ``{train,test,ood}.jsonl`` into the given folder (default: the task's data folder)."""
    out = Path(argv[0]) if argv else DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    for split, records in build_splits().items():
        (out / f"{split}.jsonl").write_text(jsonl(records), encoding="utf-8")
        print(f"{split}: {len(records)} examples -> {out / f'{split}.jsonl'}")


if __name__ == "__main__":
    main(sys.argv[1:])
