"""In-distribution schemas (train and test), part 1: invoice to support_ticket."""

from __future__ import annotations

import random
from datetime import timedelta

from harness.tasks.schema_json.datagen.gen_common import (
    D4,
    D6,
    D7,
    D2019,
    D2020,
    Display,
    Spec,
    T,
    Target,
    s_array,
    s_bool,
    s_enum,
    s_int,
    s_num,
    s_root,
    s_str,
)
from harness.tasks.schema_json.datagen.gen_values import (
    AIRLINES,
    CITIES,
    COMPANIES,
    CURRENCIES,
    IATA_PATTERN,
    PRODUCTS,
    TIME_PATTERN,
    amount,
    cased,
    clock,
    company_domain,
    day,
    email_for,
    flag,
    listed,
    maybe,
    minutes,
    person,
    phone,
    plain,
    say_count,
    say_date,
    say_money,
    yes_no,
)

INVOICE = s_root(
    D7,
    "Invoice",
    {
        "invoice_number": s_str(pattern="^INV-[0-9]{4,6}$"),
        "vendor": s_str(),
        "issue_date": s_str(format="date"),
        "due_date": s_str(format="date"),
        "total": s_num(minimum=0),
        "currency": s_enum(CURRENCIES),
        "paid": s_bool(),
    },
    optional=("due_date",),
)


def invoice(rng: random.Random) -> tuple[Target, Display]:
    """An invoice with an optional due date."""
    issued, currency, total = day(rng), rng.choice(CURRENCIES), amount(rng, 40, 9000)
    target: Target = {
        "invoice_number": f"INV-{rng.randint(1000, 99999)}",
        "vendor": rng.choice(COMPANIES),
        "issue_date": issued.isoformat(),
        "total": total,
        "currency": currency,
        "paid": rng.random() < 0.4,
    }
    display = {
        **plain(target, "invoice_number", "vendor"),
        "issue_date": say_date(rng, issued),
        "total+currency": say_money(rng, total, currency),
        "paid": flag(
            rng,
            target["paid"],
            ("It has already been paid.", "Status: paid."),
            ("It is still unpaid.", "Status: outstanding.", "Payment has not been made yet."),
        ),
    }
    if maybe(rng):
        due = issued + timedelta(days=rng.choice((14, 30, 45, 60)))
        target["due_date"], display["due_date"] = due.isoformat(), say_date(rng, due)
    return target, display


CONTACT = s_root(
    D4,
    "Contact",
    {"name": s_str(), "email": s_str(format="email"), "phone": s_str(), "company": s_str(), "job_title": s_str()},
    optional=("company", "job_title"),
)
JOB_TITLES = (
    "Account Manager", "Software Engineer", "Head of Marketing", "Procurement Lead", "Data Analyst",
    "Operations Director", "Product Designer", "Sales Representative", "CFO", "HR Business Partner",
)  # fmt: skip


def contact(rng: random.Random) -> tuple[Target, Display]:
    """A business contact; company and job title are optional."""
    name = person(rng)
    company = rng.choice(COMPANIES) if maybe(rng, 0.6) else None
    domain = company_domain(company) if company and rng.random() < 0.6 else None
    target: Target = {"name": name, "email": email_for(rng, name, domain), "phone": phone(rng)}
    if company:
        target["company"] = company
    if maybe(rng, 0.5):
        target["job_title"] = rng.choice(JOB_TITLES)
    return target, plain(target, *target)


MEETING = s_root(
    D2020,
    "Meeting",
    {
        "title": s_str(minLength=1),
        "date": s_str(format="date"),
        "start_time": s_str(pattern=TIME_PATTERN),
        "duration_minutes": s_int(minimum=5, maximum=480),
        "attendees": s_array(s_str(), minItems=1),
        "location": s_str(),
    },
    optional=("location",),
)
MEETING_TITLES = (
    "Quarterly budget review", "Sprint planning", "Design sync", "Hiring debrief", "Client onboarding call",
    "Roadmap workshop", "Security review", "Vendor negotiation", "Board prep", "Launch retrospective",
)  # fmt: skip
ROOMS = ("Room 4B", "Atlas conference room", "Zoom", "Microsoft Teams", "Boardroom 2", "the Lisbon office")


