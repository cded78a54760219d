"""Files: search, move and rename, share, create folders, delete and compress files in a cloud drive."""

from __future__ import annotations

import datetime
import random

from harness.tasks.function_calling.datagen.toolspec import MONTHS, Ask, Tool, join_words

DOMAIN = "files"

FOLDERS = [
    "/Projects/Atlas",
    "/Projects/Beacon",
    "/Reports/2024",
    "/Reports/2025",
    "/Clients/Northwind",
    "/Clients/Bluefin",
    "/Photos/Trips",
    "/Finance/Invoices",
    "/Team/Onboarding",
    "/Marketing/Campaigns",
    "/Research/Papers",
    "/Legal/Contracts",
    "/Personal/Taxes",
    "/Drafts",
    "/Archive",
    "/Shared/Design",
]
FILES = [
    "budget_2025.xlsx",
    "q3_summary.pdf",
    "kickoff_notes.docx",
    "logo_final.png",
    "roadmap.pptx",
    "customer_list.csv",
    "invoice_0412.pdf",
    "team_photo.jpg",
    "contract_draft.docx",
    "sales_forecast.xlsx",
    "readme.txt",
    "survey_results.csv",
    "brand_guide.pdf",
    "meeting_minutes.docx",
    "launch_plan.pptx",
    "expense_report.xlsx",
    "floor_plan.png",
    "reading_list.txt",
    "beach_sunset.jpg",
    "style_notes.txt",
]
QUERIES = [
    "budget",
    "invoice",
    "kickoff",
    "onboarding checklist",
    "contract",
    "survey",
    "roadmap",
    "forecast",
    "brand guide",
    "meeting minutes",
    "tax return",
    "floor plan",
    "press release",
    "vacation",
    "expense report",
    "quarterly results",
]
FILE_TYPES = ["pdf", "docx", "xlsx", "pptx", "csv", "txt", "png", "jpg"]
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
    "ruth.achebe@example.com",
    "marco.bellini@example.com",
    "zara.mensah@example.com",
]
NEW_FOLDERS = [
    "Receipts",
    "Q3 Reports",
    "Client Drafts",
    "Scans",
    "Old Versions",
    "Interviews",
    "Signed Contracts",
    "Moodboards",
    "Team Photos",
    "Research Notes",
    "Templates",
    "Backups",
]
COLORS = ["red", "orange", "yellow", "green", "blue", "purple", "gray"]
ARCHIVES = [
    "atlas_bundle",
    "q3_backup",
    "client_handoff",
    "photos_2024",
    "tax_documents",
    "project_export",
    "design_assets",
    "old_reports",
]


def _path(rng: random.Random) -> tuple[str, str]:
    """A file's folder and its full path."""
    folder = rng.choice(FOLDERS)
    return folder, f"{folder}/{rng.choice(FILES)}"


def _search(rng: random.Random) -> Ask:
    query = rng.choice(QUERIES)
    args: dict[str, list] = {"query": [query]}
    kind = "files"
    if rng.random() < 0.45:
        file_type = rng.choice(FILE_TYPES)
        kind = rng.choice([f"{file_type.upper()} files", f".{file_type} files"])
        args["file_type"] = [file_type]
    clause = rng.choice(
        ['search my {k} for "{q}"', 'find {k} matching "{q}"', 'look for {k} that mention "{q}"']
    ).format(k=kind, q=query)
    if rng.random() < 0.4:
        folder = rng.choice(FOLDERS)
        clause += f" in {folder}"
        args["folder"] = [folder]
    if rng.random() < 0.35:
        day = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
        said = rng.choice([day.isoformat(), f"{MONTHS[day.month - 1]} {day.day}, {day.year}"])
        clause += f" modified after {said}"
        args["modified_after"] = [day.isoformat()]
    roll = rng.random()
    if roll < 0.15:
        low = rng.choice([0.5, 1.0, 2.5, 5.0, 10.0])
        clause += f" of at least {low:g} MB"
        args["size_mb"] = [{"min": [low]}]
    elif roll < 0.3:
        high = rng.choice([1.0, 2.0, 5.0, 20.0, 50.0])
        clause += f" no bigger than {high:g} MB"
        args["size_mb"] = [{"max": [high]}]
    elif roll < 0.4:
        low = rng.choice([0.5, 1.0, 2.0])
        high = low + rng.choice([1.0, 4.0, 9.5])
        clause += f" between {low:g} and {high:g} MB"
        args["size_mb"] = [{"min": [low], "max": [high]}]
    if rng.random() < 0.2:
        clause += " including the trash"
        args["include_trashed"] = [True]
    else:
        args["include_trashed"] = ["", False]
    if rng.random() < 0.3:
        limit = rng.choice([3, 5, 10, 15, 50])
        clause += f", showing at most {limit} results"
        args["max_results"] = [limit]
    else:
        args["max_results"] = ["", 20]
    return Ask(clause, args)


