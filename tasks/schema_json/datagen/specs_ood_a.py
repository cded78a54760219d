"""Out-of-distribution schemas (ood only), part 1: nesting, arrays of objects, ``$ref``, formats, bounds."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from harness.tasks.schema_json.datagen.gen_common import (
    D4,
    D7,
    D2019,
    D2020,
    Display,
    Spec,
    T,
    Target,
    s_array,
    s_bool,
    s_defs,
    s_enum,
    s_int,
    s_num,
    s_obj,
    s_ref,
    s_root,
    s_str,
)
from harness.tasks.schema_json.datagen.gen_values import (
    AIRLINES,
    CITIES,
    COMPANIES,
    DATE_PATTERN,
    IATA_PATTERN,
    VENUES,
    amount,
    cased,
    company_domain,
    day,
    email_for,
    flag,
    listed,
    maybe,
    person,
    pick_some,
    plural,
    say_date,
    stamp,
    usd,
)

PURCHASE_ORDER = s_root(
    D2020,
    "PurchaseOrder",
    {
        "po_number": s_str(pattern="^PO-[0-9]{6}$"),
        "order_date": s_str(format="date"),
        "buyer": s_ref(D2020, "party"),
        "lines": s_array(s_ref(D2020, "line"), minItems=1, maxItems=3),
        "shipping": s_enum(("ground", "air", "freight")),
        "notes": s_str(maxLength=80),
    },
    optional=("notes",),
    **s_defs(
        D2020,
        party=s_obj({"company": s_str(), "email": s_str(format="email")}),
        line=s_obj(
            {
                "sku": s_str(pattern="^[A-Z]{3}-[0-9]{4}$"),
                "quantity": s_int(minimum=1, maximum=500),
                "unit_price": s_num(exclusiveMinimum=0),
            }
        ),
    ),
)
SKUS = ("LMP", "CHR", "DSK", "CBL", "MON", "KBD", "PPR", "INK")


def purchase_order(rng: random.Random) -> tuple[Target, Display]:
    """A purchase order with one to three line items."""
    company, when = rng.choice(COMPANIES), day(rng)
    lines: list[dict[str, Any]] = [
        {
            "sku": f"{code}-{rng.randint(1000, 9999)}",
            "quantity": rng.choice((1, 2, 5, 10, 12, 20, 50)),
            "unit_price": amount(rng, 1, 350),
        }
        for code in rng.sample(SKUS, rng.randint(1, 3))
    ]
    target: Target = {
        "po_number": f"PO-{rng.randint(100000, 999999)}",
        "order_date": when.isoformat(),
        "buyer": {"company": company, "email": email_for(rng, person(rng), company_domain(company))},
        "lines": lines,
        "shipping": rng.choice(("ground", "air", "freight")),
    }
    display = {
        "po_number": target["po_number"],
        "order_date": say_date(rng, when),
        "buyer__company": company,
        "buyer__email": target["buyer"]["email"],
        "lines": "; ".join(f"{line['quantity']} x {line['sku']} at {usd(line['unit_price'])} each" for line in lines),
        "shipping": cased(rng, target["shipping"]),
    }
    if maybe(rng, 0.4):
        target["notes"] = display["notes"] = rng.choice(
            ("deliver to loading dock B", "call before delivery", "invoice in EUR", "partial shipments accepted")
        )
    return target, display


TRAVEL_ITINERARY = s_root(
    D7,
    "TravelItinerary",
    {
        "traveler": s_obj({"name": s_str(), "email": s_str(format="email")}),
        "purpose": s_enum(("business", "leisure", "conference")),
        "legs": s_array(s_ref(D7, "leg"), minItems=1, maxItems=3),
        "budget_limit": s_num(minimum=0, maximum=10000),
    },
    optional=("purpose", "budget_limit"),
    **s_defs(
        D7,
        leg=s_obj(
            {
                "flight": s_str(pattern="^[A-Z]{2}[0-9]{1,4}$"),
                "from": s_str(pattern=IATA_PATTERN),
                "to": s_str(pattern=IATA_PATTERN),
                "departure": s_str(format="date-time"),
            }
        ),
    ),
)


def travel_itinerary(rng: random.Random) -> tuple[Target, Display]:
    """A trip of one to three flights, each leg starting where the last one landed."""
    name = person(rng)
    stops = rng.sample(CITIES, rng.randint(2, 4))
    legs, said, when = [], [], day(rng)
    for here, there in pairwise(stops):
        (_, code), (moment, spoken) = rng.choice(AIRLINES), stamp(rng, when, 1)
        when += timedelta(days=rng.randint(1, 6))
        legs.append({"flight": f"{code}{rng.randint(10, 2999)}", "from": here[1], "to": there[1], "departure": moment})
        said.append(f"{legs[-1]['flight']} from {here[0]} ({here[1]}) to {there[0]} ({there[1]}), departing {spoken}")
    target: Target = {"traveler": {"name": name, "email": email_for(rng, name)}, "legs": legs}
    display = {"traveler__name": name, "traveler__email": target["traveler"]["email"], "legs": "; then ".join(said)}
    if maybe(rng, 0.5):
        target["purpose"] = rng.choice(("business", "leisure", "conference"))
        display["purpose"] = cased(rng, target["purpose"])
    if maybe(rng, 0.4):
        target["budget_limit"] = float(rng.randrange(500, 9500, 250))
        display["budget_limit"] = f"${target['budget_limit']:,.0f}"
    return target, display


LAB_REPORT = s_root(
    D2019,
    "LabReport",
    {
        "patient": s_obj({"name": s_str(), "date_of_birth": s_str(format="date")}),
        "collected_on": s_str(format="date"),
        "results": s_array(
            s_obj({"test": s_str(), "value": s_num(), "unit": s_str(), "flag": s_enum(("low", "normal", "high"))}),
            minItems=1,
            maxItems=3,
        ),
        "ordering_physician": s_str(),
    },
    optional=("ordering_physician",),
)
LAB_TESTS = (
    ("Hemoglobin", "g/dL", 9.5, 18.0, 12.0, 16.0), ("Glucose", "mg/dL", 55, 180, 70, 99),
    ("Total cholesterol", "mg/dL", 120, 290, 125, 200), ("Potassium", "mmol/L", 2.9, 6.0, 3.5, 5.0),
    ("TSH", "mIU/L", 0.1, 7.0, 0.4, 4.0), ("Vitamin D", "ng/mL", 8, 80, 30, 100),
)  # fmt: skip


def lab_report(rng: random.Random) -> tuple[Target, Display]:
    """Blood test results, each flagged against its reference range."""
    born, taken = day(rng, date(1940, 1, 1), 365 * 65), day(rng)
    results, said = [], []
    for test, unit, low, high, normal_low, normal_high in rng.sample(LAB_TESTS, rng.randint(1, 3)):
        value = round(rng.uniform(low, high), 1)
        mark = "low" if value < normal_low else "high" if value > normal_high else "normal"
        results.append({"test": test, "value": value, "unit": unit, "flag": mark})
        said.append(f"{test} {value:g} {unit} ({cased(rng, mark)})")
    target: Target = {
        "patient": {"name": person(rng), "date_of_birth": born.isoformat()},
        "collected_on": taken.isoformat(),
        "results": results,
    }
    display = {
        "patient__name": target["patient"]["name"],
        "patient__date_of_birth": say_date(rng, born),
        "collected_on": say_date(rng, taken),
        "results": ", ".join(said),
    }
    if maybe(rng, 0.5):
        target["ordering_physician"] = person(rng)
        display["ordering_physician"] = f"Dr. {target['ordering_physician']}"
    return target, display


CONFERENCE_PROGRAM = s_root(
    D2020,
    "ConferenceProgram",
    {
        "conference": s_str(),
        "website": s_str(format="uri"),
        "venue": s_obj({"name": s_str(), "city": s_str()}),
        "sessions": s_array(s_ref(D2020, "session"), minItems=1, maxItems=2),
    },
    **s_defs(
        D2020,
        session=s_obj(
            {
                "title": s_str(maxLength=40),
                "speaker": s_str(),
                "starts_at": s_str(format="date-time"),
                "track": s_enum(("research", "industry", "tutorial")),
            }
        ),
    ),
)
CONFERENCES = (
    ("PyData Harbour", "pydata-harbour.org"),
    ("EdgeML Summit", "edgeml-summit.io"),
    ("Open Source Days", "osdays.eu"),
    ("Data Engineering Forum", "def-conf.com"),
    ("Rust Meetup Europe", "rustmeetup.eu"),
)
TALKS = (
    "Scaling vector search",
    "Testing data pipelines",
    "Rust for Python developers",
    "Small models at the edge",
    "Privacy by design",
    "Intro to causal inference",
    "Observability 101",
    "Fast JSON parsing",
)


def conference_program(rng: random.Random) -> tuple[Target, Display]:
    """A conference with one or two sessions on its programme."""
    name, host = rng.choice(CONFERENCES)
    year = rng.choice((2025, 2026))
    sessions, said, opening = [], [], day(rng, date(year, 3, 2), 240)
    for title in rng.sample(TALKS, rng.randint(1, 2)):
        moment, spoken = stamp(rng, opening, 3)
        sessions.append(
            {
                "title": title,
                "speaker": person(rng),
                "starts_at": moment,
                "track": rng.choice(("research", "industry", "tutorial")),
            }
        )
        said.append(f'"{title}" by {sessions[-1]["speaker"]} ({cased(rng, sessions[-1]["track"])} track), {spoken}')
    target: Target = {
        "conference": f"{name} {year}",
        "website": f"https://{host}/{year}",
        "venue": {"name": rng.choice(VENUES), "city": rng.choice(CITIES)[0]},
        "sessions": sessions,
    }
    display = {
        "conference": target["conference"],
        "website": target["website"],
        "venue__name": target["venue"]["name"],
        "venue__city": target["venue"]["city"],
        "sessions": " and ".join(said),
    }
    return target, display


INSURANCE_CLAIM = s_root(
    D4,
    "InsuranceClaim",
    {
        "claim_number": s_str(pattern="^CLM-[0-9]{8}$"),
        "policyholder": s_ref(D4, "person"),
        "claim_type": s_enum(("auto", "home", "travel", "health")),
        "incident_date": s_str(pattern=DATE_PATTERN),
        "amount_claimed": s_num(minimum=0, exclusiveMinimum=True),
        "police_report": s_bool(),
        "witnesses": s_array(s_str(), maxItems=3),
    },
    optional=("police_report", "witnesses"),
    **s_defs(D4, person=s_obj({"name": s_str(), "email": s_str(format="email")})),
)
INCIDENTS = {
    "auto": "a rear-end collision",
    "home": "water damage from a burst pipe",
    "travel": "lost luggage",
    "health": "an emergency room visit",
}


def insurance_claim(rng: random.Random) -> tuple[Target, Display]:
    """An insurance claim; police report and witnesses are optional."""
    name, kind, when = person(rng), rng.choice(tuple(INCIDENTS)), day(rng)
    value = amount(rng, 80, 15000)
    target: Target = {
        "claim_number": f"CLM-{rng.randint(10_000_000, 99_999_999)}",
        "policyholder": {"name": name, "email": email_for(rng, name)},
        "claim_type": kind,
        "incident_date": when.isoformat(),
        "amount_claimed": value,
    }
    display = {
        "claim_number": target["claim_number"],
        "policyholder__name": name,
        "policyholder__email": target["policyholder"]["email"],
        "claim_type": f"{cased(rng, kind)} claim for {INCIDENTS[kind]}",
        "incident_date": say_date(rng, when),
        "amount_claimed": usd(value),
    }
    if kind in ("auto", "home") and maybe(rng, 0.6):
        target["police_report"] = maybe(rng, 0.5)
        display["police_report"] = flag(
            rng, target["police_report"], ("A police report was filed.",), ("No police report was filed.",)
        )
    if maybe(rng, 0.35):
        target["witnesses"] = list(dict.fromkeys(person(rng) for _ in range(rng.randint(1, 2))))
        display["witnesses"] = listed(target["witnesses"])
    return target, display


EMPLOYEE_ONBOARDING = s_root(
    D7,
    "EmployeeOnboarding",
    {
        "employee": s_ref(D7, "person"),
        "start_date": s_str(format="date"),
        "department": s_enum(("engineering", "sales", "finance", "marketing", "support")),
        "manager": s_ref(D7, "person"),
        "equipment": s_array(s_enum(("laptop", "monitor", "headset", "phone", "badge")), minItems=1, uniqueItems=True),
        "probation_months": s_int(minimum=0, maximum=6),
    },
    optional=("manager", "probation_months"),
    **s_defs(D7, person=s_obj({"name": s_str(), "email": s_str(format="email")})),
)


def employee_onboarding(rng: random.Random) -> tuple[Target, Display]:
    """A new hire; manager and probation are optional."""
    company = rng.choice(COMPANIES)
    domain, name, start = company_domain(company), person(rng), day(rng)
    target: Target = {
        "employee": {"name": name, "email": email_for(rng, name, domain)},
        "start_date": start.isoformat(),
        "department": rng.choice(("engineering", "sales", "finance", "marketing", "support")),
        "equipment": pick_some(rng, ("laptop", "monitor", "headset", "phone", "badge"), 1, 4),
    }
    display = {
        "employee__name": name,
        "employee__email": target["employee"]["email"],
        "start_date": say_date(rng, start),
        "department": cased(rng, target["department"]),
        "equipment": listed(target["equipment"]),
    }
    if maybe(rng, 0.6):
        boss = person(rng)
        target["manager"] = {"name": boss, "email": email_for(rng, boss, domain)}
        display["manager__name"], display["manager__email"] = boss, target["manager"]["email"]
    if maybe(rng, 0.5):
        target["probation_months"] = rng.choice((0, 3, 3, 6))
        display["probation_months"] = (
            "no probation period"
            if target["probation_months"] == 0
            else (f"a probation period of {plural(rng, target['probation_months'], 'month')}")
        )
    return target, display


OOD_SPECS_A = (
    Spec("purchase_order", PURCHASE_ORDER, purchase_order, (
        T("Purchase order {po_number}, dated {order_date}.", "Buyer: {buyer__company} <{buyer__email}>.",
          "Lines: {lines}.", "Ship via {shipping}.", "Special instructions: {notes}."),
        T("Hello, {buyer__company} would like to order the following ({po_number}, {order_date}): {lines}.",
          "Please send it by {shipping}.", "Special instructions: {notes}.", tail="Questions to {buyer__email}."),
    )),
    Spec("travel_itinerary", TRAVEL_ITINERARY, travel_itinerary, (
        T("Itinerary for {traveler__name} ({traveler__email}).", "Flights: {legs}.", "Trip purpose: {purpose}.",
          "Budget cap: {budget_limit}."),
        T("Hi {traveler__name}, your trip is booked: {legs}.", "We filed it as {purpose} travel.",
          "Please keep total spending under {budget_limit}.", tail="Your confirmation went to {traveler__email}."),
    )),
    Spec("lab_report", LAB_REPORT, lab_report, (
        T("Lab report for {patient__name} (born {patient__date_of_birth}).", "Sample collected {collected_on}.",
          "Results: {results}.", "Ordered by {ordering_physician}."),
        T("LABORATORY RESULTS", "Patient: {patient__name}", "DOB: {patient__date_of_birth}",
          "Collected: {collected_on}", "Requested by: {ordering_physician}", "Findings: {results}",
          sep="\n", shuffle=False),
    )),
    Spec("conference_program", CONFERENCE_PROGRAM, conference_program, (
        T("{conference} ({website}) is held at {venue__name}, {venue__city}.", "On the programme: {sessions}."),
        T("Don't miss {conference}!", "Venue: {venue__name} in {venue__city}.", "Sessions: {sessions}.",
          tail="Details at {website}"),
    )),
    Spec("insurance_claim", INSURANCE_CLAIM, insurance_claim, (
        T("Claim {claim_number}: {claim_type}.", "Policyholder {policyholder__name}, {policyholder__email}.",
          "Incident on {incident_date}.", "Amount claimed: {amount_claimed}.", "{police_report}",
          "Witnesses: {witnesses}."),
        T("I, {policyholder__name}, am filing a {claim_type} that happened on {incident_date}.",
          "I'm claiming {amount_claimed}.", "{police_report}", "It was witnessed by {witnesses}.",
          tail="Reference {claim_number}; contact me at {policyholder__email}."),
    )),
    Spec("employee_onboarding", EMPLOYEE_ONBOARDING, employee_onboarding, (
        T("Welcome aboard, {employee__name} ({employee__email})!", "You start on {start_date} in {department}.",
          "Your manager is {manager__name} ({manager__email}).", "We'll have this ready for you: {equipment}.",
          "There is {probation_months}."),
        T("New hire: {employee__name}", "Email: {employee__email}", "Department: {department}",
          "First day: {start_date}", "Reports to: {manager__name}, {manager__email}", "Equipment: {equipment}",
          "Probation: {probation_months}", sep="\n", shuffle=False),
    )),
)  # fmt: skip
