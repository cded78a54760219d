"""Health: doctor appointments, prescription refills, a symptom diary and pharmacy search."""

from __future__ import annotations

import datetime
import random
import string

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool, join_words

DOMAIN = "health"

SPECIALTIES = {
    "general_practice": ["a general practice appointment", "an appointment with a general practitioner"],
    "cardiology": ["a cardiology appointment", "an appointment with a cardiologist"],
    "dermatology": ["a dermatology appointment", "an appointment with a dermatologist"],
    "pediatrics": ["a pediatrics appointment", "an appointment with a pediatrician"],
    "orthopedics": ["an orthopedics appointment", "an appointment with an orthopedist"],
    "neurology": ["a neurology appointment", "an appointment with a neurologist"],
    "ophthalmology": ["an ophthalmology appointment", "an appointment with an ophthalmologist"],
    "psychiatry": ["a psychiatry appointment", "an appointment with a psychiatrist"],
}
PATIENTS = [
    "Tomas Reyes",
    "Mara Lindqvist",
    "Aiko Brandt",
    "Julien Okafor",
    "Priya Castellano",
    "Elin Sorensen",
    "Dario Mensah",
    "Noor Halvorsen",
    "Felix Amarante",
    "Ines Wakefield",
    "Kofi Delacroix",
    "Lena Moravec",
]
SYMPTOMS = [
    "headache",
    "nausea",
    "dizziness",
    "fatigue",
    "sore throat",
    "dry cough",
    "runny nose",
    "muscle aches",
    "chills",
    "joint pain",
    "stomach cramps",
    "shortness of breath",
    "blurred vision",
    "loss of appetite",
    "itchy eyes",
    "back pain",
]
SERVICES = {
    "vaccinations": "vaccinations",
    "home_delivery": "home delivery",
    "drive_through": "drive-through pickup",
    "compounding": "compounding",
    "blood_pressure_checks": "blood pressure checks",
}
NOTIFY = {
    "sms": " and text me when it is ready",
    "phone_call": " and call me when it is ready",
    "app": " and send me an app notification when it is ready",
}


def _date(rng: random.Random, start: datetime.date, span_days: int) -> tuple[str, str]:
    """A date within ``span_days`` after ``start``: its ISO form and how a user might say it."""
    day = start + datetime.timedelta(days=rng.randint(0, span_days))
    return day.isoformat(), rng.choice([f"{day:%B} {day.day}, {day.year}", day.isoformat()])


def _appointment(rng: random.Random) -> Ask:
    specialty = rng.choice(list(SPECIALTIES))
    iso, spoken = _date(rng, datetime.date(2025, 2, 1), 600)
    args: dict[str, list] = {"specialty": [specialty], "preferred_date": [iso]}
    text = rng.choice(["book {a} on {d}", "schedule {a} for {d}", "make {a} on {d}"]).format(
        a=rng.choice(SPECIALTIES[specialty]), d=spoken
    )
    if rng.random() < 0.5:
        part = rng.choice(["morning", "afternoon", "evening"])
        text += f" in the {part}"
        args["time_of_day"] = [part]
    mode = rng.random()
    if mode < 0.2:
        text += rng.choice([" as a video visit", " by video call"])
        args["telehealth"] = [True]
    elif mode < 0.4:
        text += " in person"
        args["telehealth"] = [False]
    else:
        args["telehealth"] = ["", False]
    if rng.random() < 0.45:
        name = rng.choice(PATIENTS)
        first_year = 2010 if specialty == "pediatrics" else 1945
        born_iso, born_spoken = _date(rng, datetime.date(first_year, 1, 1), 365 * 12)
        text += f" for {name}, born {born_spoken}"
        args["patient"] = [{"full_name": [name], "date_of_birth": [born_iso]}]
    return Ask(text, args)


