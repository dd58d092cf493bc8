"""Demo album covers drawn with Pillow: colours and shapes from a hash of the album, its title and artist.

A cover's content version (a hash of everything drawn) goes into its URL, so the URL can be cached
forever: a new title or artist makes a new URL, never new bytes under an old one.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from delivery.files import file_stem, write_whole

SIZES = (100, 300, 600, 1200)
"""The square sizes served, in pixels."""
CANVAS = 1200
STYLE = "cover-v1"
"""Changes whenever the drawing changes, so that every URL changes with it."""
QUALITY = 88


@dataclass(frozen=True, slots=True)
class Cover:
    """What a cover shows."""

    album_key: str
    title: str
    artist: str

    @property
    def version(self) -> str:
        """The content version: a hash of the style and everything drawn."""
        text = "\u0000".join((STYLE, self.album_key, self.title, self.artist))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _colour(seed: bytes) -> tuple[int, int, int]:
    return seed[0], seed[1], seed[2]


def draw(cover: Cover) -> Image.Image:
    """The cover at full size."""
    seed = hashlib.sha256(f"{cover.album_key}\u0000{cover.title}\u0000{cover.artist}".encode()).digest()
    top, bottom = _colour(seed[0:3]), _colour(seed[3:6])
    image = Image.linear_gradient("L").resize((CANVAS, CANVAS))
    image = Image.composite(Image.new("RGB", image.size, bottom), Image.new("RGB", image.size, top), image)
    pen = ImageDraw.Draw(image)
    for i in range(4):
        x, y, r = seed[6 + i] * 4, seed[10 + i] * 4, 80 + seed[14 + i] * 2
        pen.ellipse((x - r, y - r, x + r, y + r), outline=_colour(seed[18 + i:21 + i]), width=12 + seed[22 + i] % 24)
    pen.rectangle((0, CANVAS - 330, CANVAS, CANVAS), fill=(0, 0, 0))
    title_font = ImageFont.load_default(size=84)
    artist_font = ImageFont.load_default(size=60)
    title = "\n".join(textwrap.wrap(textwrap.shorten(cover.title, 46, placeholder="…"), 23)[:2])
    pen.multiline_text((60, CANVAS - 300), title, font=title_font, fill=(255, 255, 255))
    pen.text((60, CANVAS - 100), textwrap.shorten(cover.artist, 34, placeholder="…"), font=artist_font,
             fill=(210, 210, 210))
    return image


def jpeg(cover: Cover, size: int) -> bytes:
    """The cover as a JPEG of `size` × `size` pixels."""
    image = draw(cover)
    if size != CANVAS:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def cached_jpeg(root: Path, cover: Cover, size: int) -> Path:
    """The cover's JPEG file of `size`, drawn once and kept under `root` (blocking)."""
    path = root / file_stem(cover.album_key) / f"{cover.version}-{size}.jpg"
    if not path.is_file():
        data = jpeg(cover, size)
        write_whole(path, lambda partial: partial.write_bytes(data))
    return path
