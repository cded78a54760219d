"""Out-of-distribution schemas (ood only), part 2: nesting, arrays of objects, ``$ref``, formats, bounds."""

from __future__ import annotations

import random

from harness.tasks.schema_json.datagen.gen_common import (
    D6,
    D7,
    D2019,
    D2020,
    Display,
    Spec,
    T,
    Target,
    s_array,
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
    COMPANIES,
    cased,
    day,
    email_for,
    listed,
    maybe,
    minutes,
    person,
    phone,
    pick_some,
    plural,
    say_date,
    stamp,
)

MATCH_RESULT = s_root(
    D2020,
    "MatchResult",
    {
        "competition": s_str(),
        "played_on": s_str(format="date"),
        "home": s_ref(D2020, "side"),
        "away": s_ref(D2020, "side"),
        "attendance": s_int(minimum=0),
        "scorers": s_array(s_obj({"player": s_str(), "minute": s_int(minimum=1, maximum=120)}), maxItems=4),
    },
    optional=("attendance", "scorers"),
    **s_defs(D2020, side=s_obj({"team": s_str(), "goals": s_int(minimum=0)})),
)
TEAMS = (
    "Riverside FC",
    "Northgate United",
    "Harbour City",
    "Kingsbridge Rovers",
    "Eastwood Athletic",
    "Millbrook Town",
    "Portside Wanderers",
    "Ashford Albion",
)
COMPETITIONS = ("Premier Division", "County Cup", "Champions Trophy", "League One", "Super Cup")


def match_result(rng: random.Random) -> tuple[Target, Display]:
    """A football result; attendance and scorers are optional (scorers only when there were goals)."""
    (home, away), when = rng.sample(TEAMS, 2), day(rng)
    goals = (rng.choice((0, 1, 1, 2, 2, 3, 4)), rng.choice((0, 0, 1, 1, 2, 3)))
    target: Target = {
        "competition": rng.choice(COMPETITIONS),
        "played_on": when.isoformat(),
        "home": {"team": home, "goals": goals[0]},
        "away": {"team": away, "goals": goals[1]},
    }
    display = {
        "competition": target["competition"],
        "played_on": say_date(rng, when),
        "home__team+away__team": f"{home} (home) against {away} (away)",
        "home__goals+away__goals": f"{goals[0]}–{goals[1]}",
    }
    if maybe(rng, 0.5):
        target["attendance"] = rng.randrange(800, 60000, 10)
        display["attendance"] = rng.choice((f"{target['attendance']:,}", str(target["attendance"])))
    if sum(goals) and maybe(rng, 0.6):
        moments = sorted(rng.sample(range(2, 95), min(sum(goals), 4)))
        target["scorers"] = [{"player": person(rng), "minute": minute} for minute in moments]
        display["scorers"] = ", ".join(f"{s['player']} ({s['minute']}')" for s in target["scorers"])
    return target, display


RENTAL_APPLICATION = s_root(
    D2019,
    "RentalApplication",
    {
        "applicant": s_obj({"name": s_str(), "email": s_str(format="email"), "phone": s_str()}),
        "move_in": s_str(format="date"),
        "lease_months": s_enum((6, 12, 24), "integer"),
        "monthly_income": s_num(minimum=0),
        "pets": s_array(s_obj({"species": s_enum(("dog", "cat", "bird", "rabbit")), "name": s_str()}), maxItems=2),
    },
    optional=("pets",),
)
PET_NAMES = ("Biscuit", "Luna", "Milo", "Pepper", "Olive", "Rocky", "Nala", "Kiwi")


def rental_application(rng: random.Random) -> tuple[Target, Display]:
    """A tenancy application; pets are optional."""
    name, move = person(rng), day(rng)
    target: Target = {
        "applicant": {"name": name, "email": email_for(rng, name), "phone": phone(rng)},
        "move_in": move.isoformat(),
        "lease_months": rng.choice((6, 12, 12, 24)),
        "monthly_income": float(rng.randrange(2500, 15000, 50)),
    }
    display = {
        "applicant__name": name,
        "applicant__email": target["applicant"]["email"],
        "applicant__phone": target["applicant"]["phone"],
        "move_in": say_date(rng, move),
        "lease_months": rng.choice((f"{target['lease_months']}-month", f"{target['lease_months']} months")),
        "monthly_income": f"${target['monthly_income']:,.0f}",
    }
    if maybe(rng, 0.5):
        names = rng.sample(PET_NAMES, rng.randint(1, 2))
        target["pets"] = [{"species": rng.choice(("dog", "cat", "bird", "rabbit")), "name": pet} for pet in names]
        display["pets"] = listed([f"a {pet['species']} called {pet['name']}" for pet in target["pets"]])
    return target, display


