"""Media: music playback, playlists, podcast search and movie ratings."""

from __future__ import annotations

import random

from harness.tasks.function_calling.datagen.toolspec import Ask, Tool, join_words

DOMAIN = "media"

TRACKS = [
    "Glass Orchard",
    "Low Tide",
    "Paper Lanterns",
    "Midnight Ferry",
    "Copper Rain",
    "Slow Satellites",
    "Harbor Lights",
    "Northern Static",
    "Velvet Hours",
    "Salt on the Window",
    "Wildfire Season",
    "Quiet Engines",
    "Blue Meridian",
    "Lemon Tree Summer",
    "Night Market",
    "Ghost Frequencies",
    "Tidal Memory",
    "Amber Skyline",
]
ALBUMS = [
    "Distant Shores",
    "Neon Cathedral",
    "Field Recordings",
    "Small Hours",
    "Weather Patterns in Blue",
    "Second Sunrise",
    "The Long Way Round",
    "Glasshouse",
    "Palace of Echoes",
    "Ironwood",
]
PLAYLISTS = [
    "Sunday Morning",
    "Deep Focus",
    "Road Trip Mix",
    "Rainy Day Jazz",
    "Workout Boost",
    "Late Night Drive",
    "Dinner Party",
    "Study Beats",
    "Summer Throwbacks",
    "Chill Acoustic",
]
ARTISTS = [
    "Mira Solano",
    "The Velvet Moths",
    "Kasimir Lund",
    "Juniper Vale",
    "Oda Finch",
    "Tessellate",
    "Ravi Okonkwo",
    "The Paper Kites Club",
    "Lune Marchetti",
    "Harbour Ghosts",
]
DEVICES = ["kitchen speaker", "living room TV", "bedroom speaker", "office soundbar", "car stereo", "patio speaker"]
TOPICS = [
    "urban gardening",
    "ancient history",
    "marine biology",
    "jazz history",
    "chess strategy",
    "space exploration",
    "woodworking",
    "language learning",
    "beekeeping",
    "climate science",
    "board game design",
    "long-distance running",
    "architecture",
    "mycology",
    "bird watching",
    "sleep science",
    "film scoring",
    "philosophy of mind",
    "sourdough baking",
    "medieval castles",
]
LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "ja": "Japanese"}
MOVIES = [
    "Quiet Orbit",
    "The Salt Garden",
    "Ninth Lantern",
    "Copper Sky",
    "Harbor of Echoes",
    "A Winter in Velmora",
    "Glasswing",
    "The Long Meridian",
    "Fathom Street",
    "Paper Moons",
    "Northbound",
    "Daughters of the Tide",
    "Seven Bridges Down",
    "Ember and Ash",
]
REVIEWS = [
    "tense and beautifully shot",
    "too long but worth it",
    "a warm and funny ensemble piece",
    "great score and weak ending",
    "the best film I saw this year",
    "slow start with a brilliant final act",
    "fun for the whole family",
    "confusing plot and gorgeous visuals",
]


def _play(rng: random.Random) -> Ask:
    media_type = rng.choice(["song", "album", "playlist"])
    title = rng.choice({"song": TRACKS, "album": ALBUMS, "playlist": PLAYLISTS}[media_type])
    args: dict[str, list] = {"media_type": [media_type], "title": [title]}
    if media_type == "playlist":
        what = rng.choice([f"my {title} playlist", f"the playlist {title}"])
    else:
        what = f"the {media_type} {title}"
        if rng.random() < 0.6:
            artist = rng.choice(ARTISTS)
            what += f" by {artist}"
            args["artist"] = [artist]
    text = rng.choice(["play {w}", "start playing {w}", "put on {w}"]).format(w=what)
    if rng.random() < 0.5:
        device = rng.choice(DEVICES)
        text += f" on the {device}"
        args["device"] = [device, f"the {device}"]
    playback: dict[str, list] = {}
    extras = []
    if rng.random() < 0.3 and media_type != "song":
        extras.append(" on shuffle")
        playback["shuffle"] = [True]
    if rng.random() < 0.25:
        if media_type == "song":
            extras.append(" on repeat")
            playback["repeat"] = ["one", "all"]
        else:
            extras.append(f" and repeat the whole {media_type}")
            playback["repeat"] = ["all"]
    if rng.random() < 0.3:
        volume = rng.choice([10, 15, 20, 25, 30, 35, 40, 50, 60, 70, 80])
        extras.insert(0, f" at volume {volume}")
        playback["volume"] = [volume]
    if playback:
        playback.setdefault("shuffle", ["", False])
        playback.setdefault("repeat", ["", "off"])
        args["playback"] = [playback]
    return Ask(text + "".join(extras), args)


def _create_playlist(rng: random.Random) -> Ask:
    name = rng.choice(PLAYLISTS)
    tracks = rng.sample(TRACKS, k=rng.randint(2, 4))
    args: dict[str, list] = {"name": [name], "tracks": [tracks]}
    visibility = rng.random()
    if visibility < 0.25:
        kind = "public playlist"
        args["is_public"] = [True]
    elif visibility < 0.45:
        kind = "private playlist"
        args["is_public"] = [False]
    else:
        kind = "playlist"
        args["is_public"] = ["", False]
    desc = ""
    if rng.random() < 0.3:
        blurb = rng.choice(["songs for slow mornings", "for long drives", "upbeat tracks only", "music to cook to"])
        desc = f" described as '{blurb}'"
        args["description"] = [blurb]
    text = rng.choice(
        [
            "create a {k} called {n}{d} with {t}",
            "make a new {k} named {n}{d} containing {t}",
            "start a {k} called {n}{d} with the tracks {t}",
        ]
    ).format(k=kind, n=name, d=desc, t=join_words(tracks))
    return Ask(text, args)


