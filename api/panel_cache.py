"""A customer's recommendation panel held per process, for as long as what they own is what it was made from.

A storefront shows a signed-in customer's panel on every page they open. Its inputs are their owned
tracks (most recent first), which the panel's first read fetches anyway: held here with the catalog
neighbours of their newest ones and the answers made from them, so a repeated panel reads only the
owned tracks (no neighbours) and shows what it showed, while any purchase, refund, catalog write,
new model or new day makes a new one. Everything is keyed by the customer's fingerprint
(`graph.panels.fingerprint`), so nothing held ever answers for other inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from api.bytecache import ByteLRU
from graph.panels import Fingerprint, Neighbour, Shown, Taste, fingerprint

if TYPE_CHECKING:
    from api.recommendations import Pick

@dataclass(frozen=True, slots=True)
class HeldTaste:
    """The neighbours read for a customer's inputs, and under which catalog version and day."""

    print_: Fingerprint
    catalog: int
    day: date
    neighbours: dict[str, list[Neighbour]]


@dataclass(frozen=True, slots=True)
class HeldAnswer:
    """A panel as shown and the rows it read, to prime the request's loaders."""

    picks: tuple[Pick, ...]
    shown: tuple[Shown, ...]


AnswerKey = tuple[str, Fingerprint, int | None, int, date, str | None, int]
"""(customer, fingerprint, model version, catalog version, day, territory, size)."""
BodyKey = tuple[str, str | None, bytes, str, str, Fingerprint, int | None, int, date, str | None]
"""(query text, operation name, variables as sorted JSON, base URL, customer, fingerprint, model version,
catalog version, day, the customer's country)."""
BODY_BYTES = 16 * 1024
"""What a held response may average: a panel of ten tracks with their albums is 2-4 KB."""


@dataclass(frozen=True, slots=True)
class HeldBody:
    """A panel request's response as the view encodes `{"data": ...}`, its operation's cost and its expiry."""

    body: bytes
    cost: int
    expires: float
    """Monotonic seconds: it may show bestsellers and popularity, so it is kept like a chart."""


class PanelCache:
    """Each customer's panel inputs' neighbours and the panels made from them, while their fingerprint holds."""

    def __init__(self, entries: int) -> None:
        """Hold at most `entries` customers' inputs and as many panels (least recently used go first)."""
        # Counted, not weighed: a panel is at most a page of rows, its inputs' neighbours ten per seed.
        self.tastes: ByteLRU[str, HeldTaste] = ByteLRU(entries, 1, entries)
        self.answers: ByteLRU[AnswerKey, HeldAnswer] = ByteLRU(entries, 1, entries)
        self.bodies: ByteLRU[BodyKey, HeldBody] = ByteLRU(entries * BODY_BYTES, 4 * BODY_BYTES, entries)

    def known(self, customers: Sequence[str], day: date) -> dict[str, Fingerprint]:
        """The fingerprints of `customers` whose neighbours are held for this day (`complete` checks the catalog)."""
        out: dict[str, Fingerprint] = {}
        for customer in customers:
            held = self.tastes.get(customer)
            if held is not None and held.day == day:
                out[customer] = held.print_
        return out

    def complete(self, customer: str, taste: Taste, day: date) -> Taste | None:
        """A taste read without neighbours (`known`) with the held ones put back; None if they no longer fit."""
        held = self.tastes.get(customer)
        if held is None or (held.print_, held.catalog, held.day) != (fingerprint(taste.inputs), taste.catalog, day):
            return None
        return Taste(taste.customer, taste.inputs, held.neighbours, taste.catalog)

    def keep(self, customer: str, taste: Taste, day: date) -> None:
        """Hold a customer's taste as read with its neighbours."""
        if not taste.known:
            self.tastes.put(customer, HeldTaste(fingerprint(taste.inputs), taste.catalog, day, taste.neighbours), 1)

    def answer(self, key: AnswerKey) -> HeldAnswer | None:
        """The panel made under exactly this key, if held."""
        return self.answers.get(key)

    def keep_answer(self, key: AnswerKey, picks: Sequence[Pick], shown: Mapping[str, Shown]) -> None:
        """Hold a panel and the rows it was shown from."""
        self.answers.put(key, HeldAnswer(tuple(picks), tuple(shown.values())), 1)

    def body(self, key: BodyKey, now: float) -> HeldBody | None:
        """The response held under exactly this key, unless it expired."""
        found = self.bodies.get(key)
        if found is not None and found.expires <= now:
            self.bodies.discard(key)
            return None
        return found

    def keep_body(self, key: BodyKey, held: HeldBody) -> None:
        """Hold a panel request's response."""
        self.bodies.put(key, held, len(held.body) + len(key[0]) + len(key[2]) + 400)