def _refill(rng: random.Random) -> Ask:
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    number = f"RX-{digits}"
    args: dict[str, list] = {"prescription_number": [number, digits]}
    text = rng.choice(
        ["refill prescription {n}", "request a refill of prescription number {n}", "reorder my prescription {n}"]
    ).format(n=number)
    if rng.random() < 0.4:
        days = rng.choice([30, 60, 90])
        text += rng.choice([f" as a {days}-day supply", f" for a {days} day supply"])
        args["supply_days"] = [days]
    else:
        args["supply_days"] = ["", 30]
    if rng.random() < 0.4:
        method = rng.choice(["pickup", "delivery"])
        text += " for home delivery" if method == "delivery" else " for pickup at the pharmacy"
        args["fulfillment"] = [method]
    else:
        args["fulfillment"] = ["", "pickup"]
    if rng.random() < 0.3:
        channel = rng.choice(list(NOTIFY))
        text += NOTIFY[channel]
        args["notify_by"] = [channel]
    return Ask(text, args)


def _symptoms(rng: random.Random) -> Ask:
    symptoms = rng.sample(SYMPTOMS, k=rng.randint(1, 4))
    severity = rng.choice(["mild", "moderate", "severe"])
    spoken = join_words(symptoms)
    args: dict[str, list] = {"symptoms": [symptoms], "severity": [severity]}
    text = rng.choice(
        [
            "log {s} as {v} symptoms",
            "record {v} {s} in my symptom diary",
            "add {s} to my symptom log as {v}",
        ]
    ).format(s=spoken, v=severity)
    if rng.random() < 0.4:
        iso, when = _date(rng, datetime.date(2025, 1, 1), 500)
        text += rng.choice([f" starting {when}", f" that began on {when}"])
        args["onset_date"] = [iso]
    if rng.random() < 0.3:
        temperature = round(rng.uniform(37.2, 40.2), 1)
        text += rng.choice(
            [
                f" with a temperature of {temperature} degrees Celsius",
                f" with a measured temperature of {temperature} °C",
            ]
        )
        args["temperature_c"] = [temperature]
    return Ask(text, args)


def _postcode(rng: random.Random) -> str:
    """A made-up postcode in a UK, Canadian or five-digit style."""
    style = rng.random()
    letters, digits = "ABCDEFGHJKLMNPRSTUVWXYZ", string.digits
    if style < 0.4:
        return "".join(rng.choice(digits) for _ in range(5))
    if style < 0.75:
        area = "".join(rng.choice(letters) for _ in range(rng.randint(1, 2))) + str(rng.randint(1, 20))
        return f"{area} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    a, b = rng.choice(letters), rng.choice(letters)
    return f"{a}{rng.randint(1, 9)}{b} {rng.randint(1, 9)}{rng.choice(letters)}{rng.randint(1, 9)}"


def _pharmacies(rng: random.Random) -> Ask:
    postcode = _postcode(rng)
    args: dict[str, list] = {"postcode": [postcode]}
    if rng.random() < 0.2:
        count = rng.choice([3, 5, 8, 15])
        head = f"find the {count} closest pharmacies"
        args["max_results"] = [count]
    else:
        head = rng.choice(["find pharmacies", "look for pharmacies", "list pharmacies"])
        args["max_results"] = ["", 10]
    if rng.random() < 0.4:
        radius = rng.choice([1, 1.5, 2, 2.5, 3, 4, 8, 10, 12])
        where = f" within {radius} km of postcode {postcode}"
        args["radius_km"] = [radius]
    else:
        where = rng.choice([f" near postcode {postcode}", f" near {postcode}"])
        args["radius_km"] = ["", 5]
    conditions = []
    if rng.random() < 0.65:
        conditions.append("are open now")
        args["open_now"] = [True]
    else:
        args["open_now"] = ["", False]
    if rng.random() < 0.4:
        services = rng.sample(list(SERVICES), k=rng.randint(1, 2))
        conditions.append("offer " + join_words([SERVICES[s] for s in services]))
        args["services"] = [services]
    tail = " that " + " and ".join(conditions) if conditions else ""
    return Ask(head + where + tail, args)