def meeting(rng: random.Random) -> tuple[Target, Display]:
    """A meeting with two to four attendees and an optional location."""
    when, (start, said) = day(rng), clock(rng)
    attendees = list(dict.fromkeys(person(rng) for _ in range(rng.randint(2, 4))))
    target: Target = {
        "title": rng.choice(MEETING_TITLES),
        "date": when.isoformat(),
        "start_time": start,
        "duration_minutes": rng.choice((15, 30, 45, 60, 90, 120)),
        "attendees": attendees,
    }
    display = {
        "title": target["title"],
        "date": say_date(rng, when),
        "start_time": said,
        "duration_minutes": minutes(rng, target["duration_minutes"]),
        "attendees": listed(attendees),
    }
    if maybe(rng):
        target["location"] = display["location"] = rng.choice(ROOMS)
    return target, display


FLIGHT_BOOKING = s_root(
    D7,
    "FlightBooking",
    {
        "passenger": s_str(),
        "airline": s_str(),
        "flight_number": s_str(pattern="^[A-Z0-9]{2}[0-9]{1,4}$"),
        "origin": s_str(pattern=IATA_PATTERN),
        "destination": s_str(pattern=IATA_PATTERN),
        "departure_date": s_str(format="date"),
        "cabin": s_enum(("economy", "premium_economy", "business", "first")),
        "seat": s_str(pattern="^[0-9]{1,2}[A-K]$"),
    },
    optional=("seat",),
)


def flight_booking(rng: random.Random) -> tuple[Target, Display]:
    """A one-way flight booking; the seat is optional."""
    (airline, code), (here, there), when = rng.choice(AIRLINES), rng.sample(CITIES, 2), day(rng)
    target: Target = {
        "passenger": person(rng),
        "airline": airline,
        "flight_number": f"{code}{rng.randint(10, 2999)}",
        "origin": here[1],
        "destination": there[1],
        "departure_date": when.isoformat(),
        "cabin": rng.choice(("economy", "economy", "premium_economy", "business", "first")),
    }
    display = {
        **plain(target, "passenger", "airline", "flight_number"),
        "origin": rng.choice((f"{here[0]} ({here[1]})", here[1])),
        "destination": rng.choice((f"{there[0]} ({there[1]})", there[1])),
        "departure_date": say_date(rng, when),
        "cabin": cased(rng, target["cabin"]),
    }
    if maybe(rng):
        target["seat"] = display["seat"] = f"{rng.randint(1, 45)}{rng.choice('ABCDEF')}"
    return target, display


JOB_POSTING = s_root(
    D6,
    "JobPosting",
    {
        "title": s_str(),
        "company": s_str(),
        "location": s_str(),
        "remote": s_bool(),
        "salary_min": s_int(minimum=0),
        "salary_max": s_int(minimum=0),
        "employment_type": s_enum(("full_time", "part_time", "contract", "internship")),
    },
)


def job_posting(rng: random.Random) -> tuple[Target, Display]:
    """A job advert with a yearly salary range in dollars."""
    low = rng.randrange(40_000, 160_000, 5_000)
    target: Target = {
        "title": rng.choice(JOB_TITLES),
        "company": rng.choice(COMPANIES),
        "location": rng.choice(CITIES)[0],
        "remote": rng.random() < 0.4,
        "salary_min": low,
        "salary_max": low + rng.randrange(10_000, 60_000, 5_000),
        "employment_type": rng.choice(("full_time", "full_time", "part_time", "contract", "internship")),
    }
    money = rng.choice(
        [
            (f"${target['salary_min']:,}", f"${target['salary_max']:,}"),
            (f"${target['salary_min'] // 1000}k", f"${target['salary_max'] // 1000}k"),
        ]
    )
    display = {
        **plain(target, "title", "company", "location"),
        "remote": flag(
            rng,
            target["remote"],
            ("Remote work is possible.", "Fully remote is fine."),
            ("The role is on-site.", "No remote option."),
        ),
        "remote#yn": yes_no(rng, target["remote"]),
        "salary_min+salary_max": rng.choice((f"{money[0]}–{money[1]}", f"{money[0]} to {money[1]}")),
        "employment_type": cased(rng, target["employment_type"]),
    }
    return target, display


