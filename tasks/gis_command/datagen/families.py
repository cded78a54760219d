"""Phrasing templates of the gis_command generator: per command, in-distribution and out-of-distribution ones.

A template table: ID templates serve ``train``/``test`` and the two-command compositions in ``ood``; OOD
templates serve only single commands in ``ood``, and none may be producible by an ID template.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.tasks.gis_command.datagen.samplers import (
    Sampler,
    add_marker,
    add_vector,
    add_wms,
    buffer,
    cartography,
    clear_map,
    draw,
    find_route,
    go_to,
    layer_sampler,
    measure,
    move,
    move_to_extent,
    set_opacity,
    zoom_sampler,
)


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