TOOLS = [
    Tool(
        "book_doctor_appointment",
        "Book an appointment with a doctor of a given specialty.",
        {
            "type": "object",
            "properties": {
                "specialty": {
                    "type": "string",
                    "enum": list(SPECIALTIES),
                    "description": "Medical specialty of the doctor.",
                },
                "preferred_date": {"type": "string", "description": "Preferred appointment date as YYYY-MM-DD."},
                "time_of_day": {
                    "type": "string",
                    "enum": ["morning", "afternoon", "evening"],
                    "description": "Preferred part of the day; omit for any time.",
                },
                "telehealth": {
                    "type": "boolean",
                    "description": "True for a video visit, false for an in-person visit (default false).",
                },
                "patient": {
                    "type": "object",
                    "description": "The patient, when booking for someone other than the account holder; "
                    "omit to book for the account holder.",
                    "properties": {
                        "full_name": {"type": "string", "description": "Patient's first and last name."},
                        "date_of_birth": {"type": "string", "description": "Date of birth as YYYY-MM-DD."},
                    },
                    "required": ["full_name", "date_of_birth"],
                },
            },
            "required": ["specialty", "preferred_date"],
        },
        _appointment,
    ),
    Tool(
        "refill_prescription",
        "Request a refill of an existing prescription.",
        {
            "type": "object",
            "properties": {
                "prescription_number": {
                    "type": "string",
                    "description": "Prescription number as printed on the label, e.g. 'RX-104233'.",
                },
                "supply_days": {
                    "type": "integer",
                    "enum": [30, 60, 90],
                    "description": "Days of medication to dispense (default 30).",
                },
                "fulfillment": {
                    "type": "string",
                    "enum": ["pickup", "delivery"],
                    "description": "Pick up at the pharmacy or deliver to the home address (default pickup).",
                },
                "notify_by": {
                    "type": "string",
                    "enum": ["sms", "phone_call", "app"],
                    "description": "How to say the refill is ready; omit to use the account's usual setting.",
                },
            },
            "required": ["prescription_number"],
        },
        _refill,
    ),
    Tool(
        "log_symptoms",
        "Add an entry of symptoms to the user's symptom diary.",
        {
            "type": "object",
            "properties": {
                "symptoms": {
                    "type": "array",
                    "description": "Symptoms in plain words, e.g. 'headache', in the order the user gives them.",
                    "items": {"type": "string"},
                    "minItems": 1,
                },
                "severity": {
                    "type": "string",
                    "enum": ["mild", "moderate", "severe"],
                    "description": "Overall severity of the symptoms.",
                },
                "onset_date": {
                    "type": "string",
                    "description": "Date the symptoms began as YYYY-MM-DD; omit if not stated.",
                },
                "temperature_c": {
                    "type": "number",
                    "minimum": 34,
                    "maximum": 43,
                    "description": "Measured body temperature in degrees Celsius; omit if not measured.",
                },
            },
            "required": ["symptoms", "severity"],
        },
        _symptoms,
    ),
    Tool(
        "find_pharmacies",
        "Find pharmacies around a postcode.",
        {
            "type": "object",
            "properties": {
                "postcode": {"type": "string", "description": "Postcode or ZIP code to search around."},
                "radius_km": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 50,
                    "description": "Search radius in kilometres (default 5).",
                },
                "open_now": {
                    "type": "boolean",
                    "description": "Only return pharmacies that are open at this moment (default false).",
                },
                "services": {
                    "type": "array",
                    "description": "Services every result must offer; omit for any.",
                    "items": {"type": "string", "enum": list(SERVICES)},
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 50,
                    "description": "Largest number of pharmacies to return, nearest first (default 10).",
                },
            },
            "required": ["postcode"],
        },
        _pharmacies,
    ),
]