PODCAST_EPISODE = s_root(
    D6,
    "PodcastEpisode",
    {
        "show": s_str(),
        "episode": s_int(minimum=1),
        "title": s_str(),
        "published": s_str(format="date-time"),
        "url": s_str(format="uri"),
        "duration_minutes": s_int(exclusiveMinimum=0, maximum=300),
        "guests": s_array(s_obj({"name": s_str(), "affiliation": s_str()}, optional=("affiliation",))),
    },
    optional=("guests",),
)
SHOWS = (
    ("The Data Hour", "datahour.fm"),
    ("Startup Stories", "startupstories.show"),
    ("Green Futures", "greenfutures.audio"),
    ("History Unboxed", "historyunboxed.net"),
)
EPISODE_TITLES = (
    "Why batteries matter",
    "Bootstrapping vs venture capital",
    "The fall of Constantinople",
    "Inside the recommendation engine",
    "Cities without cars",
    "Lessons from failure",
)


def podcast_episode(rng: random.Random) -> tuple[Target, Display]:
    """A podcast episode; guests, and a guest's affiliation, are optional."""
    (show, host), number = rng.choice(SHOWS), rng.randint(1, 250)
    moment, spoken = stamp(rng)
    title = rng.choice(EPISODE_TITLES)
    target: Target = {
        "show": show,
        "episode": number,
        "title": title,
        "published": moment,
        "url": f"https://{host}/episodes/{number}",
        "duration_minutes": rng.randint(18, 95),
    }
    display = {
        "show": show,
        "episode": rng.choice((f"episode {number}", f"ep. {number}", f"#{number}")),
        "title": title,
        "published": spoken,
        "url": target["url"],
        "duration_minutes": minutes(rng, target["duration_minutes"]),
    }
    if maybe(rng, 0.6):
        guests = []
        for name in dict.fromkeys(person(rng) for _ in range(rng.randint(1, 2))):
            guests.append({"name": name, "affiliation": rng.choice(COMPANIES)} if maybe(rng) else {"name": name})
        target["guests"] = guests
        display["guests"] = listed(
            [f"{g['name']} of {g['affiliation']}" if "affiliation" in g else g["name"] for g in guests]
        )
    return target, display


GRANT_PROPOSAL = s_root(
    D2020,
    "GrantProposal",
    {
        "title": s_str(maxLength=80),
        "principal_investigator": s_ref(D2020, "researcher"),
        "co_investigator": s_ref(D2020, "researcher"),
        "amount_requested": s_num(minimum=1000, maximum=500000),
        "duration_months": s_int(minimum=6, maximum=60),
        "keywords": s_array(s_str(), minItems=1, maxItems=4, uniqueItems=True),
    },
    optional=("co_investigator",),
    **s_defs(D2020, researcher=s_obj({"name": s_str(), "email": s_str(format="email"), "institution": s_str()})),
)
UNIVERSITIES = (
    ("University of Lisbon", "ulisboa.pt"),
    ("ETH Zurich", "ethz.ch"),
    ("University of Toronto", "utoronto.ca"),
    ("Kyoto University", "kyoto-u.ac.jp"),
    ("Trinity College Dublin", "tcd.ie"),
)
PROJECTS = (
    ("Soil microbes and drought", ("soil", "microbiome", "drought")),
    ("Low-cost air quality sensing", ("air quality", "sensors", "public health")),
    ("Coral reef recovery", ("coral", "ocean warming", "restoration")),
    ("Multilingual speech recognition", ("speech", "low-resource languages", "machine learning")),
)


def researcher(rng: random.Random) -> Target:
    """A researcher at a university, with an address at its domain."""
    name, (institution, domain) = person(rng), rng.choice(UNIVERSITIES)
    return {"name": name, "email": email_for(rng, name, domain), "institution": institution}


