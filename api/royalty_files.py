"""A royalty statement as files: a DDEX DSR-style flat file (tab-separated) and a plain CSV.

The flat file follows the record structure of the DDEX Digital Sales Report flat-file standard
(Part 1 architecture, Part 8 record types, Basic Audio Profile, multi-record blocks): one HEAD,
summary records, one block per release, one FOOT. It is a subset, not a certified DSR message:

- `HEAD`: MessageVersion, Profile (BasicAudioProfile), ProfileVersion, MessageId, created
  datetime (RFC 3339, UTC), FileNumber 1 of NumberOfFiles 1, UsageStartDate, UsageEndDate, then
  the sender (party id and name: tunegraph) and the recipient (the label's key and name).
- `SY01` (after SY01.03, basic summary), one per territory: SummaryRecordId, DistributionChannel,
  CommercialModel (PayAsYouGoModel), UseType (PermanentDownload), Territory, Usages (units),
  Currency, Gross (what buyers paid, exact), RoyaltiesDue.
- per release (album) a block: `RE01` (after RE01.03): BlockId, ReleaseReference, DspReleaseId
  (the Album's global ID), ICPN (its UPC), Title; `AS01` (after AS01.03) per track sold:
  BlockId, ResourceReference, DspResourceId (the Track's global ID), ISRC, Title; `SU01` (after
  SU01.03) per track and territory: BlockId, SummaryRecordId (the territory's SY01),
  SalesTransactionId, TransactedResourceReference, IsRoyaltyBearing, SalesUnits, Gross,
  RoyaltiesDue.
- `FOOT`: NumberOfLinesInFile, NumberOfLinesInReport, NumberOfSummaryRecords, NumberOfBlocksInFile,
  NumberOfBlocksInReport.

Cells are tab-separated, one record a line, nothing quoted; a tab or line break inside a title
becomes a space. Amounts are in the statement's one currency with the money semantics of
`royaltyStatement`: every SU01, SY01 and block adds up to the statement's totals to the cent.
The CSV (RFC 4180, header row) is the same sales flat: one row per track and territory; a title
starting with = + - or @ gets a leading ' so that spreadsheets do not run it as a formula.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import date, datetime

from api.ids import to_global
from graph.royalties import Cell, Statement

MESSAGE_VERSION = "dsrf/1.1.2/1.6/1.0"
PROFILE, PROFILE_VERSION = "BasicAudioProfile", "1.3"
SENDER = "tunegraph"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FLATTEN = str.maketrans("\t\r\n", "   ")
CSV_COLUMNS = (
    "currency", "period_start", "period_end", "album_id", "upc", "album_title", "track_id", "isrc",
    "track_title", "territory", "units", "gross", "royalties_due",
)


def dsr_flat_file(statement: Statement, start: date, end: date, created: datetime) -> str:
    """The statement as a DSR-style flat file (see the module docstring for its records)."""
    summaries = {s.key: f"SY{i}" for i, s in enumerate(statement.territories, 1)}
    records: list[list[str]] = [_head(statement, start, end, created)]
    records += [
        ["SY01", summaries[s.key], SENDER, "PayAsYouGoModel", "PermanentDownload", s.key, str(s.units),
         statement.currency, str(s.gross), str(s.royalties_due)]
        for s in statement.territories
    ]
    blocks = _blocks(statement, summaries)
    records += blocks
    block_count = len({r[1] for r in blocks})
    lines = len(records) + 1
    records.append(["FOOT", str(lines), str(lines), str(len(summaries)), str(block_count), str(block_count)])
    return "".join("\t".join(cell.translate(FLATTEN) for cell in record) + "\n" for record in records)


def _head(statement: Statement, start: date, end: date, created: datetime) -> list[str]:
    return [
        "HEAD", MESSAGE_VERSION, PROFILE, PROFILE_VERSION, uuid.uuid4().hex,
        created.strftime("%Y-%m-%dT%H:%M:%SZ"), "1", "1", start.isoformat(), end.isoformat(),
        SENDER, SENDER, statement.label_key, statement.label_name,
    ]


def _blocks(statement: Statement, summaries: dict[str, str]) -> list[list[str]]:
    """RE01, its AS01s and its SU01s per album, albums in the statement's order."""
    cells_of: dict[str, list[Cell]] = {}
    for cell in sorted(statement.cells, key=lambda c: (c.track_key, c.territory)):
        cells_of.setdefault(cell.album_key, []).append(cell)
    records: list[list[str]] = []
    sale = 0
    for b, album in enumerate(statement.albums, 1):
        cells = cells_of[album.key]
        block = f"B{b}"
        first = cells[0]
        records.append(["RE01", block, "R1", to_global("Album", album.key), first.upc or "", first.album_title])
        resources: dict[str, str] = {}
        for cell in cells:
            if cell.track_key not in resources:
                resources[cell.track_key] = f"A{len(resources) + 1}"
                records.append(["AS01", block, resources[cell.track_key], to_global("Track", cell.track_key),
                                cell.isrc or "", cell.track_title])
        for cell in cells:
            sale += 1
            records.append(["SU01", block, summaries[cell.territory], f"S{sale}", resources[cell.track_key],
                            "true", str(cell.units), str(cell.gross), str(cell.royalties_due)])
    return records


def sales_csv(statement: Statement, start: date, end: date) -> str:
    """The statement's sales as CSV: a header row, then one row per track and territory."""
    rows: list[Iterable[str]] = [CSV_COLUMNS]
    rows += [
        [statement.currency, start.isoformat(), end.isoformat(), to_global("Album", c.album_key), c.upc or "",
         _inert(c.album_title), to_global("Track", c.track_key), c.isrc or "", _inert(c.track_title), c.territory,
         str(c.units), str(c.gross), str(c.royalties_due)]
        for c in sorted(statement.cells, key=lambda c: (c.album_key, c.track_key, c.territory))
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _inert(title: str) -> str:
    """A title a spreadsheet will not run as a formula: one starting with = + - @ gets a leading '."""
    return "'" + title if title[:1] in FORMULA_STARTS else title