PRODUCT_REVIEW = s_root(
    D2019,
    "ProductReview",
    {
        "product": s_str(),
        "reviewer": s_str(),
        "rating": s_int(minimum=1, maximum=5),
        "headline": s_str(maxLength=60),
        "recommend": s_bool(),
    },
)
HEADLINES = {
    1: ("Broke after two weeks", "Complete waste of money"),
    2: ("Disappointing quality", "Not worth the price"),
    3: ("Decent but overpriced", "Does the job"),
    4: ("Solid and reliable", "Very good with small flaws"),
    5: ("Exceeded my expectations", "Best purchase this year"),
}


def product_review(rng: random.Random) -> tuple[Target, Display]:
    """A star-rated product review."""
    rating = rng.randint(1, 5)
    target: Target = {
        "product": rng.choice(PRODUCTS),
        "reviewer": person(rng),
        "rating": rating,
        "headline": rng.choice(HEADLINES[rating]),
        "recommend": rating >= 4 or (rating == 3 and maybe(rng, 0.5)),
    }
    display = {
        **plain(target, "product", "reviewer", "headline"),
        "rating": rng.choice((f"{rating}/5", f"{rating} out of 5 stars", f"{say_count(rng, rating)} stars")),
        "recommend": flag(
            rng,
            target["recommend"],
            ("Would recommend it to a friend.", "Recommended."),
            ("Would not recommend.", "I can't recommend it."),
        ),
        "recommend#yn": yes_no(rng, target["recommend"]),
    }
    if rating == 1:
        display["rating"] = rng.choice(("1/5", "1 out of 5 stars", "one star"))
    return target, display


SUPPORT_TICKET = s_root(
    D2020,
    "SupportTicket",
    {
        "ticket_id": s_str(pattern="^TCK-[0-9]{5}$"),
        "customer_email": s_str(format="email"),
        "priority": s_enum(("low", "medium", "high", "urgent")),
        "category": s_enum(("billing", "technical", "account", "shipping")),
        "summary": s_str(maxLength=120),
        "order_number": s_str(pattern="^[0-9]{6,8}$"),
    },
    optional=("order_number",),
)
TICKET_SUMMARIES = {
    "billing": (
        "I was charged twice for my subscription",
        "My refund has not arrived",
        "The invoice shows the wrong VAT",
    ),
    "technical": (
        "The app crashes when I open settings",
        "I cannot upload files larger than 10 MB",
        "Sync stopped working after the update",
    ),
    "account": ("I cannot reset my password", "Please merge my two accounts", "My account was locked"),
    "shipping": ("My parcel never arrived", "The box arrived damaged", "I need to change the delivery address"),
}


def support_ticket(rng: random.Random) -> tuple[Target, Display]:
    """A customer support ticket; an order number is optional."""
    category = rng.choice(tuple(TICKET_SUMMARIES))
    target: Target = {
        "ticket_id": f"TCK-{rng.randint(10000, 99999)}",
        "customer_email": email_for(rng, person(rng)),
        "priority": rng.choice(("low", "medium", "high", "urgent")),
        "category": category,
        "summary": rng.choice(TICKET_SUMMARIES[category]),
    }
    if category in ("billing", "shipping") and maybe(rng, 0.7):
        target["order_number"] = str(rng.randint(100000, 99999999))
    display = {key: str(value) for key, value in target.items()}
    display["priority"], display["category"] = cased(rng, target["priority"]), cased(rng, category)
    return target, display


