"""Delivery signatures: what a receiver recomputes verifies; anything altered, replayed or forged does not."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from webhooks import signing

SECRET = "whsec_test"


@given(st.binary(max_size=500), st.integers(min_value=0, max_value=2**40))
def test_a_signature_verifies_and_is_the_documented_hmac(body: bytes, t: int) -> None:
    header = signing.signature(SECRET, t, body)
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={expected}"
    assert signing.verify(SECRET, header, body, now=t)


def test_altered_body_other_secret_stale_time_and_junk_are_refused() -> None:
    header = signing.signature(SECRET, 1_000_000, b'{"events":[]}')
    assert not signing.verify(SECRET, header, b'{"events":[1]}', now=1_000_000)
    assert not signing.verify("whsec_other", header, b'{"events":[]}', now=1_000_000)
    assert not signing.verify(SECRET, header, b'{"events":[]}', now=1_000_000 + signing.TOLERANCE_SECONDS + 1)
    assert signing.verify(SECRET, header, b'{"events":[]}', now=1_000_000 + signing.TOLERANCE_SECONDS)
    for junk in ("", "t=x,v1=00", "v1=00", "t=1000000"):
        assert not signing.verify(SECRET, junk, b'{"events":[]}', now=1_000_000)


def test_secrets_are_fresh_and_long() -> None:
    made = {signing.new_secret() for _ in range(50)}
    assert len(made) == 50
    assert all(s.startswith("whsec_") and len(s) >= 40 for s in made)
