"""Email: send messages, search the mailbox, move messages, create filter rules and set an out-of-office reply."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool, join_words

DOMAIN = "email"

FIRST_NAMES = [
    "ava",
    "liam",
    "noor",
    "mateo",
    "priya",
    "jonas",
    "keiko",
    "omar",
    "ines",
    "tobias",
    "freya",
    "dario",
    "leila",
    "soren",
    "maya",
    "felix",
]
LAST_NAMES = [
    "moreno",
    "chen",
    "haddad",
    "lindqvist",
    "okafor",
    "brandt",
    "novak",
    "quinn",
    "sato",
    "ferreira",
    "walsh",
    "ibarra",
]
SUBJECTS = [
    "Quarterly budget review",
    "Team offsite agenda",
    "Invoice 4417",
    "Draft proposal for comments",
    "Lunch on Friday",
    "Updated project timeline",
    "Welcome aboard",
    "Conference travel plans",
    "Server maintenance window",
    "Design review notes",
    "Volunteer schedule",
    "Contract renewal",
    "Weekly status update",
    "Office move logistics",
    "Recipe club this month",
    "Interview feedback",
]
BODIES = [
    "The draft is ready for your comments",
    "Please find the figures in the shared folder",
    "Running ten minutes late so start without me",
    "Can we move the call to Thursday afternoon",
    "Thanks for the quick turnaround on this",
    "The meeting room is booked from 2 pm to 4 pm",
    "Let me know which slot works best for you",
    "I have attached the signed copy for your records",
    "The deadline has moved to the end of the month",
    "Looking forward to seeing everyone there",
    "Please review the changes before Monday",
    "The new badge access starts next week",
    "Lunch is on me this time",
    "The build passed and the release notes are up",
]
FOLDERS = [
    "Receipts",
    "Travel",
    "Project Atlas",
    "Family",
    "Newsletters",
    "Taxes 2024",
    "Clients",
    "Recruiting",
    "Invoices",
    "Old Projects",
    "School",
    "Volunteering",
]
SEARCH_TERMS = [
    "invoice",
    "team offsite",
    "boarding pass",
    "password reset",
    "quarterly report",
    "contract",
    "webinar",
    "shipping confirmation",
    "lease renewal",
    "budget",
    "interview",
    "receipt",
    "newsletter",
    "meeting notes",
]
FILTER_NAMES = [
    "Newsletters",
    "Big attachments",
    "Receipts",
    "Project Atlas",
    "Social updates",
    "Billing",
    "Team digests",
    "Recruiters",
    "Travel bookings",
    "Alerts",
]
LABELS = ["Finance", "Read later", "Urgent", "Travel", "Reference", "Follow up", "Archive me", "Vendors"]
OOO_MESSAGES = [
    "I am away with limited access to email and will reply when I return",
    "I am on leave and will respond to your message after I get back",
    "Thanks for your email. I am out of the office and will reply next week",
    "I am travelling for work with limited connectivity",
    "I am on vacation. For urgent matters please contact the front desk",
    "I am attending a conference and will answer emails in the evenings",
    "I am out of the office on parental leave",
    "Thank you for reaching out. I am currently away and will be back soon",
]


def _address(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}@example.com"


def _addresses(rng: random.Random, k: int) -> list[str]:
    found: list[str] = []
    while len(found) < k:
        address = _address(rng)
        if address not in found:
            found.append(address)
    return found


def _date(rng: random.Random, start: datetime.date | None = None) -> datetime.date:
    if start is not None:
        return start + datetime.timedelta(days=rng.randint(2, 21))
    return datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 600))


def _say_date(day: datetime.date, spoken: bool) -> str:
    """The date spoken ("March 14, 2025") or written as YYYY-MM-DD."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}" if spoken else day.isoformat()


def _send(rng: random.Random) -> Ask:
    to = _addresses(rng, rng.choice([1, 1, 2, 2, 3]))
    subject = rng.choice(SUBJECTS)
    body = rng.choice(BODIES)
    args: dict[str, list] = {"to": [to], "subject": [subject], "body": [body]}
    cc_text = ""
    if rng.random() < 0.4:
        cc = [a for a in _addresses(rng, rng.randint(1, 3) + len(to)) if a not in to][: rng.randint(1, 2)]
        cc_text = f", cc {join_words(cc)},"
        args["cc"] = [cc]
    else:
        args["cc"] = ["", []]
    extra = ""
    if rng.random() < 0.35:
        importance = rng.choice(["high", "low"])
        extra += f" marked as {importance} importance"
        args["importance"] = [importance]
    else:
        args["importance"] = ["", "normal"]
    if rng.random() < 0.3:
        extra += " and request a read receipt"
        args["request_read_receipt"] = [True]
    else:
        args["request_read_receipt"] = ["", False]
    clause = rng.choice(
        [
            'send an email to {to}{cc} with the subject "{s}" and the body "{b}"',
            'email {to}{cc} with the subject "{s}" and the message "{b}"',
            'write an email to {to}{cc} with the subject line "{s}" and the text "{b}"',
        ]
    )
    return Ask(clause.format(to=join_words(to), cc=cc_text, s=subject, b=body) + extra, args)


