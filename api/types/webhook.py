"""Partner webhooks: register an endpoint, read its delivery log, resume it after a pause."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.auth import ROYALTIES_READ, Viewer, require_viewer
from api.context import Info
from api.errors import ApiError, Code, bad_argument
from api.ids import key_of, to_global
from api.types.change import CATALOG_READ
from graph import webhooks as hooks
from graph.changes import cursor_of
from graph.webhooks import MAX_ENDPOINTS, Endpoint, Event
from webhooks.signing import HEADER, new_secret
from webhooks.targets import TargetError, check_target

MAX_DELIVERIES = 100


@strawberry.enum(description="What a webhook endpoint is sent.")
class WebhookEvent(Enum):
    RELEASE_CHANGES = strawberry.enum_value(
        "RELEASE_CHANGES", description="Every catalogChanges change of the token's labels (needs `catalog:read`)."
    )
    SALES = strawberry.enum_value(
        "SALES", description="Every sale of the token's labels' releases (needs `royalties:read` and a `labels` "
        "claim, or `admin`)."
    )


@strawberry.enum(description="Whether an endpoint is being delivered to.")
class WebhookState(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Delivered to (retried with backoff after failures).")
    PAUSED = strawberry.enum_value("PAUSED", description="Failed for a day; nothing is sent until resumeWebhook.")


@strawberry.type(description="An HTTPS endpoint a partner registered.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Its global ID.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    events: list[WebhookEvent] = strawberry.field(description="What it is sent.")
    labels: list[str] | None = strawberry.field(description="The label keys it sees; null: every label.")
    state: WebhookState = strawberry.field(description="Whether it is being delivered to.")
    failing_since: datetime | None = strawberry.field(description="Since when every delivery failed; null if well.")
    last_error: str | None = strawberry.field(description="Why the last delivery failed, if it did.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def of(cls, endpoint: Endpoint) -> WebhookEndpoint:
        """The GraphQL view of a stored endpoint (never its secret)."""
        return cls(
            id=strawberry.ID(to_global("WebhookEndpoint", endpoint.key)), url=endpoint.url,
            events=[WebhookEvent[e.value] for e in endpoint.events],
            labels=None if endpoint.labels is None else sorted(endpoint.labels),
            state=WebhookState[endpoint.state.value], failing_since=endpoint.failing_since,
            last_error=endpoint.last_error if endpoint.failing_since else None, created_at=endpoint.created_at,
        )


@strawberry.type(description="A new endpoint and its signing secret, which is shown only this once.")
class WebhookRegistration:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description=f"Verify each delivery's `{HEADER}: t=<unix>,v1=<hex>` header: v1 is HMAC-SHA256 with this "
        "secret over `<t>.<raw body>`; refuse a t more than 5 minutes off."
    )


@strawberry.type(description="One attempt to deliver a run of events.")
class WebhookDelivery:
    at: datetime = strawberry.field(description="When it was sent.")
    ok: bool = strawberry.field(description="The endpoint answered 2xx.")
    status: int | None = strawberry.field(description="The HTTP status answered; null if none (timeout, refused).")
    error: str | None = strawberry.field(description="Why it failed; null when ok.")
    events: int = strawberry.field(description="How many events it carried.")
    first_event: str = strawberry.field(description="The id (catalogChanges cursor) of its first event.")
    last_event: str = strawberry.field(description="The id of its last event.")
    attempt: int = strawberry.field(description="1 for the first try of these events, then 2, 3, ...")
    duration_ms: int = strawberry.field(description="How long the endpoint took to answer.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> WebhookDelivery:
        """The GraphQL view of a logged attempt."""
        return cls(
            at=row["at"], ok=row["ok"], status=row.get("status"), error=row.get("error"), events=row["events"],
            first_event=cursor_of(int(row["firstSeq"])), last_event=cursor_of(int(row["lastSeq"])),
            attempt=row["attempt"], duration_ms=row["durationMs"],
        )


def _labels_for(viewer: Viewer, events: list[WebhookEvent]) -> frozenset[str] | None:
    """The labels the endpoint will see; FORBIDDEN for an event the token may not subscribe to."""
    if viewer.is_admin:
        return None
    if WebhookEvent.RELEASE_CHANGES in events and CATALOG_READ not in viewer.scopes:
        raise ApiError(Code.FORBIDDEN, f"events: RELEASE_CHANGES needs the {CATALOG_READ!r} scope.")
    if WebhookEvent.SALES in events and (ROYALTIES_READ not in viewer.scopes or not viewer.labels):
        raise ApiError(Code.FORBIDDEN, f"events: SALES needs the {ROYALTIES_READ!r} scope and a `labels` claim.")
    return viewer.labels or None


async def _owned(info: Info, endpoint: strawberry.ID, argument: str = "endpoint") -> Endpoint:
    """The viewer's own endpoint (admin: any); FORBIDDEN otherwise, absent ones too (no probing)."""
    viewer = require_viewer(info.context.viewer)
    found = await hooks.find(info.context.graph, key_of(endpoint, "WebhookEndpoint", argument))
    if found is None or not (viewer.is_admin or found.owner == viewer.subject):
        raise ApiError(Code.FORBIDDEN, f"{argument}: not a webhook endpoint of this token.")
    return found


