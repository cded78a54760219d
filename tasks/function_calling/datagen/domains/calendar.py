"""Calendar: create, move and cancel events, find free slots, list events and invite attendees."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool, join_words

DOMAIN = "calendar"

TITLES = [
    "Budget review",
    "Design sync",
    "Quarterly planning",
    "Team lunch",
    "Dentist appointment",
    "Yoga class",
    "Product demo",
    "Hiring panel",
    "Sprint retrospective",
    "Book club",
    "Parent-teacher meeting",
    "Vendor call",
    "Marketing offsite",
    "Piano lesson",
    "Code review",
    "Board prep",
    "Onboarding session",
    "Customer workshop",
    "Garden volunteering",
    "Release planning",
    "Security training",
    "Coffee chat",
    "Roadmap walkthrough",
    "Car service",
]
PEOPLE = [
    "maya.okafor@example.com",
    "liam.brandt@example.com",
    "ines.ferreira@example.com",
    "tomas.novak@example.com",
    "priya.raman@example.com",
    "jonah.webb@example.com",
    "keiko.mori@example.com",
    "omar.haddad@example.com",
    "sofia.lindqvist@example.com",
    "dev.patel@example.com",
    "ruth.achebe@example.com",
    "marco.bellini@example.com",
    "hana.kim@example.com",
    "felix.dumont@example.com",
    "zara.mensah@example.com",
    "oscar.reyes@example.com",
    "nadia.petrova@example.com",
    "ethan.cole@example.com",
]
LOCATIONS = [
    "Room 4B",
    "the Atrium",
    "Conference Room Lark",
    "the main office",
    "Cafe Verde",
    "Studio 2",
    "the library annex",
    "Room 112",
    "the rooftop terrace",
    "Building C lobby",
]
CALENDARS = ["work", "personal", "family", "shared"]


def _date(rng: random.Random, start: datetime.date | None = None, span: int = 540) -> tuple[datetime.date, str]:
    """A date in 2025-2026 and the way the clause says it (ISO or spoken)."""
    day = (start or datetime.date(2025, 1, 6)) + datetime.timedelta(days=rng.randint(0, span))
    return day, _say_date(rng, day)


def _say_date(rng: random.Random, day: datetime.date) -> str:
    month = MONTHS[day.month - 1]
    return rng.choice([day.isoformat(), f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}"])


def _say_time(rng: random.Random, hour: int, minute: int) -> str:
    """A time of day as HH:MM or in 12-hour words ("2:30 pm", "9 am")."""
    if rng.random() < 0.5:
        return f"{hour:02d}:{minute:02d}"
    suffix = "am" if hour < 12 else "pm"
    twelve = hour % 12 or 12
    return f"{twelve}:{minute:02d} {suffix}" if minute else f"{twelve} {suffix}"


def _time(rng: random.Random, first: int = 7, last: int = 19) -> tuple[str, str]:
    """A start time on the quarter hour: its HH:MM value and how the clause says it."""
    hour, minute = rng.randint(first, last), rng.choice([0, 15, 30, 45])
    return f"{hour:02d}:{minute:02d}", _say_time(rng, hour, minute)


def _create(rng: random.Random) -> Ask:
    title = rng.choice(TITLES)
    day, said_day = _date(rng)
    start, said_start = _time(rng)
    clause = rng.choice(
        [
            'create a calendar event called "{t}" on {d} at {s}',
            'schedule "{t}" for {d} at {s}',
            'put "{t}" on my calendar on {d} starting at {s}',
        ]
    ).format(t=title, d=said_day, s=said_start)
    args: dict[str, list] = {"title": [title], "date": [day.isoformat()], "start_time": [start]}
    if rng.random() < 0.5:
        minutes = rng.choice([15, 20, 30, 45, 60, 90, 120, 150, 180])
        clause += f" for {minutes} minutes"
        args["duration_minutes"] = [minutes]
    else:
        args["duration_minutes"] = ["", 60]
    if rng.random() < 0.4:
        location = rng.choice(LOCATIONS)
        clause += f" in {location}"
        args["location"] = [location]
    if rng.random() < 0.4:
        guests = rng.sample(PEOPLE, k=rng.randint(1, 3))
        clause += f" with {join_words(guests)}"
        args["attendees"] = [guests]
    extras = []
    if rng.random() < 0.3:
        extras.append("a video call link")
        args["video_call"] = [True]
    else:
        args["video_call"] = ["", False]
    if rng.random() < 0.35:
        before = rng.choice([5, 10, 15, 30, 60, 120])
        extras.append(rng.choice(["a reminder {m} minutes before", "a {m}-minute reminder"]).format(m=before))
        args["reminder_minutes"] = [before]
    if extras:
        clause += rng.choice([", adding ", " and add "]) + " and ".join(extras)
    return Ask(clause, args)


def _notify(rng: random.Random, default: bool) -> tuple[str, dict[str, list]]:
    """An optional notify-the-attendees phrase, or nothing (the default applies)."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice([" and notify the attendees", " and let the attendees know"]), {"notify_attendees": [True]}
    if roll < 0.45:
        return rng.choice([" without notifying anyone", " without telling the attendees"]), {
            "notify_attendees": [False]
        }
    return "", {"notify_attendees": ["", default]}


