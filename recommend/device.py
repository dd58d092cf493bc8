"""Where ALS training runs: implicit's CUDA path when a GPU is there and wanted, else the CPU."""

from __future__ import annotations

from typing import Literal

Device = Literal["cpu", "gpu"]
Requested = Literal["auto", "cpu", "gpu"]


def cuda_available() -> bool:
    """Whether implicit was built with CUDA and sees a GPU (needs rmm; see README)."""
    import implicit.gpu

    return bool(implicit.gpu.HAS_CUDA)


def choose(requested: str, has_cuda: bool) -> Device:
    """The device for a request: auto takes the GPU when there is one; gpu without one is an error."""
    if requested == "cpu" or (requested == "auto" and not has_cuda):
        return "cpu"
    if requested in ("auto", "gpu"):
        if not has_cuda:
            raise ValueError("device gpu: implicit finds no CUDA GPU (implicit.gpu.HAS_CUDA is false)")
        return "gpu"
    raise ValueError(f"device must be auto, cpu or gpu, got {requested!r}")
