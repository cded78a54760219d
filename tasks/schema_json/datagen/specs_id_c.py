"""In-distribution schemas (train and test), part 3: car_rental to vehicle_service."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

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
    s_bool,
    s_enum,
    s_int,
    s_num,
    s_root,
    s_str,
)
from harness.tasks.schema_json.datagen.gen_values import (
    CITIES,
    CURRENCIES,
    DATE_PATTERN,
    PRODUCTS,
    TIME_PATTERN,
    amount,
    cased,
    clock,
    day,
    email_for,
    flag,
    maybe,
    person,
    plain,
    plural,
    say_count,
    say_date,
    say_money,
    usd,
    yes_no,
)

CAR_RENTAL = s_root(
    D4,
    "CarRental",
    {
        "renter": s_str(),
        "pickup_location": s_str(),
        "pickup_date": s_str(pattern=DATE_PATTERN),
        "return_date": s_str(pattern=DATE_PATTERN),
        "car_class": s_enum(("economy", "compact", "midsize", "suv", "van", "luxury")),
        "insurance": s_bool(),
        "driver_age": s_int(minimum=18),
    },
    optional=("driver_age",),
)


def car_rental(rng: random.Random) -> tuple[Target, Display]:
    """A car hire; the driver's age is optional."""
    out = day(rng)
    back = out + timedelta(days=rng.randint(1, 21))
    target: Target = {
        "renter": person(rng),
        "pickup_location": rng.choice(CITIES)[0],
        "pickup_date": out.isoformat(),
        "return_date": back.isoformat(),
        "car_class": rng.choice(("economy", "compact", "midsize", "suv", "van", "luxury")),
        "insurance": maybe(rng, 0.5),
    }
    display = {
        **plain(target, "renter", "pickup_location"),
        "pickup_date": say_date(rng, out),
        "return_date": say_date(rng, back),
        "car_class": "SUV" if target["car_class"] == "suv" else cased(rng, target["car_class"]),
        "insurance": flag(
            rng,
            target["insurance"],
            ("Full insurance added.", "Collision cover included."),
            ("Insurance declined.", "No extra insurance."),
        ),
        "insurance#yn": yes_no(rng, target["insurance"]),
    }
    if maybe(rng, 0.4):
        target["driver_age"] = rng.randint(19, 75)
        display["driver_age"] = str(target["driver_age"])
    return target, display


RESTAURANT_RESERVATION = s_root(
    D2019,
    "RestaurantReservation",
    {
        "name": s_str(),
        "restaurant": s_str(),
        "party_size": s_int(minimum=1, maximum=20),
        "date": s_str(format="date"),
        "time": s_str(pattern=TIME_PATTERN),
        "special_request": s_str(maxLength=100),
    },
    optional=("special_request",),
)
RESTAURANTS = ("Trattoria Roma", "The Golden Fork", "Sakura Sushi", "Le Petit Bistro", "Casa Lupita", "Spice Route")
REQUESTS = (
    "window seat please",
    "one guest uses a wheelchair",
    "birthday dessert",
    "high chair needed",
    "gluten-free options",
    "quiet table",
)


def restaurant_reservation(rng: random.Random) -> tuple[Target, Display]:
    """A table booking; a special request is optional."""
    when, (at, said) = day(rng), clock(rng, 12, 21)
    target: Target = {
        "name": person(rng),
        "restaurant": rng.choice(RESTAURANTS),
        "party_size": rng.randint(1, 10),
        "date": when.isoformat(),
        "time": at,
    }
    display = {
        **plain(target, "name", "restaurant"),
        "party_size": say_count(rng, target["party_size"]),
        "date": say_date(rng, when),
        "time": said,
    }
    if maybe(rng, 0.4):
        target["special_request"] = display["special_request"] = rng.choice(REQUESTS)
    return target, display


ORDER_CONFIRMATION = s_root(
    D7,
    "OrderConfirmation",
    {
        "order_id": s_str(pattern="^[0-9]{3}-[0-9]{7}$"),
        "product": s_str(),
        "quantity": s_int(minimum=1),
        "unit_price": s_num(minimum=0),
        "customer_email": s_str(format="email"),
        "express_shipping": s_bool(),
    },
)


def order_confirmation(rng: random.Random) -> tuple[Target, Display]:
    """An online order of one product."""
    target: Target = {
        "order_id": f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}",
        "product": rng.choice(PRODUCTS),
        "quantity": rng.choice((1, 1, 2, 3, 4, 6)),
        "unit_price": amount(rng, 9, 400),
        "customer_email": email_for(rng, person(rng)),
        "express_shipping": maybe(rng, 0.35),
    }
    display = {
        **plain(target, "order_id", "product", "customer_email"),
        "quantity": say_count(rng, target["quantity"]),
        "quantity#n": str(target["quantity"]),
        "unit_price": usd(target["unit_price"]),
        "express_shipping": flag(
            rng,
            target["express_shipping"],
            ("Shipping: express.", "It ships express."),
            ("Shipping: standard.", "Standard delivery."),
        ),
        "express_shipping#yn": yes_no(rng, target["express_shipping"]),
    }
    return target, display