ID_SPECS_A = (
    Spec("invoice", INVOICE, invoice, (
        T("Invoice {invoice_number} from {vendor}.", "Issued on {issue_date}.", "Payment is due by {due_date}.",
          "Amount: {total+currency}.", "{paid}"),
        T("Hi team, please process the attached bill.",
          "It's from {vendor}, number {invoice_number}, dated {issue_date}.",
          "The total comes to {total+currency}.", "Due {due_date}.", "{paid}", tail="Thanks!"),
        T("{vendor} sent us invoice {invoice_number} for {total+currency} on {issue_date}.",
          "We need to pay it by {due_date}.",
          "{paid}"),
    )),
    Spec("contact", CONTACT, contact, (
        T("Please add {name} to the CRM.", "Email: {email}", "Phone: {phone}", "Company: {company}",
          "Role: {job_title}",
          sep="\n"),
        T("Met {name} at the conference today.", "They work at {company}.", "Their title is {job_title}.",
          "You can reach them at {email} or on {phone}."),
        T("Contact card", "Name: {name}", "E-mail: {email}", "Tel: {phone}", "Organisation: {company}",
          "Position: {job_title}", sep="\n", shuffle=False),
    )),
    Spec("meeting", MEETING, meeting, (
        T("Scheduling: {title}.", "It's on {date} at {start_time}.", "Planned length: {duration_minutes}.",
          "Invitees: {attendees}.", "Location: {location}."),
        T("Hi all, I've booked \"{title}\" for {date}, starting {start_time} and running {duration_minutes}.",
          "{attendees} are invited.", "We'll meet in {location}."),
        T("Calendar entry", "Subject: {title}", "When: {date}, {start_time}", "Duration: {duration_minutes}",
          "Where: {location}", "Who: {attendees}", sep="\n", shuffle=False),
    )),
    Spec("flight_booking", FLIGHT_BOOKING, flight_booking, (
        T("Booking confirmed for {passenger}.", "Flight {flight_number} with {airline}.",
          "From {origin} to {destination}.",
          "Departs {departure_date}.", "Cabin: {cabin}.", "Seat {seat}."),
        T("{passenger} is flying {airline} {flight_number} from {origin} to {destination} on {departure_date}, "
          "in {cabin} class.", "Seat {seat} has been assigned."),
        T("E-ticket", "Passenger: {passenger}", "Carrier: {airline}", "Flight: {flight_number}",
          "Route: {origin} → {destination}", "Date: {departure_date}", "Class: {cabin}", "Seat: {seat}",
          sep="\n", shuffle=False),
    )),
    Spec("job_posting", JOB_POSTING, job_posting, (
        T("We're hiring a {title} at {company}!", "Based in {location}.", "{remote}",
          "Pay: {salary_min+salary_max} per year.", "This is a {employment_type} position."),
        T("{company} is looking for a {title} ({employment_type}) in {location}.",
          "The salary range is {salary_min+salary_max}.", "{remote}"),
        T("Job: {title}", "Employer: {company}", "City: {location}", "Type: {employment_type}",
          "Salary: {salary_min+salary_max}", "Remote: {remote#yn}", sep="\n", shuffle=False),
    )),
    Spec("product_review", PRODUCT_REVIEW, product_review, (
        T("Review of the {product} by {reviewer}:", "\"{headline}\"", "Rating: {rating}.", "{recommend}"),
        T("{reviewer} gave the {product} {rating}.", "Headline: {headline}.", "{recommend}"),
        T("Customer review", "Product: {product}", "Reviewer: {reviewer}", "Score: {rating}", "Title: {headline}",
          "Would recommend: {recommend#yn}", sep="\n", shuffle=False),
    )),
    Spec("support_ticket", SUPPORT_TICKET, support_ticket, (
        T("Ticket {ticket_id} opened by {customer_email}.", "Category: {category}.", "Priority: {priority}.",
          "Issue: {summary}.", "Related order: {order_number}."),
        T("Hello support, this is {customer_email}.", "{summary}.", "My order number is {order_number}.",
          tail="(Logged as {ticket_id}, {priority} priority, {category} queue.)"),
        T("[{ticket_id}] [{priority}] [{category}] {summary}", "Customer: {customer_email}", "Order: {order_number}",
          sep="\n"),
    )),
)  # fmt: skip