def _move(rng: random.Random) -> Ask:
    title = rng.choice(TITLES)
    old_day, said_old = _date(rng)
    new_day, said_new = _date(rng, start=old_day, span=30)
    start, said_start = _time(rng)
    args: dict[str, list] = {"event_title": [title], "new_date": [new_day.isoformat()], "new_start_time": [start]}
    if rng.random() < 0.5:
        clause = rng.choice(['move "{t}" from {o} to {n} at {s}', 'reschedule the "{t}" on {o} to {n} at {s}']).format(
            t=title, o=said_old, n=said_new, s=said_start
        )
        args["original_date"] = [old_day.isoformat()]
    else:
        clause = rng.choice(['move "{t}" to {n} at {s}', 'push "{t}" to {s} on {n}']).format(
            t=title, n=said_new, s=said_start
        )
    notify_text, notify = _notify(rng, default=True)
    return Ask(clause + notify_text, {**args, **notify})


def _cancel(rng: random.Random) -> Ask:
    title = rng.choice(TITLES)
    day, said_day = _date(rng)
    clause = rng.choice(['cancel "{t}" on {d}', 'delete the "{t}" event on {d}', 'call off "{t}" on {d}']).format(
        t=title, d=said_day
    )
    args: dict[str, list] = {"event_title": [title], "date": [day.isoformat()]}
    if rng.random() < 0.35:
        clause += rng.choice([" and all the occurrences after it", " and every later occurrence of it"])
        args["scope"] = ["this_and_following"]
    else:
        args["scope"] = ["", "only_this"]
    notify_text, notify = _notify(rng, default=True)
    return Ask(clause + notify_text, {**args, **notify})


def _free_slots(rng: random.Random) -> Ask:
    people = rng.sample(PEOPLE, k=rng.randint(2, 4))
    day, said_day = _date(rng)
    hours = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0])
    said_hours = f"{hours:g}-hour"
    everyone = "both" if len(people) == 2 else "all"
    clause = rng.choice(
        [
            "find a free {h} slot on {d} for {p}",
            "look for a {h} window on {d} when {p} are {e} free",
            "find time on {d} for a {h} meeting with {p}",
        ]
    ).format(h=said_hours, d=said_day, p=join_words(people), e=everyone)
    args: dict[str, list] = {"participants": [people], "date": [day.isoformat()], "duration_hours": [hours]}
    if rng.random() < 0.5:
        first = rng.randint(7, 13)
        last = first + max(rng.randint(3, 6), int(hours) + 2)
        clause += f" between {_say_time(rng, first, 0)} and {_say_time(rng, last, 0)}"
        args["time_window"] = [{"start": [f"{first:02d}:00"], "end": [f"{last:02d}:00"]}]
    return Ask(clause, args)


def _list(rng: random.Random) -> Ask:
    first, said_first = _date(rng)
    last = first + datetime.timedelta(days=rng.randint(1, 21))
    said_last = _say_date(rng, last)
    args: dict[str, list] = {"start_date": [first.isoformat()], "end_date": [last.isoformat()]}
    calendar = ""
    if rng.random() < 0.5:
        name = rng.choice(CALENDARS)
        calendar = f" on my {name} calendar"
        args["calendar"] = [name]
    clause = rng.choice(
        [
            "list the events{c} from {a} to {b}",
            "show everything{c} between {a} and {b}",
            "list the calendar entries{c} from {a} through {b}",
        ]
    ).format(c=calendar, a=said_first, b=said_last)
    if rng.random() < 0.3:
        limit = rng.choice([5, 10, 15, 20, 25])
        clause += f", at most {limit} of them"
        args["max_results"] = [limit]
    else:
        args["max_results"] = ["", 50]
    if rng.random() < 0.25:
        clause += " including the ones I declined"
        args["include_declined"] = [True]
    else:
        args["include_declined"] = ["", False]
    return Ask(clause, args)


def _invite(rng: random.Random) -> Ask:
    title = rng.choice(TITLES)
    guests = rng.sample(PEOPLE, k=rng.randint(1, 3))
    args: dict[str, list] = {"event_title": [title], "attendees": [guests]}
    role = ""
    if rng.random() < 0.35:
        role = " as optional attendees" if len(guests) > 1 else " as an optional attendee"
        args["role"] = ["optional"]
    else:
        args["role"] = ["", "required"]
    event = f'"{title}"'
    if rng.random() < 0.5:
        day, said_day = _date(rng)
        event += f" on {said_day}"
        args["event_date"] = [day.isoformat()]
    clause = rng.choice(["invite {g} to {e}{r}", "add {g}{r} to {e}", "send an invitation for {e} to {g}{r}"]).format(
        g=join_words(guests), e=event, r=role
    )
    return Ask(clause, args)


