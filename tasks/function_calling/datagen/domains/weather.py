"""Weather: current conditions, forecasts, alerts, air quality and history."""

from __future__ import annotations

import random
from typing import Any

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool

DOMAIN = "weather"

CITIES = [
    "Lyon",
    "Osaka",
    "Denver",
    "Porto",
    "Nairobi",
    "Calgary",
    "Hanoi",
    "Bergen",
    "Valparaiso",
    "Perth",
    "Krakow",
    "Austin",
    "Tbilisi",
    "Cork",
    "Medellin",
    "Seville",
    "Tromso",
    "Adelaide",
    "Quito",
    "Leeds",
]
UNITS = {"celsius": ["in celsius", "in degrees Celsius"], "fahrenheit": ["in fahrenheit", "in degrees Fahrenheit"]}


def _unit(rng: random.Random) -> tuple[str, dict[str, list]]:
    """A unit phrase and its argument, or nothing (the default applies, so omitting is fine)."""
    if rng.random() < 0.4:
        unit = rng.choice(list(UNITS))
        return " " + rng.choice(UNITS[unit]), {"unit": [unit]}
    return "", {"unit": ["", "celsius"]}


def _current(rng: random.Random) -> Ask:
    city = rng.choice(CITIES)
    unit_text, unit = _unit(rng)
    verb = rng.choice(
        [
            "check the current weather in {c}",
            "tell me what the weather is like in {c} right now",
            "get the current conditions for {c}",
        ]
    )
    return Ask(verb.format(c=city) + unit_text, {"city": [city], **unit})


def _forecast(rng: random.Random) -> Ask:
    city = rng.choice(CITIES)
    days = rng.randint(2, 10)
    unit_text, unit = _unit(rng)
    verb = rng.choice(
        [
            "get the {d}-day forecast for {c}",
            "show me the weather forecast for {c} for the next {d} days",
            "forecast the weather in {c} over {d} days",
        ]
    )
    return Ask(verb.format(c=city, d=days) + unit_text, {"city": [city], "days": [days], **unit})


def _alerts(rng: random.Random) -> Ask:
    city = rng.choice(CITIES)
    severity = rng.choice(["minor", "moderate", "severe", "extreme"])
    if rng.random() < 0.5:
        clause = rng.choice(["list any weather alerts for {c}", "check whether there are weather warnings in {c}"])
        return Ask(clause.format(c=city), {"city": [city], "min_severity": ["", "minor"]})
    clause = rng.choice(
        ["list {s} or worse weather alerts for {c}", "show weather warnings in {c} of at least {s} severity"]
    )
    return Ask(clause.format(c=city, s=severity), {"city": [city], "min_severity": [severity]})


def _air_quality(rng: random.Random) -> Ask:
    lat = round(rng.uniform(-60, 70), 2)
    lon = round(rng.uniform(-170, 170), 2)
    pollutants = rng.sample(["pm2_5", "pm10", "ozone", "no2", "so2"], k=rng.randint(1, 3))
    words = {"pm2_5": "PM2.5", "pm10": "PM10", "ozone": "ozone", "no2": "NO2", "so2": "SO2"}
    spoken = " and ".join(words[p] for p in pollutants)
    clause = rng.choice(
        ["get the {p} levels at latitude {la} and longitude {lo}", "measure {p} at coordinates {la}, {lo}"]
    )
    args: dict[str, list[Any]] = {"location": [{"lat": [lat], "lon": [lon]}], "pollutants": [pollutants]}
    return Ask(clause.format(p=spoken, la=lat, lo=lon), args)


def _history(rng: random.Random) -> Ask:
    city = rng.choice(CITIES)
    year = rng.randint(1995, 2024)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    metric = rng.choice(["temperature", "precipitation", "wind_speed"])
    spoken_metric = metric.replace("_", " ")
    clause = rng.choice(
        ["look up the recorded {m} in {c} on {mo} {d}, {y}", "find the historical {m} for {c} on {iso}"]
    )
    text = clause.format(m=spoken_metric, c=city, mo=MONTHS[month - 1], d=day, y=year, iso=iso)
    return Ask(text, {"city": [city], "date": [iso], "metric": [metric]})


UNIT_PARAM = {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit (default celsius)."}

TOOLS = [
    Tool(
        "get_current_weather",
        "Get the current weather conditions for a city.",
        {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name."}, "unit": UNIT_PARAM},
            "required": ["city"],
        },
        _current,
    ),
    Tool(
        "get_forecast",
        "Get a daily weather forecast for a city.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "days": {"type": "integer", "minimum": 1, "maximum": 14, "description": "Number of days."},
                "unit": UNIT_PARAM,
            },
            "required": ["city", "days"],
        },
        _forecast,
    ),
    Tool(
        "get_weather_alerts",
        "List active weather alerts for a city.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "min_severity": {
                    "type": "string",
                    "enum": ["minor", "moderate", "severe", "extreme"],
                    "description": "Lowest severity to include (default minor).",
                },
            },
            "required": ["city"],
        },
        _alerts,
    ),
    Tool(
        "get_air_quality",
        "Get pollutant concentrations at a coordinate.",
        {
            "type": "object",
            "properties": {
                "location": {
                    "type": "object",
                    "description": "The coordinate.",
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                    "required": ["lat", "lon"],
                },
                "pollutants": {
                    "type": "array",
                    "description": "Pollutants to report.",
                    "items": {"type": "string", "enum": ["pm2_5", "pm10", "ozone", "no2", "so2"]},
                },
            },
            "required": ["location", "pollutants"],
        },
        _air_quality,
    ),
    Tool(
        "get_weather_history",
        "Look up a recorded weather measurement for a city on a past date.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "date": {"type": "string", "description": "Date as YYYY-MM-DD."},
                "metric": {"type": "string", "enum": ["temperature", "precipitation", "wind_speed"]},
            },
            "required": ["city", "date", "metric"],
        },
        _history,
    ),
]
