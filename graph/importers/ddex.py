"""`tunegraph import ddex PATH`: DDEX ERN 4.3 / 3.8.2 NewReleaseMessage and PurgeReleaseMessage files.

PATH is one message or a folder of them (`*.xml`, not recursive), taken as one batch in the order
of their MessageCreatedDateTime, then file name. Every message is validated before anything is
written; a batch with any problem writes nothing, and every problem is listed as
`file:line: field: message`. A NewReleaseMessage's main release is mapped onto the catalog feed's
release (`ddex_mapping`) and written through the feed's one write path (`graph.upsert`), one
message per transaction: re-delivering a message changes nothing (content hashes), a deal that
ends is a takedown. A PurgeReleaseMessage takes its release down on the message's date
(`graph.takedown`); purging a release not in the store does nothing.

Mapped: ReleaseId (ICPN, else GRid, else ProprietaryId), ReleaseType, title, display artists,
label, genre and sub-genre, original release date, the sound recordings (ISRC, title, ISO 8601
duration, display artists, composer, disc and track from the ResourceGroup) and the download
deals (`ddex_deals`), the release's P and C lines and ParentalWarningType Explicit. Validated but
not stored (the feed does not carry them yet): a recording's own P line, images (artwork
references), deals of track releases and streaming deals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from graph import takedown
from graph.driver import Graph
from graph.importers import ddex_ern43, ddex_ern382
from graph.importers.ddex_mapping import purge_key, to_release
from graph.importers.ddex_xml import DdexError, DdexProblem, Message, kid, line, read_message, text
from graph.release import Release
from graph.schema import await_search_refresh, ensure_schema
from graph.upsert import UpsertSummary, upsert_releases
from settings import Settings

MAX_MESSAGES = 10_000
"""Messages in one batch: a day's deliveries from a large distributor are a few thousand."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One validated message: a release to write, or the key of a release to take down."""

    file: str
    created: datetime
    release: Release | None = None
    purge: str | None = None


@dataclass(slots=True)
class DdexSummary:
    """What an import did."""

    messages: int = 0
    releases: UpsertSummary = field(default_factory=UpsertSummary)
    purged: int = 0
    purge_unknown: int = 0

    def __str__(self) -> str:
        return (
            f"{self.messages} messages: releases {self.releases}; {self.purged} purged"
            f" ({self.purge_unknown} not in the store)"
        )


def _created(message: Message, report: list[DdexProblem]) -> datetime | None:
    header = kid(message.root, "MessageHeader")
    raw = text(header, "MessageCreatedDateTime")
    where = line(header)
    if raw is None:
        report.append(DdexProblem(message.file, where, "MessageHeader.MessageCreatedDateTime", "is required"))
        return None
    try:
        created = datetime.fromisoformat(raw)
    except ValueError:
        problem = f"not a date-time: {raw!r}"
        report.append(DdexProblem(message.file, where, "MessageHeader.MessageCreatedDateTime", problem))
        return None
    return created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)


def read_delivery(path: Path) -> Delivery:
    """One message validated and mapped, or DdexError listing every problem in it."""
    message = read_message(path)
    problems: list[DdexProblem] = []

    def report(line: int, name: str, problem: str) -> None:
        problems.append(DdexProblem(message.file, line, name, problem))

    created = _created(message, problems)
    reader = ddex_ern43 if message.version == "4.3" else ddex_ern382
    release: Release | None = None
    purge: str | None = None
    if message.kind == "PurgeReleaseMessage":
        purge = purge_key(reader.read_purge(message.root), report)
    elif (ern := reader.read_release(message.root, report)) is not None:
        release = to_release(ern, (created or datetime.now(UTC)).date(), report)
    if problems or created is None:
        raise DdexError(sorted(problems, key=lambda p: p.line))
    return Delivery(message.file, created, release, purge)


def message_files(path: Path) -> list[Path]:
    """The message files of PATH: itself, or a folder's `*.xml` files."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.glob("*.xml") if p.is_file())
    if len(files) > MAX_MESSAGES:
        raise DdexError([DdexProblem(str(path), 1, "", f"too many messages: {len(files)} (at most {MAX_MESSAGES})")])
    return files


def read_deliveries(path: Path) -> list[Delivery]:
    """Every message of PATH validated, in delivery order; DdexError lists the problems of all."""
    deliveries: list[Delivery] = []
    problems: list[DdexProblem] = []
    for file in message_files(path):
        try:
            deliveries.append(read_delivery(file))
        except DdexError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DdexError(problems)
    return sorted(deliveries, key=lambda d: (d.created, Path(d.file).name))


async def load(graph: Graph, deliveries: list[Delivery]) -> DdexSummary:
    """Write validated deliveries in order, each message in its own transaction."""
    await ensure_schema(graph)
    summary = DdexSummary()
    for delivery in deliveries:
        summary.messages += 1
        if delivery.release is not None:
            summary.releases.add(await upsert_releases(graph, [delivery.release]))
        elif delivery.purge is not None:
            done = await takedown.take_down(graph, delivery.purge, _day(delivery.created))
            summary.purged += done.ended
            summary.purge_unknown += not done.found
    await await_search_refresh(graph)
    return summary


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


async def run(settings: Settings, path: Path) -> str:
    """Validate every message of PATH, then import them; the summary says what changed."""
    started = time.perf_counter()
    deliveries = read_deliveries(path)
    graph = Graph.connect(settings)
    try:
        summary = await load(graph, deliveries)
    finally:
        await graph.close()
    return f"ddex {path.name}: {summary} in {time.perf_counter() - started:.1f} s"
