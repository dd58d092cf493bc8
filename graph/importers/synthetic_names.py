"""Generated names: the word lists and the titles, people and keys built from them."""

from __future__ import annotations

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
LABEL_SUFFIXES = ("Records", "Music", "Recordings", "Sounds", "Audio", "Label", "Entertainment")


def _title(pattern: int, a: int, b: int) -> str:
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


def _person(index: int) -> tuple[str, str]:
    return FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _unique_key(name: str, used: dict[str, int]) -> str:
    base = slugify(name) or "x"
    count = used.get(base, 0) + 1
    used[base] = count
    return base if count == 1 else f"{base}-{count}"