DATE = {"type": "string", "description": "Date as YYYY-MM-DD."}
TIME = {"type": "string", "description": "Time as HH:MM (24h)."}
EMAILS = {"type": "array", "items": {"type": "string"}, "description": "Email addresses, in the order given."}
NOTIFY = {"type": "boolean", "description": "Whether to email the attendees about the change (default true)."}

TOOLS = [
    Tool(
        "create_calendar_event",
        "Create a new event on the user's calendar.",
        {
            "type": "object",
            "properties": {
                "title": {"type": "string", "description": "Title of the event."},
                "date": DATE,
                "start_time": TIME,
                "duration_minutes": {
                    "type": "integer",
                    "minimum": 5,
                    "maximum": 720,
                    "description": "Length of the event in minutes (default 60).",
                },
                "location": {"type": "string", "description": "Where the event takes place."},
                "attendees": {**EMAILS, "description": "Email addresses of the people to invite."},
                "video_call": {"type": "boolean", "description": "Attach a video call link (default false)."},
                "reminder_minutes": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Minutes before the start to send a reminder; omit for no reminder.",
                },
            },
            "required": ["title", "date", "start_time"],
        },
        _create,
    ),
    Tool(
        "move_calendar_event",
        "Move an existing calendar event to a new date and start time.",
        {
            "type": "object",
            "properties": {
                "event_title": {"type": "string", "description": "Title of the event to move."},
                "original_date": {
                    "type": "string",
                    "description": "Current date of the event as YYYY-MM-DD, to tell apart events with the same title.",
                },
                "new_date": {"type": "string", "description": "New date as YYYY-MM-DD."},
                "new_start_time": {"type": "string", "description": "New start time as HH:MM (24h)."},
                "notify_attendees": NOTIFY,
            },
            "required": ["event_title", "new_date", "new_start_time"],
        },
        _move,
    ),
    Tool(
        "cancel_calendar_event",
        "Cancel a calendar event, optionally with all later occurrences of a recurring event.",
        {
            "type": "object",
            "properties": {
                "event_title": {"type": "string", "description": "Title of the event to cancel."},
                "date": {"type": "string", "description": "Date of the occurrence to cancel as YYYY-MM-DD."},
                "scope": {
                    "type": "string",
                    "enum": ["only_this", "this_and_following"],
                    "description": "Cancel only this occurrence or also all later ones (default only_this).",
                },
                "notify_attendees": NOTIFY,
            },
            "required": ["event_title", "date"],
        },
        _cancel,
    ),
    Tool(
        "find_calendar_free_slots",
        "Find time slots on a day when all the given participants are free.",
        {
            "type": "object",
            "properties": {
                "participants": {**EMAILS, "description": "Email addresses of everyone who must be free."},
                "date": DATE,
                "duration_hours": {
                    "type": "number",
                    "minimum": 0.25,
                    "maximum": 8,
                    "description": "Length of the slot needed, in hours.",
                },
                "time_window": {
                    "type": "object",
                    "description": "Part of the day to search; omit to search the whole working day.",
                    "properties": {
                        "start": {"type": "string", "description": "Earliest start as HH:MM (24h)."},
                        "end": {"type": "string", "description": "Latest end as HH:MM (24h)."},
                    },
                    "required": ["start", "end"],
                },
            },
            "required": ["participants", "date", "duration_hours"],
        },
        _free_slots,
    ),
    Tool(
        "list_calendar_events",
        "List the events on the user's calendars between two dates.",
        {
            "type": "object",
            "properties": {
                "start_date": {"type": "string", "description": "First date to include as YYYY-MM-DD."},
                "end_date": {"type": "string", "description": "Last date to include as YYYY-MM-DD."},
                "calendar": {
                    "type": "string",
                    "enum": CALENDARS,
                    "description": "Only list events of this calendar; omit for all calendars.",
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 250,
                    "description": "Most events to return (default 50).",
                },
                "include_declined": {
                    "type": "boolean",
                    "description": "Also list events the user declined (default false).",
                },
            },
            "required": ["start_date", "end_date"],
        },
        _list,
    ),
    Tool(
        "invite_calendar_attendees",
        "Invite more people to an existing calendar event.",
        {
            "type": "object",
            "properties": {
                "event_title": {"type": "string", "description": "Title of the event."},
                "event_date": {
                    "type": "string",
                    "description": "Date of the event as YYYY-MM-DD, to tell apart events with the same title.",
                },
                "attendees": {**EMAILS, "description": "Email addresses of the people to invite."},
                "role": {
                    "type": "string",
                    "enum": ["required", "optional"],
                    "description": "Whether their attendance is required or optional (default required).",
                },
            },
            "required": ["event_title", "attendees"],
        },
        _invite,
    ),
]
