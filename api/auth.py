"""Bearer tokens: who the caller is, what they may do, and the checks resolvers ask for.

A token is an HS256 JWT signed with TUNEGRAPH_JWT_SECRET. `sub` is a Customer's global ID (a
customer token) or any other string (a partner token); `scope` is space-separated; `exp` is
honoured when present (a token without `exp` does not expire); `labels`, on a partner token, lists
the label keys whose data it may see (admin sees all); `rateLimit` (query cost per minute) sets the
caller's budget, capped by TUNEGRAPH_RATE_LIMIT_MAX. The token is parsed once per
request; a bad token fails the whole request with UNAUTHENTICATED, even a catalog-only one.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.bytecache import ByteLRU
from api.errors import ApiError, Code

ALGORITHM = "HS256"
ADMIN = "admin"
PURCHASES_WRITE = "purchases:write"
ROYALTIES_READ = "royalties:read"
CUSTOMER_PREFIX = "Customer:"
SCOPES = {
    PURCHASES_WRITE: "buy with the `purchase` mutation (a customer token)",
    ROYALTIES_READ: "read `royaltyStatement` (usually a partner token)",
    ADMIN: "read any customer and purchase through `node(id:)`",
}
"""Every scope the API knows, and what it allows."""
MAX_LABELS_CLAIM = 1000
"""Label keys one token may name."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller named by a valid bearer token."""

    subject: str
    scopes: frozenset[str]
    customer_key: str | None
    labels: frozenset[str] = frozenset()
    """Label keys a partner token may see (its `labels` claim); empty for other tokens."""
    rate_limit: int | None = None
    """Query cost per minute its `rateLimit` claim asks for; None: the configured budget."""

    @property
    def is_admin(self) -> bool:
        """The token carries the `admin` scope."""
        return ADMIN in self.scopes

    def may_read_customer(self, customer_key: str) -> bool:
        """The customer themself, or an admin."""
        return self.is_admin or self.customer_key == customer_key

    def may_read_label(self, label_key: str) -> bool:
        """A partner token naming the label, or an admin."""
        return self.is_admin or label_key in self.labels


def _unauthenticated(problem: str) -> ApiError:
    return ApiError(Code.UNAUTHENTICATED, f"Bearer token rejected: {problem}.")


def customer_key(subject: str) -> str | None:
    """The key of the customer a Customer global ID names; None for any other string."""
    try:
        decoded = base64.b64decode(subject.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    key = decoded.removeprefix(CUSTOMER_PREFIX)
    return key if decoded.startswith(CUSTOMER_PREFIX) and key else None


@dataclass(frozen=True, slots=True)
class _Verified:
    viewer: Viewer
    not_before: float
    """The latest of `nbf` and `iat`: the token is refused before then."""
    expires: float


VERIFIED: ByteLRU[tuple[str, str], _Verified] = ByteLRU(4 * 1024 * 1024, 64 * 1024, 8192)
"""Tokens whose signature and claims were checked, by (secret, token): a signed-in storefront sends the same
token with every request, and its HMAC check and claim parsing were a third of a held panel's CPU."""
clock = time.time


def viewer_from_token(token: str, secret: str) -> Viewer:
    """The Viewer a token names; ApiError(UNAUTHENTICATED) saying what is wrong with it."""
    found = VERIFIED.get((secret, token))
    if found is not None and found.not_before <= clock() < found.expires:
        return found.viewer
    viewer, claims = _verify(token, secret)
    # As PyJWT read them (it checked that they read as integers): refused before the later of the two, and from `exp`.
    times = [int(claims[c]) for c in ("nbf", "iat") if c in claims]
    expires = int(claims["exp"]) if "exp" in claims else math.inf
    VERIFIED.put((secret, token), _Verified(viewer, max(times, default=-math.inf), expires), 2 * len(token) + 600)
    return viewer


def _verify(token: str, secret: str) -> tuple[Viewer, dict[str, Any]]:
    """The Viewer a token names and its claims, by PyJWT's checks; ApiError(UNAUTHENTICATED) otherwise."""
    try:
        # The secret's length is the operator's choice (TUNEGRAPH_JWT_SECRET), not the caller's:
        # PyJWT's per-token warning about short keys would only flood the logs.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims: dict[str, Any] = jwt.decode(
                token, secret, algorithms=[ALGORITHM], options={"require": ["sub"], "verify_aud": False}
            )
    except jwt.ExpiredSignatureError:
        raise _unauthenticated("the token has expired") from None
    except jwt.InvalidSignatureError:
        raise _unauthenticated("the signature does not match (forged or signed with another secret)") from None
    except jwt.InvalidAlgorithmError:
        raise _unauthenticated(f"only {ALGORITHM} tokens are accepted") from None
    except jwt.MissingRequiredClaimError as exc:
        raise _unauthenticated(f"the token has no {exc.claim!r} claim") from None
    except jwt.InvalidTokenError as exc:
        raise _unauthenticated(f"malformed token ({exc})") from None
    subject, scope = claims["sub"], claims.get("scope", "")
    if not isinstance(subject, str) or not subject or not isinstance(scope, str):
        raise _unauthenticated("`sub` must be a non-empty string and `scope` a string")
    viewer = Viewer(subject, frozenset(scope.split()), customer_key(subject), _labels(claims.get("labels")),
                    _rate_limit(claims.get("rateLimit")))
    return viewer, claims