EXPENSE_REPORT = s_root(
    D6,
    "ExpenseReport",
    {
        "employee": s_str(),
        "date": s_str(pattern=DATE_PATTERN),
        "merchant": s_str(),
        "category": s_enum(("travel", "meals", "lodging", "office_supplies", "software", "training")),
        "amount": s_num(exclusiveMinimum=0),
        "currency": s_enum(CURRENCIES),
        "reimbursable": s_bool(),
    },
)
MERCHANTS = {
    "travel": ("Uber", "Delta Air Lines", "Hertz"),
    "meals": ("Starbucks", "Pret A Manger", "Chipotle"),
    "lodging": ("Marriott", "Hilton", "Ibis"),
    "office_supplies": ("Staples", "Office Depot"),
    "software": ("Amazon Web Services", "Atlassian", "Figma"),
    "training": ("Coursera", "O'Reilly Media"),
}


def expense_report(rng: random.Random) -> tuple[Target, Display]:
    """One expense line of an employee."""
    when, category, currency = day(rng), rng.choice(tuple(MERCHANTS)), rng.choice(CURRENCIES)
    value = amount(rng, 4, 1800)
    target: Target = {
        "employee": person(rng),
        "date": when.isoformat(),
        "merchant": rng.choice(MERCHANTS[category]),
        "category": category,
        "amount": value,
        "currency": currency,
        "reimbursable": maybe(rng, 0.7),
    }
    display = {
        **plain(target, "employee", "merchant"),
        "date": say_date(rng, when),
        "category": cased(rng, category),
        "amount+currency": say_money(rng, value, currency),
        "reimbursable": flag(
            rng,
            target["reimbursable"],
            ("Please reimburse me.", "This is reimbursable."),
            ("Paid with the company card, so nothing to reimburse.", "Not reimbursable."),
        ),
        "reimbursable#yn": yes_no(rng, target["reimbursable"]),
    }
    return target, display


PACKAGE_TRACKING = s_root(
    D2020,
    "PackageTracking",
    {
        "tracking_number": s_str(pattern="^[A-Z0-9]{10,22}$"),
        "carrier": s_enum(("UPS", "FedEx", "DHL", "USPS", "Royal Mail")),
        "status": s_enum(("label_created", "in_transit", "out_for_delivery", "delivered")),
        "destination_city": s_str(),
        "estimated_delivery": s_str(format="date"),
    },
    optional=("estimated_delivery",),
)


def tracking_number(rng: random.Random, carrier: str) -> str:
    """A tracking number in the carrier's usual shape."""
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    if carrier == "Royal Mail":
        return f"{rng.choice(('RB', 'JD', 'AA'))}{digits(9)}GB"
    return digits({"FedEx": 12, "DHL": 10, "USPS": 22}[carrier])


def package_tracking(rng: random.Random) -> tuple[Target, Display]:
    """A parcel status; an estimated delivery date only while it is on its way."""
    carrier = rng.choice(("UPS", "FedEx", "DHL", "USPS", "Royal Mail"))
    target: Target = {
        "tracking_number": tracking_number(rng, carrier),
        "carrier": carrier,
        "status": rng.choice(("label_created", "in_transit", "in_transit", "out_for_delivery", "delivered")),
        "destination_city": rng.choice(CITIES)[0],
    }
    display = {
        **plain(target, "tracking_number", "carrier", "destination_city"),
        "status": cased(rng, target["status"]),
    }
    if target["status"] != "delivered" and maybe(rng, 0.75):
        eta = day(rng)
        target["estimated_delivery"], display["estimated_delivery"] = eta.isoformat(), say_date(rng, eta)
    return target, display


SUBSCRIPTION = s_root(
    D4,
    "Subscription",
    {
        "member": s_str(),
        "email": s_str(format="email"),
        "plan": s_enum(("basic", "standard", "premium", "family")),
        "monthly_fee": s_num(minimum=0),
        "start_date": s_str(pattern=DATE_PATTERN),
        "auto_renew": s_bool(),
    },
)
PLAN_FEES = {"basic": 6.99, "standard": 12.99, "premium": 19.99, "family": 24.99}