def _renamed(path: str, rng: random.Random) -> str:
    stem, ext = path.rsplit("/", 1)[1].rsplit(".", 1)
    return f"{stem}{rng.choice(['_v2', '_final', '_old', '_2024', '_signed', '_backup', '_copy'])}.{ext}"


def _move(rng: random.Random) -> Ask:
    folder, path = _path(rng)
    target = rng.choice([f for f in FOLDERS if f != folder])
    new_name = _renamed(path, rng)
    how = rng.random()
    if how < 0.45:
        clause = rng.choice(["move {p} to {t}", "move the file {p} into {t}"]).format(p=path, t=target)
        args: dict[str, list] = {"path": [path], "destination_folder": [target]}
    elif how < 0.75:
        clause = rng.choice(["rename {p} to {n}", "change the name of {p} to {n}"]).format(p=path, n=new_name)
        args = {"path": [path], "new_name": [new_name], "destination_folder": ["", folder]}
    else:
        clause = rng.choice(["move {p} into {t} and rename it {n}", "move {p} to {t} under the name {n}"]).format(
            p=path, t=target, n=new_name
        )
        args = {"path": [path], "destination_folder": [target], "new_name": [new_name]}
    if rng.random() < 0.25:
        clause += rng.choice([", replacing any file with the same name", ", overwriting an existing file of that name"])
        args["overwrite"] = [True]
    else:
        args["overwrite"] = ["", False]
    return Ask(clause, args)


PERMISSION_WORDS = {
    "viewer": ("view-only", ["as viewers", "with view-only access", "with read-only access"]),
    "commenter": ("comment", ["as commenters", "with comment access"]),
    "editor": ("edit", ["as editors", "with edit access", "with permission to edit"]),
}


def _share(rng: random.Random) -> Ask:
    _, path = _path(rng)
    people = rng.sample(PEOPLE, k=rng.randint(1, 3))
    permission = rng.choice(list(PERMISSION_WORDS))
    level, phrases = PERMISSION_WORDS[permission]
    if rng.random() < 0.35:
        clause = f"give {join_words(people)} {level} access to {path}"
    else:
        words = rng.choice(phrases)
        if len(people) == 1:
            words = {"as viewers": "as a viewer", "as commenters": "as a commenter", "as editors": "as an editor"}.get(
                words, words
            )
        clause = f"share {path} with {join_words(people)} {words}"
    args: dict[str, list] = {"path": [path], "recipients": [people], "permission": [permission]}
    if rng.random() < 0.35:
        days = rng.choice([1, 2, 3, 7, 14, 30, 90])
        clause += f" for {days} days" if days > 1 else " for 1 day"
        args["expires_in_days"] = [days]
    if rng.random() < 0.25:
        clause += rng.choice([" without emailing them", " without sending a notification"])
        args["notify"] = [False]
    else:
        args["notify"] = ["", True]
    return Ask(clause, args)


def _create_directory(rng: random.Random) -> Ask:
    parent = rng.choice(FOLDERS)
    name = rng.choice(NEW_FOLDERS)
    clause = rng.choice(
        [
            'create a folder named "{n}" inside {p}',
            'make a new folder called "{n}" in {p}',
            'add a "{n}" folder under {p}',
        ]
    ).format(n=name, p=parent)
    args: dict[str, list] = {"parent_path": [parent], "name": [name]}
    if rng.random() < 0.4:
        color = rng.choice(COLORS)
        clause += rng.choice([" and color it {c}", " with a {c} label"]).format(c=color)
        args["color"] = [color]
    return Ask(clause, args)


def _delete(rng: random.Random) -> Ask:
    _, path = _path(rng)
    roll = rng.random()
    if roll < 0.35:
        clause = rng.choice(["permanently delete {p}", "delete {p} for good, skipping the trash"]).format(p=path)
        return Ask(clause, {"path": [path], "permanent": [True]})
    if roll < 0.5:
        clause = f"delete {path} but keep it in the trash"
        return Ask(clause, {"path": [path], "permanent": [False]})
    clause = rng.choice(["delete {p}", "remove the file {p}", "get rid of {p}"]).format(p=path)
    return Ask(clause, {"path": [path], "permanent": ["", False]})


FORMAT_WORDS = {"zip": "a zip archive", "tar.gz": "a tar.gz archive", "7z": "a 7z archive"}


