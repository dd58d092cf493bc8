"""A customer's recommendation panel held per process, for as long as what they own is what it was made from.

A storefront shows a signed-in customer's panel on every page they open. Its inputs are their owned
tracks (most recent first) and the catalog neighbours of the newest ones: held here with the answers
made from them. Purchases are only ever added, so a customer's count of them tells exactly what they
own: the panel's first read tells that count (a degree, whatever their history), and while it is the
held one the panel shows what it showed. Any purchase, catalog write, new model or new day makes a
new one; nothing held ever answers for other inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from api.bytecache import ByteLRU
from api.response_cache import Entry
from graph.panels import Neighbour, Shown, Taste

if TYPE_CHECKING:
    from api.recommendations import Pick

@dataclass(frozen=True, slots=True)
class HeldTaste:
    """A customer's inputs and their neighbours, read after `purchases` purchases, under a catalog version and day."""

    purchases: int
    catalog: int
    day: date
    inputs: list[str]
    neighbours: dict[str, list[Neighbour]]


@dataclass(frozen=True, slots=True)
class HeldAnswer:
    """A panel as shown and the rows it read, to prime the request's loaders."""

    picks: tuple[Pick, ...]
    shown: tuple[Shown, ...]


AnswerKey = tuple[str, int, int | None, int, date, str | None, int]
"""(customer, purchases, model version, catalog version, day, territory, size)."""
BodyKey = tuple[str, str | None, bytes, str, str, int, int | None, int, date, str | None]
"""(query text, operation name, variables as sorted JSON, base URL, customer, purchases, model version,
catalog version, day, the customer's country)."""
KEY_BYTES = 100
"""What one input key held costs (a track key and its list slot), to weigh a customer's taste."""
TASTE_BYTES = 16 * 1024
"""What a held taste may average: ten seeds' neighbours and a few hundred owned tracks."""
BODY_BYTES = 16 * 1024
"""What a held response may average: a panel of ten tracks with their albums is 2-4 KB."""


class PanelCache:
    """Each customer's panel inputs with their neighbours, and the panels made from them, while their purchases hold."""

    def __init__(self, entries: int) -> None:
        """Hold at most `entries` customers' inputs and as many panels (least recently used go first)."""
        # Tastes are weighed (a customer may own thousands of tracks); a panel is at most a page of rows.
        self.tastes: ByteLRU[str, HeldTaste] = ByteLRU(entries * TASTE_BYTES, entries * TASTE_BYTES // 4, entries)
        self.answers: ByteLRU[AnswerKey, HeldAnswer] = ByteLRU(entries, 1, entries)
        self.bodies: ByteLRU[BodyKey, Entry] = ByteLRU(entries * BODY_BYTES, 4 * BODY_BYTES, entries)

    def known(self, customers: Sequence[str], day: date) -> dict[str, int]:
        """The purchase counts of `customers` whose inputs are held for this day (`complete` checks the catalog)."""
        out: dict[str, int] = {}
        for customer in customers:
            held = self.tastes.get(customer)
            if held is not None and held.day == day:
                out[customer] = held.purchases
        return out

    def complete(self, customer: str, taste: Taste, day: date) -> Taste | None:
        """A taste read without inputs (`known`) with the held ones put back; None if they no longer fit."""
        held = self.tastes.get(customer)
        if held is None or (held.purchases, held.catalog, held.day) != (taste.purchases, taste.catalog, day):
            return None
        return Taste(taste.customer, held.inputs, held.neighbours, taste.catalog, purchases=taste.purchases)

    def keep(self, customer: str, taste: Taste, day: date) -> None:
        """Hold a customer's taste as read whole."""
        if not taste.known:
            held = HeldTaste(taste.purchases, taste.catalog, day, taste.inputs, taste.neighbours)
            size = KEY_BYTES * (len(taste.inputs) + sum(map(len, taste.neighbours.values()))) + 400
            self.tastes.put(customer, held, size)

    def answer(self, key: AnswerKey) -> HeldAnswer | None:
        """The panel made under exactly this key, if held."""
        return self.answers.get(key)

    def keep_answer(self, key: AnswerKey, picks: Sequence[Pick], shown: Mapping[str, Shown]) -> None:
        """Hold a panel and the rows it was shown from."""
        self.answers.put(key, HeldAnswer(tuple(picks), tuple(shown.values())), 1)

    def body(self, key: BodyKey, now: float) -> Entry | None:
        """The response held under exactly this key, unless it expired."""
        found = self.bodies.get(key)
        if found is not None and found.expires <= now:
            self.bodies.discard(key)
            return None
        return found

    def keep_body(self, key: BodyKey, held: Entry) -> None:
        """Hold a panel request's response."""
        self.bodies.put(key, held, len(held.body) + len(key[0]) + len(key[2]) + 400)