@strawberry.type
class WebhookQuery:
    """The viewer's webhook endpoints and their delivery log."""

    @strawberry.field(description="The endpoints this token's subject registered.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        viewer = require_viewer(info.context.viewer)
        return [WebhookEndpoint.of(e) for e in await hooks.owned(info.context.graph, viewer.subject)]

    @strawberry.field(description="An endpoint's delivery attempts, newest first (kept as long as changes are).")
    async def webhook_deliveries(
        self, info: Info,
        endpoint: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's ID.")],
        first: Annotated[int, strawberry.argument(description=f"How many, 1..{MAX_DELIVERIES}.")] = 20,
    ) -> list[WebhookDelivery]:
        if not 1 <= first <= MAX_DELIVERIES:
            raise bad_argument("first", f"must be 1..{MAX_DELIVERIES}, got {first}")
        found = await _owned(info, endpoint)
        return [WebhookDelivery.of(r) for r in await hooks.deliveries(info.context.graph, found.key, first)]


@strawberry.type
class WebhookMutation:
    """Registering, resuming and removing webhook endpoints."""

    @strawberry.mutation(
        description="Register an HTTPS endpoint for events of the token's labels; it is sent what changes from "
        "now on, signed, in order, at least once (dedupe on event id). The secret is returned only here."
    )
    async def register_webhook(
        self, info: Info,
        url: Annotated[str, strawberry.argument(description="An https:// URL on a public address.")],
        events: Annotated[list[WebhookEvent], strawberry.argument(description="What to send; not empty.")],
    ) -> WebhookRegistration:
        viewer = require_viewer(info.context.viewer)
        if not events:
            raise bad_argument("events", "name at least one event")
        labels = _labels_for(viewer, events)
        settings = info.context.services.settings
        try:
            await check_target(url, settings.webhooks_allow_loopback)
        except TargetError as exc:
            raise bad_argument("url", str(exc)) from None
        secret = new_secret()
        chosen = [Event(e.name) for e in dict.fromkeys(events)]
        stored = await hooks.register(info.context.graph, uuid.uuid4().hex, viewer.subject, url, chosen, labels,
                                      secret, info.context.now)
        if stored is None:
            raise ApiError(Code.BAD_REQUEST, f"A token subject may register at most {MAX_ENDPOINTS} endpoints.")
        return WebhookRegistration(endpoint=WebhookEndpoint.of(stored), secret=secret)

    @strawberry.mutation(description="Deliver to a paused endpoint again, from the first event it has not taken.")
    async def resume_webhook(
        self, info: Info, endpoint: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's ID.")]
    ) -> WebhookEndpoint:
        found = await _owned(info, endpoint)
        resumed = await hooks.resume(info.context.graph, found.key, info.context.now)
        if resumed is None:
            raise ApiError(Code.NOT_FOUND, "endpoint: it was removed meanwhile.")
        return WebhookEndpoint.of(resumed)

    @strawberry.mutation(description="Stop and delete an endpoint and its delivery log; true when done.")
    async def remove_webhook(
        self, info: Info, endpoint: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's ID.")]
    ) -> bool:
        found = await _owned(info, endpoint)
        await hooks.remove(info.context.graph, found.key)
        return True