def _podcasts(rng: random.Random) -> Ask:
    topic = rng.choice(TOPICS)
    args: dict[str, list] = {"topic": [topic]}
    text = rng.choice(["search for podcasts about {t}", "find podcasts on {t}", "look for {t} podcasts"]).format(
        t=topic
    )
    if rng.random() < 0.3:
        code = rng.choice([c for c in LANGUAGES if c != "en"])
        text += f" in {LANGUAGES[code]}"
        args["language"] = [code]
    else:
        args["language"] = ["", "en"]
    if rng.random() < 0.75:
        minutes = rng.choice([15, 20, 25, 30, 40, 45, 50, 60, 75, 90, 120])
        text += rng.choice(
            [f" with episodes no longer than {minutes} minutes", f" with episodes of at most {minutes} minutes"]
        )
        args["max_duration_minutes"] = [minutes]
    if rng.random() < 0.2:
        text += " without explicit content"
        args["include_explicit"] = [False]
    else:
        args["include_explicit"] = ["", True]
    if rng.random() < 0.3:
        order = rng.choice(["newest", "popularity"])
        text += ", newest first" if order == "newest" else ", most popular first"
        args["sort_by"] = [order]
    else:
        args["sort_by"] = ["", "relevance"]
    return Ask(text, args)


def _rate_movie(rng: random.Random) -> Ask:
    title = rng.choice(MOVIES)
    rating = rng.randint(1, 5)
    args: dict[str, list] = {"title": [title], "rating": [rating]}
    stars = f"{rating} star" if rating == 1 else f"{rating} stars"
    if rng.random() < 0.35:
        year = rng.randint(1978, 2024)
        film = f"the {year} film {title}"
        args["release_year"] = [year]
    else:
        film = rng.choice([f"the movie {title}", title])
    text = rng.choice(["rate {f} {r} out of 5", "give {f} {s}", "rate {f} {s}"]).format(f=film, r=rating, s=stars)
    if rng.random() < 0.3:
        review = rng.choice(REVIEWS)
        text += f" with the review '{review}'"
        args["review"] = [review]
    return Ask(text, args)


TOOLS = [
    Tool(
        "play_media",
        "Play a song, album or playlist from the user's music library.",
        {
            "type": "object",
            "properties": {
                "media_type": {
                    "type": "string",
                    "enum": ["song", "album", "playlist"],
                    "description": "What kind of item to play.",
                },
                "title": {"type": "string", "description": "Title of the song, album or playlist."},
                "artist": {"type": "string", "description": "Artist of a song or album; omit if not given."},
                "device": {
                    "type": "string",
                    "description": "Speaker or screen to play on, as the user names it; omit for the current device.",
                },
                "playback": {
                    "type": "object",
                    "description": "Playback settings; omit to keep the player's current settings.",
                    "properties": {
                        "shuffle": {"type": "boolean", "description": "Shuffle the tracks (default false)."},
                        "repeat": {
                            "type": "string",
                            "enum": ["off", "one", "all"],
                            "description": "Repeat nothing, the current track, or the whole queue (default off).",
                        },
                        "volume": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 100,
                            "description": "Volume in percent; omit to keep the current volume.",
                        },
                    },
                },
            },
            "required": ["media_type", "title"],
        },
        _play,
    ),
    Tool(
        "create_playlist",
        "Create a new playlist from tracks in the user's library.",
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Name of the new playlist."},
                "tracks": {
                    "type": "array",
                    "description": "Track titles in playing order.",
                    "items": {"type": "string"},
                    "minItems": 1,
                },
                "is_public": {
                    "type": "boolean",
                    "description": "Whether other users can find the playlist (default false).",
                },
                "description": {"type": "string", "description": "Short description shown under the name."},
            },
            "required": ["name", "tracks"],
        },
        _create_playlist,
    ),
    Tool(
        "search_podcasts",
        "Search the podcast directory by topic.",
        {
            "type": "object",
            "properties": {
                "topic": {"type": "string", "description": "Subject to search for."},
                "max_duration_minutes": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Longest typical episode length in minutes; omit for any length.",
                },
                "language": {
                    "type": "string",
                    "enum": list(LANGUAGES),
                    "description": "ISO 639-1 code of the podcast language (default en).",
                },
                "include_explicit": {
                    "type": "boolean",
                    "description": "Include podcasts marked explicit (default true).",
                },
                "sort_by": {
                    "type": "string",
                    "enum": ["relevance", "newest", "popularity"],
                    "description": "Order of the results (default relevance).",
                },
            },
            "required": ["topic"],
        },
        _podcasts,
    ),
    Tool(
        "rate_movie",
        "Give a movie a star rating, optionally with a short review.",
        {
            "type": "object",
            "properties": {
                "title": {"type": "string", "description": "Title of the movie."},
                "rating": {"type": "integer", "minimum": 1, "maximum": 5, "description": "Stars from 1 to 5."},
                "release_year": {
                    "type": "integer",
                    "description": "Release year, to tell apart movies with the same title; omit if not given.",
                },
                "review": {"type": "string", "description": "Short review text; omit for a rating only."},
            },
            "required": ["title", "rating"],
        },
        _rate_movie,
    ),
]
