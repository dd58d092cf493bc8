"""Generated names: the word lists and the titles, people and keys built from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.release import PartyRef
from graph.slug import slugify

ADJECTIVES = (
    "Silent", "Golden", "Electric", "Broken", "Endless", "Hidden", "Midnight", "Neon", "Velvet",
    "Crimson", "Wild", "Distant", "Paper", "Glass", "Hollow", "Northern", "Southern", "Lonely",
    "Burning", "Frozen", "Bright", "Secret", "Restless", "Sweet", "Bitter", "Gentle", "Heavy",
    "Lucky", "Faded", "Open", "Quiet", "Savage", "Holy", "Little", "Blue", "Scarlet", "Silver",
    "Emerald", "Cosmic", "Urban", "Rural", "Static", "Liquid", "Solar", "Lunar", "Tender",
    "Fragile", "Brave", "Sacred", "Vintage", "Modern", "Analog", "Digital", "Sleepy", "Wired",
    "Hazy", "Stormy", "Sunny", "Rainy", "Dusty", "Young", "Ancient", "Final", "First", "Last",
    "Lost", "Found", "Perfect", "Strange", "Magic", "Royal", "Rebel", "Dreamy", "Infinite",
    "Violet", "Amber", "Copper", "Iron", "Marble", "Ivory", "Shadow", "Crystal", "Radiant",
)  # fmt: skip
NOUNS = (
    "Heart", "Night", "River", "City", "Dream", "Fire", "Ocean", "Mountain", "Road", "Sky",
    "Garden", "Mirror", "Shadow", "Light", "Echo", "Storm", "Horizon", "Window", "Highway",
    "Summer", "Winter", "Autumn", "Spring", "Moon", "Sun", "Star", "Planet", "Signal", "Wave",
    "Desert", "Forest", "Island", "Harbor", "Bridge", "Tower", "Engine", "Machine", "Ghost",
    "Angel", "Devil", "Queen", "King", "Lover", "Stranger", "Friend", "Letter", "Song", "Dance",
    "Rhythm", "Melody", "Silence", "Thunder", "Rain", "Snow", "Wind", "Smoke", "Diamond", "Rose",
    "Tiger", "Wolf", "Raven", "Dragon", "Phoenix", "Satellite", "Paradise", "Kingdom", "Empire",
    "Circus", "Carnival", "Memory", "Promise", "Secret", "Weekend", "Morning", "Evening",
    "Daylight", "Sunset", "Sunrise", "Galaxy", "Universe", "Atlas", "Compass", "Anchor", "Arrow",
    "Crown", "Feather", "Flame", "Frontier", "Gravity", "Lantern", "Meadow", "Orbit", "Pulse",
)  # fmt: skip
VERBS = (
    "Chasing", "Dreaming", "Running", "Falling", "Dancing", "Waiting", "Burning", "Breaking",
    "Holding", "Leaving", "Finding", "Losing", "Calling", "Crossing", "Riding", "Flying",
    "Walking", "Singing", "Fighting", "Building", "Drifting", "Fading", "Shining", "Turning",
)  # fmt: skip
FIRST_NAMES = (
    "Ada", "Alex", "Amara", "André", "Ana", "Ben", "Björn", "Carla", "Chloé", "Dario", "Diego",
    "Elena", "Emil", "Eva", "Felix", "François", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jack",
    "Jana", "Joana", "José", "Julia", "Kai", "Karin", "Kenji", "Lars", "Lea", "Leo", "Lucía",
    "Luca", "Maja", "Marco", "María", "Mateo", "Mia", "Nadia", "Nina", "Noah", "Olga", "Omar",
    "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Sofia", "Søren",
    "Tomás", "Uma", "Victor", "Yara", "Yusuf", "Zoë", "Ravi", "Mei", "Aiko", "Kwame", "Chiara",
    "Ingrid", "Mikko", "Zofia", "Dmitri", "Amélie", "Henrik", "Léa", "Beatriz", "Malik",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Almeida", "Andersen", "Baker", "Becker", "Bianchi", "Brown", "Castro", "Chen",
    "Costa", "Cruz", "Dubois", "Eriksson", "Fernández", "Fischer", "García", "Gómez", "Hansen",
    "Hoffmann", "Ito", "Jensen", "Johansson", "Kim", "Kowalski", "Larsen", "Lee", "López",
    "Martin", "Martínez", "Meyer", "Moreau", "Müller", "Nakamura", "Nielsen", "Novák", "Nowak",
    "Okafor", "Olsen", "Park", "Pereira", "Petit", "Rossi", "Russo", "Santos", "Schmidt",
    "Schneider", "Silva", "Smith", "Souza", "Svensson", "Tanaka", "Taylor", "Thomas", "Virtanen",
    "Wagner", "Walker", "Weber", "Williams", "Wilson", "Yamamoto", "Young", "Zielinski", "Horváth",
    "O'Brien", "Murphy", "Kelly", "Ahmed", "Khan", "Singh", "Patel", "Ivanova", "Popescu",
)  # fmt: skip
BAND_SUFFIXES = ("Band", "Collective", "Trio", "Quartet", "Orchestra", "Ensemble", "Project")
VARIOUS_ARTISTS = PartyRef("various-artists", "Various Artists")
LABEL_SUFFIXES = ("Records", "Music", "Recordings", "Sounds", "Audio", "Label", "Entertainment")


def title(pattern: int, a: int, b: int) -> str:
    """A title in one of seven patterns (0-6) from two word draws."""
    adj, noun = ADJECTIVES[a % len(ADJECTIVES)], NOUNS[b % len(NOUNS)]
    other = NOUNS[(a * 7 + b) % len(NOUNS)]
    if pattern == 0:
        return f"{adj} {noun}"
    if pattern == 1:
        return noun
    if pattern == 2:
        return f"{VERBS[a % len(VERBS)]} the {noun}"
    if pattern == 3:
        return f"{noun} of {other}" if other != noun else f"{noun} of Stars"
    if pattern == 4:
        return f"The {adj} {noun}"
    if pattern == 5:
        return f"{noun} & {other}" if other != noun else f"{noun} & {adj}"
    return f"{adj} {noun} ({VERBS[b % len(VERBS)]})"


def person(index: int) -> tuple[str, str]:
    """The first and last name of person number `index`."""
    return FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]


def plural(noun: str) -> str:
    """The English plural of a noun of the word lists."""
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def unique_key(name: str, used: dict[str, int]) -> str:
    """The slug of `name`, numbered (-2, -3...) after its first use in `used`."""
    base = slugify(name) or "x"
    count = used.get(base, 0) + 1
    used[base] = count
    return base if count == 1 else f"{base}-{count}"


@dataclass(frozen=True, slots=True)
class Names:
    """Stage 7: artist and label parties (Various Artists last among the artists)."""

    artists: list[PartyRef]
    labels: list[PartyRef]


def draw_names(rng: np.random.Generator, n_artists: int, n_labels: int) -> Names:
    """Stage 7 of the catalog: artist names (unique keys), Various Artists last, and label names."""
    used: dict[str, int] = {"various-artists": 1}
    artists: list[PartyRef] = []
    for a, b, c in rng.integers(0, 1 << 30, (n_artists, 3)).tolist():
        name = artist_name(a, b, c)
        artists.append(PartyRef(unique_key(name, used), name))
    artists.append(VARIOUS_ARTISTS)
    used_labels: dict[str, int] = {}
    labels = []
    for a, b, c in rng.integers(0, 1 << 30, (n_labels, 3)).tolist():
        suffix = LABEL_SUFFIXES[c % len(LABEL_SUFFIXES)]
        stem = NOUNS[a % len(NOUNS)]
        if b % 3 == 0:
            stem = f"{ADJECTIVES[b % len(ADJECTIVES)]} {stem}"
        name = f"{stem} {suffix}"
        labels.append(PartyRef(unique_key(name, used_labels), name))
    return Names(artists, labels)


def artist_name(a: int, b: int, c: int) -> str:
    """A person, band or DJ name in one of ten styles from three draws."""
    style = c % 10
    if style <= 3:
        first, last = person(a)
        return f"{first} {last}"
    if style == 4:
        return person(a)[0] + " " + ADJECTIVES[b % len(ADJECTIVES)]
    if style == 5:
        return f"The {ADJECTIVES[a % len(ADJECTIVES)]} {plural(NOUNS[b % len(NOUNS)])}"
    if style == 6:
        return f"The {plural(NOUNS[b % len(NOUNS)])}"
    if style == 7:
        return f"{person(a)[1]} {BAND_SUFFIXES[b % len(BAND_SUFFIXES)]}"
    if style == 8:
        return f"DJ {NOUNS[b % len(NOUNS)]}"
    return f"{ADJECTIVES[a % len(ADJECTIVES)]} {NOUNS[b % len(NOUNS)]}"
