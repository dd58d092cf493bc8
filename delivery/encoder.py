"""Encoding a master into a sold format (or a preview) with PyAV, in-process.

PyAV bundles FFmpeg's libraries in its wheels: no system ffmpeg to install or keep in step, no
subprocess per download, and errors arrive as Python exceptions. Every call here blocks; callers
run it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream

from delivery.formats import PREVIEW_START, Encoding
from delivery.masters import MasterUnreadable


def encode(master: Path, encoding: Encoding, dest: Path) -> None:
    """Write `master` to `dest` in `encoding`; MasterUnreadable when the master is not audio."""
    try:
        with av.open(str(master)) as source:
            if not source.streams.audio:
                raise MasterUnreadable(f"{master.name} has no audio stream")
            frames = _frames(source, encoding)
            _write(frames, encoding, dest)
    except av.FFmpegError as exc:
        raise MasterUnreadable(f"{master.name} could not be decoded: {exc}") from exc


def _window(source: av.container.InputContainer, encoding: Encoding) -> tuple[float, float]:
    """(start, end) seconds of the master to keep: all of it, or a preview's cut."""
    if encoding.seconds is None:
        return 0.0, float("inf")
    length = (source.duration or 0) / av.time_base
    start = max(0.0, min(length * PREVIEW_START, length - encoding.seconds))
    return start, start + encoding.seconds


def _frames(source: av.container.InputContainer, encoding: Encoding) -> Iterator[AudioFrame]:
    start, end = _window(source, encoding)
    stream = source.streams.audio[0]
    for frame in source.decode(stream):
        at = float(frame.time or 0.0)
        if at + frame.samples / frame.sample_rate <= start:
            continue
        if at >= end:
            break
        yield frame


def _write(frames: Iterator[AudioFrame], encoding: Encoding, dest: Path) -> None:
    options = dict(encoding.container_options)
    with av.open(str(dest), "w", format=encoding.container, options=options) as out:
        stream = out.add_stream(encoding.codec, rate=encoding.sample_rate, layout="stereo")
        assert isinstance(stream, AudioStream)
        stream.format = encoding.sample_format
        if encoding.bit_rate:
            stream.bit_rate = encoding.bit_rate
        resampler = av.AudioResampler(format=encoding.sample_format, layout="stereo", rate=encoding.sample_rate)
        pts = 0
        for frame in frames:
            frame.pts = None
            for converted in resampler.resample(frame):
                pts = _mux(out, stream, converted, pts)
        for converted in resampler.resample(None):
            pts = _mux(out, stream, converted, pts)
        out.mux(stream.encode(None))


def _mux(out: av.container.OutputContainer, stream: AudioStream, frame: AudioFrame, pts: int) -> int:
    frame.pts = pts
    out.mux(stream.encode(frame))
    return pts + frame.samples
