"""Files of the media folder: safe names from keys, cross-process locks, and writes that appear whole."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
PARTIAL_PREFIX = ".partial-"


def file_stem(key: str) -> str:
    """A file name stem for a record key: the key itself when plainly safe, else a hash of it.

    Keys come from feeds and may hold anything ("../x", "a/b", NUL); no key can leave the folder.
    """
    if SAFE_KEY.fullmatch(key):
        return key
    return "h-" + hashlib.sha256(key.encode()).hexdigest()[:40]


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if absent), shared by every process on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_whole(path: Path, produce: Callable[[Path], object]) -> None:
    """Let `produce` write a temporary file beside `path`, then rename it into place.

    Readers see no file or the whole file, never half of one; a failure leaves nothing behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{PARTIAL_PREFIX}{uuid.uuid4().hex}{path.suffix}")
    try:
        produce(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
