"""Signed download links: only an untouched, unexpired link of this key verifies."""

from __future__ import annotations

import base64
import json

import pytest

from delivery.signing import MAX_TOKEN, BadLink, Grant, sign, signing_key, verify

KEY = signing_key("secret")
GRANT = Grant("customer-1", "track/../1", "FLAC_16_44", 2_000)


def _payload(token: str) -> list[object]:
    part = token.split(".")[0]
    decoded: list[object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _with_payload(token: str, fields: list[object]) -> str:
    part = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return f"{part}.{token.split('.')[1]}"


def test_a_link_verifies_until_it_expires() -> None:
    token = sign(KEY, GRANT)
    assert verify(KEY, token, now=1_999) == GRANT
    with pytest.raises(BadLink, match="expired"):
        verify(KEY, token, now=2_000)


@pytest.mark.parametrize("field", [0, 1, 2, 3])
def test_changing_any_field_breaks_the_signature(field: int) -> None:
    token = sign(KEY, GRANT)
    fields = _payload(token)
    fields[field] = 9_999_999_999 if field == 3 else "customer-2"
    with pytest.raises(BadLink, match="signature"):
        verify(KEY, _with_payload(token, fields), now=0)


def test_another_secret_or_the_raw_jwt_secret_does_not_verify() -> None:
    token = sign(signing_key("other"), GRANT)
    with pytest.raises(BadLink, match="signature"):
        verify(KEY, token, now=0)
    with pytest.raises(BadLink, match="signature"):
        verify(KEY, sign(b"secret", GRANT), now=0)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "..", "!!!.???", "x" * (MAX_TOKEN + 1)])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(BadLink):
        verify(KEY, token, now=0)
