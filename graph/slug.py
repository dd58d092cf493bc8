"""URL- and key-safe slugs: `slugify("Alternative & Punk") == "alternative-punk"`.

The slug of a genre's name is its key for every source (Chinook, feeds, synthetic), so this
function must never change for names already in a graph.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus a mark.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "ı": "i",
        "ħ": "h",
    }
)
_SEPARATORS = re.compile(r"[\W_]+")


def slugify(name: str) -> str:
    """Lowercase, diacritics folded, runs of anything but letters and digits -> "-", trimmed.

    "Alternative & Punk" -> "alternative-punk", "R&B/Soul" -> "r-b-soul", "Beyoncé" -> "beyonce".
    Letters of other scripts are kept ("J-ポップ" -> "j-ポップ"), so a non-Latin name still has a
    slug; a name with no letters or digits at all ("!!!") gives "" (callers that need a key
    must reject it).
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", name.casefold()):
        decomposed = unicodedata.normalize("NFKD", char)
        if decomposed.isascii() or decomposed[0].isascii():
            # A Latin letter with marks ("é" -> "e") or a compatibility form ("ﬁ", "½").
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
        else:
            # Other scripts keep their marks: "ポ" is not "ホ".
            out.append(unicodedata.normalize("NFKC", char))
    return _SEPARATORS.sub("-", "".join(out).translate(_FOLD)).strip("-")