def subscription(rng: random.Random) -> tuple[Target, Display]:
    """A streaming-style subscription."""
    name, plan, start = person(rng), rng.choice(tuple(PLAN_FEES)), day(rng)
    target: Target = {
        "member": name,
        "email": email_for(rng, name),
        "plan": plan,
        "monthly_fee": PLAN_FEES[plan],
        "start_date": start.isoformat(),
        "auto_renew": maybe(rng, 0.7),
    }
    display = {
        **plain(target, "member", "email"),
        "plan": cased(rng, plan),
        "monthly_fee": usd(PLAN_FEES[plan]),
        "start_date": say_date(rng, start),
        "auto_renew": flag(
            rng,
            target["auto_renew"],
            ("It renews automatically.", "Auto-renewal is on."),
            ("Auto-renewal is off.", "It will not renew automatically."),
        ),
        "auto_renew#yn": yes_no(rng, target["auto_renew"]),
    }
    return target, display


COURSE_ENROLLMENT = s_root(
    D2020,
    "CourseEnrollment",
    {
        "student": s_str(),
        "student_id": s_str(pattern="^S[0-9]{7}$"),
        "course_code": s_str(pattern="^[A-Z]{2,4} [0-9]{3}$"),
        "course_title": s_str(),
        "term": s_str(pattern="^(Spring|Summer|Fall) 20[0-9]{2}$"),
        "credits": s_int(minimum=1, maximum=6),
    },
)
COURSES = (
    ("CS 101", "Introduction to Programming"), ("MATH 221", "Linear Algebra"), ("ECON 110", "Principles of Economics"),
    ("BIO 204", "Cell Biology"), ("HIST 150", "World History since 1500"), ("PSY 230", "Cognitive Psychology"),
    ("STAT 310", "Applied Regression"), ("ART 120", "Drawing Fundamentals"),
)  # fmt: skip


def course_enrollment(rng: random.Random) -> tuple[Target, Display]:
    """A student's enrolment in one course."""
    code, title = rng.choice(COURSES)
    target: Target = {
        "student": person(rng),
        "student_id": f"S{rng.randint(1000000, 9999999)}",
        "course_code": code,
        "course_title": title,
        "term": f"{rng.choice(('Spring', 'Summer', 'Fall'))} {rng.choice((2025, 2026))}",
        "credits": rng.choice((1, 2, 3, 3, 4, 5)),
    }
    display = {key: str(value) for key, value in target.items()}
    display["credits"] = say_count(rng, target["credits"])
    display["credits#phrase"] = plural(rng, target["credits"], "credit")
    return target, display


VEHICLE_SERVICE = s_root(
    D7,
    "VehicleService",
    {
        "make": s_str(),
        "model": s_str(),
        "year": s_int(minimum=1980, maximum=2026),
        "mileage": s_int(minimum=0),
        "service_type": s_enum(("oil_change", "brake_pads", "tire_rotation", "battery_replacement", "inspection")),
        "cost": s_num(minimum=0),
        "next_service_date": s_str(format="date"),
    },
    optional=("next_service_date",),
)
VEHICLES = (
    ("Toyota", "Corolla"),
    ("Honda", "Civic"),
    ("Ford", "F-150"),
    ("Volkswagen", "Golf"),
    ("BMW", "X3"),
    ("Tesla", "Model 3"),
    ("Subaru", "Outback"),
    ("Hyundai", "Tucson"),
)


def vehicle_service(rng: random.Random) -> tuple[Target, Display]:
    """A garage service record; the next service date is optional."""
    make, model = rng.choice(VEHICLES)
    target: Target = {
        "make": make,
        "model": model,
        "year": rng.randint(2008, 2025),
        "mileage": rng.randrange(3_000, 180_000, 10),
        "service_type": rng.choice(VEHICLE_SERVICE["properties"]["service_type"]["enum"]),
        "cost": amount(rng, 39, 900),
    }
    display = {
        **plain(target, "make", "model", "year"),
        "mileage": rng.choice((f"{target['mileage']:,} miles", f"{target['mileage']} mi")),
        "service_type": cased(rng, target["service_type"]),
        "cost": usd(target["cost"]),
    }
    if maybe(rng, 0.5):
        due = day(rng, date(2026, 1, 5), 300)
        target["next_service_date"], display["next_service_date"] = due.isoformat(), say_date(rng, due)
    return target, display