def _search(rng: random.Random) -> Ask:
    term = rng.choice(SEARCH_TERMS)
    args: dict[str, list] = {"query": [term]}
    folder = rng.choice(["inbox", "sent", "archive", "spam", "drafts", ""])
    where = {"": "my mailbox", "inbox": "my inbox"}.get(folder, f"my {folder} folder")
    args["folder"] = [folder] if folder else ["", "inbox"]
    unread = rng.random() < 0.3
    args["unread_only"] = [True] if unread else ["", False]
    what = "unread emails" if unread else rng.choice(["emails", "messages"])
    if rng.random() < 0.4:
        sender = _address(rng)
        what += f" from {sender}"
        args["sender"] = [sender]
    if rng.random() < 0.3:
        what += " with attachments"
        args["has_attachment"] = [True]
    else:
        args["has_attachment"] = ["", False]
    text = rng.choice([f'search {where} for {what} about "{term}"', f'find {what} mentioning "{term}" in {where}'])
    if rng.random() < 0.4:
        day = _date(rng)
        text += f" dated after {_say_date(day, rng.random() < 0.5)}"
        args["after_date"] = [day.isoformat()]
    if rng.random() < 0.35:
        limit = rng.choice([5, 10, 15, 30, 50, 100])
        text += f" and show at most {limit} results"
        args["max_results"] = [limit]
    else:
        args["max_results"] = ["", 25]
    return Ask(text, args)


def _move(rng: random.Random) -> Ask:
    ids = [f"msg-{rng.randint(1000, 99999)}" for _ in range(rng.choice([1, 2, 2, 3]))]
    folder = rng.choice(FOLDERS)
    noun = "message" if len(ids) == 1 else "messages"
    clause = rng.choice(
        [
            "move {n} {ids} to the {f} folder",
            "file {n} {ids} under the {f} folder",
            "put {n} {ids} into my {f} folder",
        ]
    )
    args: dict[str, list] = {"message_ids": [ids], "folder": [folder]}
    text = clause.format(n=noun, ids=join_words(ids), f=folder)
    if rng.random() < 0.35:
        text += " and mark " + ("it" if len(ids) == 1 else "them") + " as read"
        args["mark_as_read"] = [True]
    else:
        args["mark_as_read"] = ["", False]
    return Ask(text, args)


def _filter(rng: random.Random) -> Ask:
    name = rng.choice(FILTER_NAMES)
    order = ["sender", "has_attachment", "subject_contains", "larger_than_mb"]
    keys = sorted(rng.sample(order, k=rng.choice([1, 2])), key=order.index)
    condition: dict[str, list] = {}
    words = ["emails"]
    for key in keys:
        if key == "sender":
            sender = rng.choice([_address(rng), f"{rng.choice(['news', 'billing', 'alerts', 'digest'])}@example.com"])
            condition["sender"] = [sender]
            words.append(f"from {sender}")
        elif key == "has_attachment":
            condition["has_attachment"] = [True]
            words.append("with attachments")
        elif key == "subject_contains":
            term = rng.choice(SEARCH_TERMS)
            condition["subject_contains"] = [term]
            words.append(f'{"and" if "has_attachment" in keys else "with"} "{term}" in the subject')
        else:
            size = rng.choice([1.5, 2, 2.5, 5, 7.5, 10, 20, 25])
            condition["larger_than_mb"] = [size]
            words.append(f"that are larger than {size} MB")
    emails = " ".join(words)
    args: dict[str, list] = {"name": [name], "condition": [condition]}
    action = rng.choice(["move_to_folder", "apply_label", "forward", "mark_as_read", "delete"])
    args["action"] = [action]
    if action == "move_to_folder":
        target = rng.choice(FOLDERS)
        what = f"moves {emails} to the {target} folder"
    elif action == "apply_label":
        target = rng.choice(LABELS)
        what = f'applies the label "{target}" to {emails}'
    elif action == "forward":
        target = _address(rng)
        what = f"forwards {emails} to {target}"
    elif action == "mark_as_read":
        target = ""
        what = f"marks {emails} as read"
    else:
        target = ""
        what = f"deletes {emails}"
    if target:
        args["target"] = [target]
    clause = rng.choice(['create a mail filter named "{n}" that {w}', 'set up an email rule called "{n}" that {w}'])
    text = clause.format(n=name, w=what)
    if rng.random() < 0.3:
        text += " and apply it to existing messages"
        args["apply_to_existing"] = [True]
    else:
        args["apply_to_existing"] = ["", False]
    return Ask(text, args)


