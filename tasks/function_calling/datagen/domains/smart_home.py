"""Smart home: thermostats, lights, door locks, scenes and device schedules."""

from __future__ import annotations

import random

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool, join_words

DOMAIN = "smart_home"

ROOMS = [
    "living room",
    "kitchen",
    "master bedroom",
    "guest bedroom",
    "office",
    "dining room",
    "hallway",
    "basement",
    "nursery",
    "den",
    "bathroom",
    "sunroom",
    "kids room",
    "attic",
    "laundry room",
]
COLORS = ["warm_white", "cool_white", "red", "orange", "yellow", "green", "blue", "purple", "pink"]
DOORS = [
    "front_door",
    "back_door",
    "garage_door",
    "patio_door",
    "side_gate",
    "basement_door",
    "shed_door",
    "mudroom_door",
]
SCENES = [
    "Movie Night",
    "Good Morning",
    "Dinner Party",
    "Reading",
    "Bedtime",
    "Away Mode",
    "Focus Time",
    "Relax",
    "Game Day",
    "Wake Up",
    "Cozy Evening",
    "Cleaning",
    "Date Night",
    "Homework",
]
DEVICES = [
    "coffee maker",
    "porch light",
    "robot vacuum",
    "bedroom fan",
    "garden sprinkler",
    "dishwasher",
    "space heater",
    "hallway lamp",
    "towel warmer",
    "aquarium light",
    "electric blanket",
    "air purifier",
    "pool pump",
    "holiday lights",
]


def _num(value: float) -> int | float:
    """A whole number as an int (said "21", not "21.0"), others unchanged."""
    return int(value) if float(value).is_integer() else value


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]):02d}"


def _thermostat(rng: random.Random) -> Ask:
    room = rng.choice(ROOMS)
    unit = rng.choice(["", "celsius", "fahrenheit"])
    temperature = _num(rng.randint(60, 80)) if unit == "fahrenheit" else _num(rng.randint(32, 52) / 2)
    unit_text = {"": " degrees", "celsius": " degrees Celsius", "fahrenheit": " degrees Fahrenheit"}[unit]
    clause = rng.choice(
        [
            "set the {r} thermostat to {t}{u}",
            "change the thermostat in the {r} to {t}{u}",
            "make the {r} thermostat hold {t}{u}",
        ]
    )
    text = clause.format(r=room, t=temperature, u=unit_text)
    args: dict[str, list] = {"room": [room], "temperature": [temperature], "unit": [unit] if unit else ["", "celsius"]}
    if rng.random() < 0.4:
        mode = rng.choice(["heat", "cool", "auto", "eco"])
        text += f" in {mode} mode"
        args["mode"] = [mode]
    return Ask(text, args)


def _lights(rng: random.Random) -> Ask:
    room = rng.choice(ROOMS)
    kind = rng.choice(["on", "off", "set", "set"])
    args: dict[str, list] = {"room": [room]}
    if kind == "off":
        args["is_on"] = [False]
        text = rng.choice(["turn off the {r} lights", "switch off the lights in the {r}"]).format(r=room)
    else:
        brightness = rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 60, 65, 70, 75, 80, 90, 100])
        color = rng.choice(COLORS)
        parts = rng.choice([["brightness"], ["color"], ["color", "brightness"]] + ([[]] if kind == "on" else []))
        if kind == "on":
            args["is_on"] = [True]
            text = rng.choice(["turn on the {r} lights", "switch on the lights in the {r}"]).format(r=room)
            words = {"brightness": f" at {brightness} percent brightness", "color": f" in {color.replace('_', ' ')}"}
        else:
            args["is_on"] = ["", True]
            text = rng.choice(["set the {r} lights to", "change the lights in the {r} to"]).format(r=room)
            words = {"brightness": f" {brightness} percent brightness", "color": f" {color.replace('_', ' ')}"}
            if parts == ["color", "brightness"]:
                words["brightness"] = f" at {brightness} percent brightness"
        for part in parts:
            text += words[part]
            args[part] = [brightness if part == "brightness" else color]
    if rng.random() < 0.3:
        seconds = _num(rng.choice([0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 10]))
        text += f" with a {seconds} second fade"
        args["transition_seconds"] = [seconds]
    else:
        args["transition_seconds"] = ["", 0]
    return Ask(text, args)


def _lock(rng: random.Random) -> Ask:
    door = rng.choice(DOORS)
    spoken = door.replace("_", " ")
    locked = rng.random() < 0.5
    args: dict[str, list] = {"door": [door], "locked": [locked]}
    if locked:
        text = rng.choice(["lock the {d}", "make sure the {d} gets locked", "engage the lock on the {d}"]).format(
            d=spoken
        )
        if rng.random() < 0.5:
            seconds = rng.choice([10, 15, 20, 30, 45, 60, 90, 120])
            text += f" in {seconds} seconds"
            args["delay_seconds"] = [seconds]
        else:
            args["delay_seconds"] = ["", 0]
    else:
        text = rng.choice(["unlock the {d}", "open the lock on the {d}", "release the lock on the {d}"]).format(
            d=spoken
        )
        args["delay_seconds"] = ["", 0]
        if rng.random() < 0.6:
            minutes = rng.choice([1, 2, 3, 5, 10, 15, 20, 25, 30, 45, 60, 90])
            text += f" and relock it automatically after {minutes} {'minute' if minutes == 1 else 'minutes'}"
            args["auto_relock_minutes"] = [minutes]
    if rng.random() < 0.4:
        text += " and send me a notification"
        args["notify"] = [True]
    else:
        args["notify"] = ["", False]
    return Ask(text, args)