def _compress(rng: random.Random) -> Ask:
    folder = rng.choice(FOLDERS)
    paths = [f"{folder}/{name}" for name in rng.sample(FILES, k=rng.randint(2, 3))]
    if rng.random() < 0.3:
        paths[-1] = f"{rng.choice(FOLDERS)}/{rng.choice([n for n in FILES if f'{folder}/{n}' not in paths])}"
    archive = rng.choice(ARCHIVES)
    clause = rng.choice(
        [
            "compress {p} into an archive named {a}",
            "bundle {p} into one archive called {a}",
            "pack {p} into a compressed file named {a}",
        ]
    ).format(p=join_words(paths), a=archive)
    args: dict[str, list] = {"paths": [paths], "archive_name": [archive]}
    if rng.random() < 0.4:
        fmt = rng.choice(list(FORMAT_WORDS))
        clause += f" as {FORMAT_WORDS[fmt]}"
        args["format"] = [fmt]
    else:
        args["format"] = ["", "zip"]
    if rng.random() < 0.3:
        level = rng.randint(1, 9)
        clause += f" at compression level {level}"
        args["compression_level"] = [level]
    return Ask(clause, args)


PATH = {"type": "string", "description": "Full path of the file, e.g. /Reports/2025/summary.pdf."}
FOLDER = {"type": "string", "description": "Full path of a folder, e.g. /Reports/2025."}
EMAILS = {"type": "array", "items": {"type": "string"}, "description": "Email addresses, in the order given."}

TOOLS = [
    Tool(
        "search_files",
        "Search the user's drive for files by text, type, folder, date and size.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Text to look for in file names and contents."},
                "file_type": {
                    "type": "string",
                    "enum": FILE_TYPES,
                    "description": "Only files with this extension; omit for any type.",
                },
                "folder": {**FOLDER, "description": "Only search inside this folder; omit to search everywhere."},
                "modified_after": {
                    "type": "string",
                    "description": "Only files modified after this date, as YYYY-MM-DD.",
                },
                "size_mb": {
                    "type": "object",
                    "description": "File size bounds in megabytes; give either bound or both.",
                    "properties": {
                        "min": {"type": "number", "minimum": 0, "description": "Smallest size in MB."},
                        "max": {"type": "number", "minimum": 0, "description": "Largest size in MB."},
                    },
                },
                "include_trashed": {"type": "boolean", "description": "Also search the trash (default false)."},
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "description": "Most files to return (default 20).",
                },
            },
            "required": ["query"],
        },
        _search,
    ),
    Tool(
        "move_file",
        "Move a file to another folder and/or give it a new name.",
        {
            "type": "object",
            "properties": {
                "path": PATH,
                "destination_folder": {
                    **FOLDER,
                    "description": "Folder to move the file into (default: the folder it is in now).",
                },
                "new_name": {"type": "string", "description": "New file name; omit to keep the current name."},
                "overwrite": {
                    "type": "boolean",
                    "description": "Replace a file of the same name at the destination (default false).",
                },
            },
            "required": ["path"],
        },
        _move,
    ),
    Tool(
        "share_file",
        "Share a file with people at a permission level.",
        {
            "type": "object",
            "properties": {
                "path": PATH,
                "recipients": {**EMAILS, "description": "Email addresses of the people to share with."},
                "permission": {
                    "type": "string",
                    "enum": ["viewer", "commenter", "editor"],
                    "description": "What the recipients may do with the file.",
                },
                "expires_in_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 365,
                    "description": "Days until the access expires; omit for access that does not expire.",
                },
                "notify": {"type": "boolean", "description": "Email the recipients about the share (default true)."},
            },
            "required": ["path", "recipients", "permission"],
        },
        _share,
    ),
    Tool(
        "create_directory",
        "Create a new folder in the user's drive.",
        {
            "type": "object",
            "properties": {
                "parent_path": {**FOLDER, "description": "Folder to create the new folder in."},
                "name": {"type": "string", "description": "Name of the new folder."},
                "color": {
                    "type": "string",
                    "enum": COLORS,
                    "description": "Color label for the folder; omit for no label.",
                },
            },
            "required": ["parent_path", "name"],
        },
        _create_directory,
    ),
    Tool(
        "delete_file",
        "Delete a file, to the trash or permanently.",
        {
            "type": "object",
            "properties": {
                "path": PATH,
                "permanent": {
                    "type": "boolean",
                    "description": "Delete permanently instead of moving to the trash (default false).",
                },
            },
            "required": ["path"],
        },
        _delete,
    ),
    Tool(
        "compress_files",
        "Compress several files into one archive.",
        {
            "type": "object",
            "properties": {
                "paths": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "Full paths of the files to compress, in the order given.",
                },
                "archive_name": {"type": "string", "description": "File name of the archive, without extension."},
                "format": {
                    "type": "string",
                    "enum": ["zip", "tar.gz", "7z"],
                    "description": "Archive format (default zip).",
                },
                "compression_level": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 9,
                    "description": "Compression level from 1 (fastest) to 9 (smallest); omit for the format's default.",
                },
            },
            "required": ["paths", "archive_name"],
        },
        _compress,
    ),
]