def grant_proposal(rng: random.Random) -> tuple[Target, Display]:
    """A research grant proposal; a co-investigator is optional."""
    title, keywords = rng.choice(PROJECTS)
    lead = researcher(rng)
    target: Target = {
        "title": title,
        "principal_investigator": lead,
        "amount_requested": float(rng.randrange(20_000, 480_000, 500)),
        "duration_months": rng.choice((12, 18, 24, 36, 48)),
        "keywords": pick_some(rng, keywords, 1, 3),
    }
    display = {
        "title": title,
        "principal_investigator__name": lead["name"],
        "principal_investigator__email": lead["email"],
        "principal_investigator__institution": lead["institution"],
        "amount_requested": f"${target['amount_requested']:,.0f}",
        "duration_months": f"{target['duration_months']} months",
        "keywords": ", ".join(target["keywords"]),
    }
    if maybe(rng, 0.5):
        other = researcher(rng)
        target["co_investigator"] = other
        display.update({f"co_investigator__{key}": value for key, value in other.items()})
    return target, display


PRESCRIPTION = s_root(
    D7,
    "Prescription",
    {
        "patient": s_str(),
        "issued": s_str(format="date"),
        "prescriber": s_obj({"name": s_str(), "license_number": s_str(pattern="^[A-Z]{2}[0-9]{6}$")}),
        "medications": s_array(s_ref(D7, "medication"), minItems=1, maxItems=2),
        "refills": s_int(minimum=0, maximum=5),
    },
    **s_defs(
        D7,
        medication=s_obj(
            {
                "drug": s_str(),
                "dose_mg": s_num(exclusiveMinimum=0, exclusiveMaximum=2000),
                "frequency": s_enum(("once_daily", "twice_daily", "three_times_daily", "as_needed")),
            }
        ),
    ),
)
DRUGS = (
    ("amoxicillin", (250, 500)),
    ("ibuprofen", (200, 400, 600)),
    ("metformin", (500, 850, 1000)),
    ("lisinopril", (5, 10, 20)),
    ("atorvastatin", (10, 20, 40)),
    ("sertraline", (25, 50, 100)),
)
FREQUENCIES = {
    "once_daily": ("once daily", "once a day"),
    "twice_daily": ("twice daily", "twice a day"),
    "three_times_daily": ("three times daily", "three times a day"),
    "as_needed": ("as needed", "when needed"),
}


def prescription(rng: random.Random) -> tuple[Target, Display]:
    """A prescription for one or two drugs."""
    issued, medications, said = day(rng), [], []
    for drug, doses in rng.sample(DRUGS, rng.randint(1, 2)):
        frequency = rng.choice(tuple(FREQUENCIES))
        medications.append({"drug": drug, "dose_mg": rng.choice(doses), "frequency": frequency})
        said.append(f"{drug} {medications[-1]['dose_mg']} mg {rng.choice(FREQUENCIES[frequency])}")
    prescriber = {
        "name": person(rng),
        "license_number": f"{rng.choice(('MD', 'CA', 'NY', 'TX'))}{rng.randint(100000, 999999)}",
    }
    target: Target = {
        "patient": person(rng),
        "issued": issued.isoformat(),
        "prescriber": prescriber,
        "medications": medications,
        "refills": rng.choice((0, 0, 1, 2, 3, 5)),
    }
    display = {
        "patient": target["patient"],
        "issued": say_date(rng, issued),
        "prescriber__name": prescriber["name"],
        "prescriber__license_number": prescriber["license_number"],
        "medications": "; ".join(said),
        "refills": "no refills" if target["refills"] == 0 else plural(rng, target["refills"], "refill"),
    }
    return target, display


BUG_REPORT = s_root(
    D2019,
    "BugReport",
    {
        "title": s_str(maxLength=80),
        "severity": s_enum(("critical", "major", "minor", "trivial")),
        "reporter": s_ref(D2019, "user"),
        "repository": s_str(format="uri"),
        "environment": s_obj(
            {"os": s_enum(("linux", "macos", "windows")), "version": s_str(pattern="^[0-9]+\\.[0-9]+\\.[0-9]+$")}
        ),
        "reported_at": s_str(format="date-time"),
        "steps": s_array(s_str(), minItems=1, maxItems=3),
    },
    optional=("steps",),
    **s_defs(D2019, user=s_obj({"name": s_str(), "email": s_str(format="email")})),
)
BUGS = (
    ("Export to CSV drops the last row", ("open a report", "click Export", "choose CSV")),
    ("Login button unresponsive on Safari", ("open the login page in Safari", "enter credentials", "click Log in")),
    ("Crash when the config file is empty", ("create an empty config.yaml", "run the CLI")),
    ("Dark mode resets after restart", ("enable dark mode", "restart the app")),
)
REPOS = ("https://github.com/acme/tracker", "https://gitlab.com/northwind/portal", "https://github.com/kestrel/cli")