def _out_of_office(rng: random.Random) -> Ask:
    start = _date(rng)
    end = _date(rng, start)
    message = rng.choice(OOO_MESSAGES)
    clause = rng.choice(
        [
            'set an out-of-office reply from {a} to {b} saying "{m}"',
            'turn on my automatic away message from {a} until {b} with the text "{m}"',
            'set up an auto-reply for {a} through {b} that says "{m}"',
        ]
    )
    spoken = rng.random() < 0.5
    text = clause.format(a=_say_date(start, spoken), b=_say_date(end, spoken), m=message)
    args: dict[str, list] = {"start_date": [start.isoformat()], "end_date": [end.isoformat()], "message": [message]}
    audience = rng.choice(["", "", "everyone", "contacts_only", "internal_only"])
    if audience:
        text += {
            "everyone": " and send it to everyone",
            "contacts_only": " and send it to my contacts only",
            "internal_only": " and send it to internal senders only",
        }[audience]
        args["audience"] = [audience]
    else:
        args["audience"] = ["", "everyone"]
    if rng.random() < 0.3:
        text += " and decline new meeting invitations"
        args["decline_meetings"] = [True]
    else:
        args["decline_meetings"] = ["", False]
    return Ask(text, args)


ADDRESS_LIST = {"type": "array", "items": {"type": "string"}}

TOOLS = [
    Tool(
        "send_email",
        "Send an email message.",
        {
            "type": "object",
            "properties": {
                "to": {**ADDRESS_LIST, "description": "Recipient email addresses."},
                "cc": {**ADDRESS_LIST, "description": "Addresses to copy (default empty)."},
                "subject": {"type": "string", "description": "Subject line."},
                "body": {"type": "string", "description": "Plain-text body of the message."},
                "importance": {
                    "type": "string",
                    "enum": ["low", "normal", "high"],
                    "description": "Importance flag (default normal).",
                },
                "request_read_receipt": {
                    "type": "boolean",
                    "description": "Ask recipients for a read receipt (default false).",
                },
            },
            "required": ["to", "subject", "body"],
        },
        _send,
    ),
    Tool(
        "search_mailbox",
        "Search the user's mailbox for messages matching a query and filters.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Words to look for in the messages."},
                "folder": {
                    "type": "string",
                    "enum": ["inbox", "sent", "archive", "spam", "drafts"],
                    "description": "Folder to search (default inbox).",
                },
                "sender": {"type": "string", "description": "Only messages from this email address."},
                "unread_only": {"type": "boolean", "description": "Only unread messages (default false)."},
                "has_attachment": {
                    "type": "boolean",
                    "description": "Only messages with attachments (default false).",
                },
                "after_date": {
                    "type": "string",
                    "description": "Only messages dated after this day, as YYYY-MM-DD.",
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 200,
                    "description": "Maximum number of results (default 25).",
                },
            },
            "required": ["query"],
        },
        _search,
    ),
    Tool(
        "move_emails",
        "Move one or more email messages to a folder.",
        {
            "type": "object",
            "properties": {
                "message_ids": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids of the messages to move, e.g. msg-4821.",
                },
                "folder": {"type": "string", "description": "Name of the destination folder."},
                "mark_as_read": {"type": "boolean", "description": "Also mark the messages as read (default false)."},
            },
            "required": ["message_ids", "folder"],
        },
        _move,
    ),
    Tool(
        "create_mail_filter",
        "Create a rule that acts on incoming emails matching a condition.",
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Name of the filter."},
                "condition": {
                    "type": "object",
                    "description": "What incoming emails must match; give only the criteria that apply.",
                    "properties": {
                        "sender": {"type": "string", "description": "Sender email address."},
                        "subject_contains": {"type": "string", "description": "Text the subject contains."},
                        "has_attachment": {"type": "boolean", "description": "The email has attachments."},
                        "larger_than_mb": {"type": "number", "description": "Minimum message size in megabytes."},
                    },
                },
                "action": {
                    "type": "string",
                    "enum": ["move_to_folder", "apply_label", "forward", "mark_as_read", "delete"],
                    "description": "What to do with matching emails.",
                },
                "target": {
                    "type": "string",
                    "description": "Folder name, label or forwarding address, for the actions that need one.",
                },
                "apply_to_existing": {
                    "type": "boolean",
                    "description": "Also apply the filter to messages already received (default false).",
                },
            },
            "required": ["name", "condition", "action"],
        },
        _filter,
    ),
    Tool(
        "set_out_of_office_reply",
        "Turn on an automatic out-of-office reply for a date range.",
        {
            "type": "object",
            "properties": {
                "start_date": {"type": "string", "description": "First day of the absence, as YYYY-MM-DD."},
                "end_date": {"type": "string", "description": "Last day of the absence, as YYYY-MM-DD."},
                "message": {"type": "string", "description": "Text of the automatic reply."},
                "audience": {
                    "type": "string",
                    "enum": ["everyone", "contacts_only", "internal_only"],
                    "description": "Who receives the reply (default everyone).",
                },
                "decline_meetings": {
                    "type": "boolean",
                    "description": "Automatically decline new meeting invitations (default false).",
                },
            },
            "required": ["start_date", "end_date", "message"],
        },
        _out_of_office,
    ),
]