ID_SPECS_C = (
    Spec("car_rental", CAR_RENTAL, car_rental, (
        T("Rental agreement for {renter}.", "Pick up in {pickup_location} on {pickup_date}; return on {return_date}.",
          "Vehicle class: {car_class}.", "{insurance}", "Driver age: {driver_age}."),
        T("I'd like to rent a {car_class} car from {pickup_date} to {return_date}, picking it up in {pickup_location}.",
          "Name: {renter}.", "{insurance}", "I'm {driver_age} years old."),
        T("RENTAL", "Customer: {renter}", "Location: {pickup_location}", "Out: {pickup_date}", "In: {return_date}",
          "Class: {car_class}", "Full insurance: {insurance#yn}", "Driver age: {driver_age}", sep="\n", shuffle=False),
    )),
    Spec("restaurant_reservation", RESTAURANT_RESERVATION, restaurant_reservation, (
        T("Table for {party_size} at {restaurant} under the name {name}.", "{date} at {time}.",
          "Note: {special_request}."),
        T("Hi, I'd like to book {restaurant} for {party_size} on {date} at {time}.", "The name is {name}.",
          "One request: {special_request}."),
        T("Reservation at {restaurant}", "Guest: {name}", "Party: {party_size}", "Date: {date}", "Time: {time}",
          "Request: {special_request}", sep="\n", shuffle=False),
    )),
    Spec("order_confirmation", ORDER_CONFIRMATION, order_confirmation, (
        T("Thanks for your order {order_id}!", "{quantity} × {product} at {unit_price} each.",
          "Confirmation sent to {customer_email}.", "{express_shipping}"),
        T("Order {order_id}: {product}, qty {quantity#n}, {unit_price} per unit.", "Customer: {customer_email}.",
          "{express_shipping}"),
        T("Your order is confirmed", "Order number: {order_id}", "Item: {product}", "Quantity: {quantity#n}",
          "Price each: {unit_price}", "Email: {customer_email}", "Express delivery: {express_shipping#yn}",
          sep="\n", shuffle=False),
    )),
    Spec("expense_report", EXPENSE_REPORT, expense_report, (
        T("Expense claim from {employee}.", "Spent {amount+currency} at {merchant} on {date}.", "Category: {category}.",
          "{reimbursable}"),
        T("Hi finance, I paid {amount+currency} to {merchant} on {date} ({category}).", "{reimbursable}",
          tail="Regards, {employee}"),
        T("Employee: {employee}", "Date: {date}", "Merchant: {merchant}", "Category: {category}",
          "Amount: {amount+currency}", "Reimbursable: {reimbursable#yn}", sep="\n", shuffle=False),
    )),
    Spec("package_tracking", PACKAGE_TRACKING, package_tracking, (
        T("Your {carrier} package {tracking_number} is {status}.", "Destination: {destination_city}.",
          "Expected delivery: {estimated_delivery}."),
        T("Tracking update for {tracking_number} ({carrier}).", "Current status: {status}.",
          "Heading to {destination_city}.", "ETA {estimated_delivery}."),
        T("Carrier: {carrier}", "Tracking #: {tracking_number}", "Status: {status}", "To: {destination_city}",
          "Estimated: {estimated_delivery}", sep="\n", shuffle=False),
    )),
    Spec("subscription", SUBSCRIPTION, subscription, (
        T("Welcome, {member}!", "You're on the {plan} plan at {monthly_fee} per month, starting {start_date}.",
          "{auto_renew}", "Receipts go to {email}."),
        T("Subscription record", "Member: {member}", "Email: {email}", "Plan: {plan}", "Fee: {monthly_fee}/month",
          "Starts: {start_date}", "Auto-renew: {auto_renew#yn}", sep="\n", shuffle=False),
        T("{member} ({email}) signed up for {plan} on {start_date}.", "The monthly fee is {monthly_fee}.",
          "{auto_renew}"),
    )),
    Spec("course_enrollment", COURSE_ENROLLMENT, course_enrollment, (
        T("{student} ({student_id}) has enrolled in {course_code}: {course_title}.", "Term: {term}.",
          "Credits: {credits}."),
        T("Enrollment confirmation", "Name: {student}", "ID: {student_id}", "Course: {course_code}, {course_title}",
          "Term: {term}", "Credit hours: {credits}", sep="\n", shuffle=False),
        T("This confirms that student {student_id}, {student}, is registered for {course_title} ({course_code}) "
          "in {term}.", "The course is worth {credits#phrase}."),
    )),
    Spec("vehicle_service", VEHICLE_SERVICE, vehicle_service, (
        T("Service record: {year} {make} {model}.", "Odometer: {mileage}.", "Work done: {service_type}.",
          "Cost: {cost}.", "Next service due {next_service_date}."),
        T("We finished the {service_type} on your {make} {model} ({year}) at {mileage}.", "The total is {cost}.",
          "Please come back on {next_service_date}."),
        T("Vehicle: {year} {make} {model}", "Mileage: {mileage}", "Service: {service_type}", "Charge: {cost}",
          "Next due: {next_service_date}", sep="\n", shuffle=False),
    )),
)  # fmt: skip