def _labels(claim: Any) -> frozenset[str]:
    """The `labels` claim: absent, or a list of label keys."""
    if claim is None:
        return frozenset()
    if not isinstance(claim, list) or not all(isinstance(k, str) and k for k in claim):
        raise _unauthenticated("`labels` must be a list of label keys")
    if len(claim) > MAX_LABELS_CLAIM:
        raise _unauthenticated(f"`labels` may name at most {MAX_LABELS_CLAIM} labels")
    return frozenset(claim)


def _rate_limit(claim: Any) -> int | None:
    """The `rateLimit` claim: absent, or a positive whole number (a JSON true is no number here)."""
    if claim is not None and (type(claim) is not int or claim <= 0):
        raise _unauthenticated("`rateLimit` must be a positive whole number (query cost per minute)")
    return claim


def issue_token(
    secret: str, subject: str, scopes: Iterable[str], lifetime: timedelta | None, rate_limit: int | None = None,
    labels: Sequence[str] = (),
) -> str:
    """A signed HS256 token for `subject` (a Customer's global ID, or a partner's name); no `exp` if no lifetime."""
    claims: dict[str, Any] = {"sub": subject, "scope": " ".join(scopes), "iat": int(time.time())}
    if rate_limit is not None:
        claims["rateLimit"] = rate_limit
    if labels:
        claims["labels"] = list(labels)
    if lifetime is not None:
        claims["exp"] = claims["iat"] + int(lifetime.total_seconds())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm=ALGORITHM)


def caller_from_headers(headers: Mapping[str, str], secret: str) -> tuple[Viewer | None, ApiError | None]:
    """(viewer, why the token was rejected) of a request's Authorization header; both None without one."""
    header = headers.get("authorization")
    if header is None or not header.strip():
        return None, None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, _unauthenticated("the Authorization header must be `Bearer <JWT>`")
    try:
        return viewer_from_token(token.strip(), secret), None
    except ApiError as exc:
        return None, exc


def require_viewer(viewer: Viewer | None) -> Viewer:
    """The viewer, or UNAUTHENTICATED when the request carries no token."""
    if viewer is None:
        raise ApiError(Code.UNAUTHENTICATED, "This needs a bearer token (Authorization: Bearer <JWT>).")
    return viewer


def require_scope(viewer: Viewer | None, scope: str) -> Viewer:
    """The viewer, if its token carries `scope`; UNAUTHENTICATED / FORBIDDEN otherwise."""
    found = require_viewer(viewer)
    if scope not in found.scopes:
        raise ApiError(Code.FORBIDDEN, f"This needs the {scope!r} scope.", scope=scope)
    return found


def require_customer(viewer: Viewer | None, scope: str | None = None) -> str:
    """The key of the customer a customer token names (with `scope`, if given)."""
    found = require_scope(viewer, scope) if scope else require_viewer(viewer)
    if found.customer_key is None:
        raise ApiError(
            Code.FORBIDDEN,
            f"The token's subject {found.subject!r} is not a customer (a partner token): this needs a customer "
            "token, whose `sub` is a Customer's global ID.",
        )
    return found.customer_key


def require_label(viewer: Viewer | None, scope: str, label_key: str) -> Viewer:
    """The viewer, if it has `scope` and may read the label; FORBIDDEN otherwise.

    The refusal is the same whether or not the label exists, so a partner cannot probe for labels.
    """
    found = require_scope(viewer, scope)
    if found.may_read_label(label_key):
        return found
    if not found.labels:
        raise ApiError(Code.FORBIDDEN, "This token names no labels (no `labels` claim): it may read no label's data.")
    raise ApiError(Code.FORBIDDEN, f"This token may not read label {label_key!r} (not in its `labels` claim).",
                   label=label_key)


def unknown_customer() -> ApiError:
    """UNAUTHENTICATED for a customer token naming no customer (deleted, or from another store)."""
    return ApiError(Code.UNAUTHENTICATED, "The token names a customer that does not exist.")


def forbidden_record(type_name: str) -> ApiError:
    """FORBIDDEN for a customer's record the viewer may not read (absent ones too: no probing)."""
    return ApiError(Code.FORBIDDEN, f"This {type_name} belongs to another customer.")


class TokenGate(SchemaExtension):
    """Fail the request with UNAUTHENTICATED before execution when its bearer token is bad."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        rejected = getattr(context, "token_error", None)
        if rejected is not None:
            error = GraphQLError(rejected.message, original_error=rejected)
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
