"""Choosing where ALS trains: the GPU when asked or found, the CPU otherwise; a GPU asked for and absent is an error."""

from __future__ import annotations

import pytest

from recommend import device


@pytest.mark.parametrize(("requested", "has_cuda", "chosen"), [
    ("auto", True, "gpu"), ("auto", False, "cpu"), ("cpu", True, "cpu"), ("cpu", False, "cpu"), ("gpu", True, "gpu"),
])
def test_choice(requested: str, has_cuda: bool, chosen: str) -> None:
    assert device.choose(requested, has_cuda) == chosen


def test_a_gpu_asked_for_without_cuda_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="HAS_CUDA"):
        device.choose("gpu", has_cuda=False)


def test_an_unknown_device_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'tpu'"):
        device.choose("tpu", has_cuda=True)


def test_cuda_availability_is_what_implicit_reports() -> None:
    import implicit.gpu

    assert device.cuda_available() is bool(implicit.gpu.HAS_CUDA)
