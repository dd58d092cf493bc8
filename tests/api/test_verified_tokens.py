"""Tokens checked once are held by their exact text and secret, and still expire and mature on time."""

from __future__ import annotations

import time

import pytest

from api import auth
from api.errors import ApiError, Code
from tests.store_support import gid, token

SECRET = "held-token-secret"
SUBJECT = gid("Customer", "held-1")


def test_a_held_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    signed = token(SECRET, SUBJECT, ttl=60)
    assert auth.viewer_from_token(signed, SECRET).customer_key == "held-1"
    assert (SECRET, signed) in auth.VERIFIED
    monkeypatch.setattr(auth, "_verify", _refuse)
    assert auth.viewer_from_token(signed, SECRET).customer_key == "held-1"  # held: not checked again
    monkeypatch.setattr(auth, "clock", lambda: time.time() + 61)
    with pytest.raises(ApiError, match="checked again"):
        auth.viewer_from_token(signed, SECRET)


def test_a_held_token_is_refused_before_it_matures(monkeypatch: pytest.MonkeyPatch) -> None:
    signed = token(SECRET, SUBJECT, ttl=None, nbf=int(time.time()) - 5)
    auth.viewer_from_token(signed, SECRET)
    monkeypatch.setattr(auth, "clock", lambda: time.time() - 60)
    monkeypatch.setattr(auth, "_verify", _refuse)
    with pytest.raises(ApiError, match="checked again"):
        auth.viewer_from_token(signed, SECRET)


def test_a_held_token_is_still_bound_to_its_secret() -> None:
    signed = token(SECRET, SUBJECT)
    auth.viewer_from_token(signed, SECRET)
    with pytest.raises(ApiError, match="signature"):
        auth.viewer_from_token(signed, "another-secret")


def test_a_string_expiry_expires_as_pyjwt_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    signed = token(SECRET, SUBJECT, ttl=None, exp=str(int(time.time()) + 60))
    auth.viewer_from_token(signed, SECRET)
    monkeypatch.setattr(auth, "clock", lambda: time.time() + 61)
    monkeypatch.setattr(auth, "_verify", _refuse)
    with pytest.raises(ApiError, match="checked again"):
        auth.viewer_from_token(signed, SECRET)


def _refuse(signed: str, secret: str) -> tuple[auth.Viewer, dict[str, object]]:
    raise ApiError(Code.UNAUTHENTICATED, "checked again")
