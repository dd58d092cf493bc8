"""Demo masters: a few seconds of a chord whose notes come from a hash of the track key.

The demo stores (Chinook, synthetic) have no audio; these stand in for it so that every path of
delivery works. The same key always gives the same bytes (no dither, no clock, no randomness).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

RATE = 44_100
DEMO_SECONDS = 8.0
FRAME = 4096
SCALES = ((0, 4, 7, 11), (0, 3, 7, 10), (0, 4, 7, 9), (0, 5, 7, 10))
"""Major 7th, minor 7th, 6th and sus4 chords: the hash picks one, and its root."""


def chord_of(key: str) -> list[float]:
    """The chord's frequencies in Hz, from the key's hash."""
    digest = hashlib.sha256(key.encode()).digest()
    root = 45 + digest[0] % 24  # MIDI A2..G#4
    return [440.0 * 2 ** ((root + step - 69) / 12) for step in SCALES[digest[1] % len(SCALES)]]


def samples(key: str, seconds: float) -> npt.NDArray[np.int16]:
    """Stereo 16-bit samples, shape (frames, 2): the chord with a soft attack and slow fade."""
    t = np.arange(int(RATE * seconds)) / RATE
    notes = chord_of(key)
    tones = [np.sin(2 * np.pi * f * t) for f in notes]
    even, odd = sum(tones[::2]), sum(tones[1::2])
    left, right = even + 0.6 * odd, 0.6 * even + odd  # a little stereo spread
    envelope = np.minimum(1.0, t / 0.05) * np.exp(-t / max(seconds, 1.0))
    stereo = np.stack([left, right], axis=1) * (envelope / len(notes))[:, None]
    return np.round(stereo * 32767 * 0.8).astype(np.int16)


def write_master(key: str, path: Path, seconds: float = DEMO_SECONDS) -> None:
    """Write the key's demo master: FLAC, 16-bit, 44.1 kHz, stereo."""
    pcm = samples(key, seconds)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="stereo")
        stream.format = "s16"
        for start in range(0, len(pcm), FRAME):
            chunk = np.ascontiguousarray(pcm[start:start + FRAME]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate = RATE
            frame.pts = start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