def bug_report(rng: random.Random) -> tuple[Target, Display]:
    """A bug report; reproduction steps are optional."""
    (title, steps), name = rng.choice(BUGS), person(rng)
    moment, spoken = stamp(rng)
    os_name = rng.choice(("linux", "macos", "windows"))
    target: Target = {
        "title": title,
        "severity": rng.choice(("critical", "major", "minor", "trivial")),
        "reporter": {"name": name, "email": email_for(rng, name)},
        "repository": rng.choice(REPOS),
        "environment": {"os": os_name, "version": f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"},
        "reported_at": moment,
    }
    display = {
        "title": title,
        "severity": cased(rng, target["severity"]),
        "reporter__name": name,
        "reporter__email": target["reporter"]["email"],
        "repository": target["repository"],
        "environment__os": {"linux": "Linux", "macos": "macOS", "windows": "Windows"}[os_name],
        "environment__version": target["environment"]["version"],
        "reported_at": spoken,
    }
    if maybe(rng, 0.6):
        target["steps"] = list(steps)
        display["steps"] = "; ".join(f"{index}. {step}" for index, step in enumerate(steps, start=1))
    return target, display


OOD_SPECS_B = (
    Spec("match_result", MATCH_RESULT, match_result, (
        T("{competition}, {played_on}: {home__team+away__team} finished {home__goals+away__goals}.",
          "Goals: {scorers}.", "Attendance: {attendance}."),
        T("Full time in the {competition}.", "{home__team+away__team}, final score {home__goals+away__goals}.",
          "Played on {played_on}.", "Crowd: {attendance}.", "Scorers: {scorers}."),
    )),
    Spec("rental_application", RENTAL_APPLICATION, rental_application, (
        T("Rental application from {applicant__name}.", "Contact: {applicant__email}, {applicant__phone}.",
          "Wants to move in on {move_in} for a {lease_months} lease.", "Monthly income: {monthly_income}.",
          "Pets: {pets}."),
        T("Hi, I'm {applicant__name} and I'd like to rent the flat from {move_in}, lease length {lease_months}.",
          "I earn {monthly_income} a month.", "I have {pets}.",
          tail="You can reach me at {applicant__phone} or {applicant__email}."),
    )),
    Spec("podcast_episode", PODCAST_EPISODE, podcast_episode, (
        T("New on {show}, {episode}: \"{title}\".", "Published {published}.", "Runtime: {duration_minutes}.",
          "Guests: {guests}.", tail="Listen at {url}"),
        T("{show} {episode}", "Title: {title}", "Released: {published}", "Length: {duration_minutes}",
          "With: {guests}", "Link: {url}", sep="\n", shuffle=False),
    )),
    Spec("grant_proposal", GRANT_PROPOSAL, grant_proposal, (
        T("Proposal: \"{title}\".",
          "Principal investigator: {principal_investigator__name} ({principal_investigator__institution}, "
          "{principal_investigator__email}).",
          "Co-investigator: {co_investigator__name} ({co_investigator__institution}, {co_investigator__email}).",
          "Requested: {amount_requested} over {duration_months}.", "Keywords: {keywords}."),
        T("{principal_investigator__name} of {principal_investigator__institution} asks for {amount_requested} "
          "for {duration_months} to study \"{title}\".",
          "{co_investigator__name} ({co_investigator__email}) of {co_investigator__institution} joins as "
          "co-investigator.",
          "Keywords: {keywords}.", tail="Correspondence: {principal_investigator__email}."),
    )),
    Spec("prescription", PRESCRIPTION, prescription, (
        T("Rx for {patient}, issued {issued}.", "Medications: {medications}.", "Refills: {refills}.",
          tail="Prescriber: {prescriber__name}, licence {prescriber__license_number}."),
        T("Patient: {patient}", "Date: {issued}", "Take: {medications}", "Refills allowed: {refills}",
          "Signed: {prescriber__name} ({prescriber__license_number})", sep="\n", shuffle=False),
    )),
    Spec("bug_report", BUG_REPORT, bug_report, (
        T("Bug: {title}", "Severity: {severity}", "Repo: {repository}",
          "Environment: {environment__os}, version {environment__version}", "Steps to reproduce: {steps}",
          "Reported by {reporter__name} <{reporter__email}> on {reported_at}", sep="\n"),
        T("{reporter__name} ({reporter__email}) reported a {severity} issue in {repository} on {reported_at}:"
          " \"{title}\".", "It happens with version {environment__version} on {environment__os}.",
          "To reproduce: {steps}."),
    )),
)  # fmt: skip
