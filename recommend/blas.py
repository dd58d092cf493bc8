"""How many threads the BLAS library under numpy and scipy may use."""

from __future__ import annotations

import scipy.linalg  # noqa: F401  # loads scipy's own BLAS so the limits reach it too
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]


def one_thread() -> threadpool_limits:
    """A context in which BLAS runs single-threaded (implicit's training wants this)."""
    return threadpool_limits(1, "blas")


def serve_single_threaded() -> None:
    """Limit BLAS to one thread for the rest of the process.

    Serving does many small products, one request per core; a threaded BLAS spins its threads
    against each other and against the server's, which made one top-10 20x slower under load.
    """
    threadpool_limits(1, "blas")