def _scene(rng: random.Random) -> Ask:
    scene = rng.choice(SCENES)
    clause = rng.choice(["run the {s} scene", "activate my {s} scene", "start the {s} scene"])
    text = clause.format(s=scene)
    args: dict[str, list] = {"scene_name": [scene]}
    if rng.random() < 0.6:
        rooms = rng.sample(ROOMS, k=rng.randint(1, 3))
        text += " in the " + join_words(rooms).replace(" and ", " and the ").replace(", ", ", the ")
        args["rooms"] = [rooms]
    else:
        args["rooms"] = ["", []]
    if rng.random() < 0.4:
        delay = rng.choice([1, 2, 5, 10, 15, 20, 30, 45, 60, 90])
        text += f" {delay} {'minute' if delay == 1 else 'minutes'} from now"
        args["delay_minutes"] = [delay]
    else:
        args["delay_minutes"] = ["", 0]
    return Ask(text, args)


def _schedule(rng: random.Random) -> Ask:
    device = rng.choice(DEVICES)
    action = rng.choice(["turn_on", "turn_off"])
    time = _time(rng)
    schedule: dict[str, list] = {"time": [time]}
    clause = rng.choice(
        [
            "schedule the {d} to {a} at {t}",
            "set the {d} to {a} at {t}",
            "program the {d} to {a} at {t}",
        ]
    )
    text = clause.format(d=device, a=action.replace("_", " "), t=time)
    repeat = rng.choice(["", "", "once", "daily", "weekdays", "weekends"])
    if repeat:
        text += {"once": " just once", "daily": " daily", "weekdays": " on weekdays", "weekends": " on weekends"}[
            repeat
        ]
        schedule["repeat"] = [repeat]
    else:
        schedule["repeat"] = ["", "once"]
    if action == "turn_on" and rng.random() < 0.5:
        minutes = rng.choice([10, 15, 20, 30, 45, 60, 90, 120])
        text += f" for {minutes} minutes"
        schedule["duration_minutes"] = [minutes]
    args: dict[str, list] = {"device": [device], "action": [action], "schedule": [schedule]}
    if rng.random() < 0.3:
        text += " unless nobody is home"
        args["skip_when_away"] = [True]
    else:
        args["skip_when_away"] = ["", False]
    return Ask(text, args)


ROOM_PARAM = {"type": "string", "description": "Room name, e.g. living room."}

TOOLS = [
    Tool(
        "set_thermostat",
        "Set the target temperature of a room's thermostat.",
        {
            "type": "object",
            "properties": {
                "room": ROOM_PARAM,
                "temperature": {"type": "number", "description": "Target temperature."},
                "unit": {
                    "type": "string",
                    "enum": ["celsius", "fahrenheit"],
                    "description": "Temperature unit (default celsius).",
                },
                "mode": {
                    "type": "string",
                    "enum": ["heat", "cool", "auto", "eco"],
                    "description": "Operating mode; omit to keep the current mode.",
                },
            },
            "required": ["room", "temperature"],
        },
        _thermostat,
    ),
    Tool(
        "set_lights",
        "Turn a room's lights on or off and set their brightness and colour.",
        {
            "type": "object",
            "properties": {
                "room": ROOM_PARAM,
                "is_on": {"type": "boolean", "description": "Whether the lights are on (default true)."},
                "brightness": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "description": "Brightness in percent; omit to keep the current level.",
                },
                "color": {
                    "type": "string",
                    "enum": COLORS,
                    "description": "Light colour; omit to keep the current colour.",
                },
                "transition_seconds": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Fade duration in seconds (default 0).",
                },
            },
            "required": ["room"],
        },
        _lights,
    ),
    Tool(
        "set_door_lock",
        "Lock or unlock a smart door lock.",
        {
            "type": "object",
            "properties": {
                "door": {"type": "string", "enum": DOORS, "description": "Which door."},
                "locked": {"type": "boolean", "description": "True to lock, false to unlock."},
                "auto_relock_minutes": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 120,
                    "description": "When unlocking, minutes until it relocks automatically; omit to stay unlocked.",
                },
                "delay_seconds": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Seconds to wait before locking or unlocking (default 0).",
                },
                "notify": {
                    "type": "boolean",
                    "description": "Send a phone notification when done (default false).",
                },
            },
            "required": ["door", "locked"],
        },
        _lock,
    ),
    Tool(
        "run_home_scene",
        "Run a saved smart-home scene.",
        {
            "type": "object",
            "properties": {
                "scene_name": {"type": "string", "description": "Name of the saved scene, e.g. Movie Night."},
                "rooms": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Rooms to limit the scene to (default empty: every room in the scene).",
                },
                "delay_minutes": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Minutes to wait before running the scene (default 0).",
                },
            },
            "required": ["scene_name"],
        },
        _scene,
    ),
    Tool(
        "schedule_home_device",
        "Schedule a smart device to turn on or off at a time of day.",
        {
            "type": "object",
            "properties": {
                "device": {"type": "string", "description": "Name of the device, e.g. coffee maker."},
                "action": {"type": "string", "enum": ["turn_on", "turn_off"], "description": "What to do."},
                "schedule": {
                    "type": "object",
                    "description": "When to do it.",
                    "properties": {
                        "time": {"type": "string", "description": "Time of day, 24-hour HH:MM."},
                        "repeat": {
                            "type": "string",
                            "enum": ["once", "daily", "weekdays", "weekends"],
                            "description": "How often (default once).",
                        },
                        "duration_minutes": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "For turn_on, minutes to run before turning off again; omit to stay on.",
                        },
                    },
                    "required": ["time"],
                },
                "skip_when_away": {
                    "type": "boolean",
                    "description": "Skip the action when nobody is home (default false).",
                },
            },
            "required": ["device", "action", "schedule"],
        },
        _schedule,
    ),
]
