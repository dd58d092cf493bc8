"""The blend of learned and cold-start picks (the policy is explained in docs/recommendations.md)."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field

from recommend.serve import MAX_BECAUSE, Scored

COLD_WEIGHT = 0.5
COLD_SHARE = 0.3
COLD_FLOOR = 0.1
MAX_AFFINITY = 3


@dataclass(frozen=True, slots=True)
class Pick:
    """A recommended track key, its blended score and the inputs that led to it."""

    key: str
    score: float
    because: list[str] = field(default_factory=list)
    cold: bool = False


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A catalog neighbour of an input: its key and affinity (3 album or artist, 2 label, 1 genre)."""

    key: str
    affinity: int


def learned(scored: Sequence[Scored]) -> list[Pick]:
    """The model's picks with scores relative to the best (in [0, 1])."""
    top = max((s.score for s in scored), default=0.0)
    return [Pick(s.item_id, _unit(s.score / top) if top > 0 else 0.0, list(s.because)) for s in scored]


def cold(
    neighbours: Mapping[str, Sequence[Neighbour]], inputs: Sequence[str], known: Container[str], limit: int,
) -> list[Pick]:
    """Catalog neighbours of the inputs the model cannot score (any, when it knows no input), strongest first."""
    skip = set(inputs)
    known_too = not any(i in known for i in inputs)
    found: dict[str, tuple[int, list[str]]] = {}
    for seed, rows in neighbours.items():
        for r in rows:
            if r.key in skip or (not known_too and r.key in known):
                continue
            affinity, because = found.get(r.key, (0, []))
            if len(because) < MAX_BECAUSE:
                because.append(seed)
            found[r.key] = (max(affinity, r.affinity), because)
    ordered = sorted(found, key=lambda k: (-found[k][0], -len(found[k][1])))[:limit]
    return [Pick(k, COLD_WEIGHT * found[k][0] / MAX_AFFINITY, found[k][1], cold=True) for k in ordered]


def blend(learned: list[Pick], cold: list[Pick], want: int) -> list[Pick]:
    """Both lists by score; the best cold picks hold COLD_FLOOR of the slots, cold picks at most
    COLD_SHARE of them while learned ones last."""
    floor = min(len(cold), want, max(1, int(COLD_FLOOR * want)))
    cold_left = max(floor, int(COLD_SHARE * want)) - floor
    chosen, spare = cold[:floor], []
    for pick in sorted(learned + cold[floor:], key=lambda p: -p.score):
        if len(chosen) == want:
            break
        if pick.cold and cold_left == 0:
            spare.append(pick)
            continue
        cold_left -= pick.cold
        chosen.append(pick)
    chosen += spare[: want - len(chosen)]
    return sorted(chosen, key=lambda p: -p.score)


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)
