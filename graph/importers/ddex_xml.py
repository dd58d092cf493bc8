"""DDEX XML: reading a message file safely, and the element helpers both ERN versions share.

A message comes from outside, so the parser is hardened: no DTD is loaded, no entity is
resolved, nothing is fetched from the network, and libxml2's limits on tree depth and text size
stay on (huge_tree=False). A message that declares a DOCTYPE at all is refused: DDEX messages
never need one, and an entity declaration is how billion-laughs and external-entity attacks begin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""An Audio Album message with a hundred tracks and a deal per territory takes a few MiB at most."""

ERN43 = "http://ddex.net/xml/ern/43"
ERN382 = "http://ddex.net/xml/ern/382"
VERSIONS = {ERN43: "4.3", ERN382: "3.8.2"}
MESSAGE_KINDS = ("NewReleaseMessage", "PurgeReleaseMessage")
_NO_DOCTYPE = "a DOCTYPE is not allowed (DTDs and entity declarations are refused)"


@dataclass(frozen=True, slots=True)
class DdexProblem:
    """One thing wrong with a message: `file:line: field: message`."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}" if self.field else (
            f"{self.file}:{self.line}: {self.message}"
        )


class DdexError(ValueError):
    """Messages rejected whole; `problems` holds every problem found."""

    def __init__(self, problems: list[DdexProblem]) -> None:
        self.problems = list(problems)
        count = len(problems)
        head = f"DDEX import rejected, {count} problem{'' if count == 1 else 's'} (nothing was written):"
        super().__init__("\n".join([head, *(str(p) for p in problems[:1000])]))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed ERN message: its root, kind (NewReleaseMessage...) and version ("4.3", "3.8.2")."""

    file: str
    root: etree._Element
    kind: str
    version: str

    @property
    def namespace(self) -> str:
        """The ERN namespace of the root element."""
        return etree.QName(self.root).namespace or ""


def read_message(path: Path) -> Message:
    """The message in a file, or DdexError when it is not a well-formed ERN 4.3 / 3.8.2 message."""
    name = str(path)
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        raise DdexError([DdexProblem(name, 1, "", f"too large: {size} bytes (at most {MAX_MESSAGE_BYTES})")])
    try:
        tree = etree.parse(str(path), _parser())
    except etree.XMLSyntaxError as exc:
        where = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else 1
        problem = f"not well-formed XML: {exc.msg}"
        if "entity" in str(exc.msg).lower():  # libxml2 stops entity amplification itself
            problem = f"{_NO_DOCTYPE}; the parser stopped: {exc.msg}"
        raise DdexError([DdexProblem(name, where, "", problem)]) from None
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.system_url or docinfo.public_id:
        raise DdexError([DdexProblem(name, 1, "", _NO_DOCTYPE)])
    root = tree.getroot()
    qname = etree.QName(root)
    version = VERSIONS.get(qname.namespace or "")
    if version is None:
        known = ", ".join(VERSIONS)
        raise DdexError([DdexProblem(
            name, line(root), qname.localname,
            f"unsupported namespace {qname.namespace!r} (supported: {known})",
        )])
    if qname.localname not in MESSAGE_KINDS:
        raise DdexError([DdexProblem(
            name, line(root), qname.localname,
            f"unsupported message (supported: {', '.join(MESSAGE_KINDS)})",
        )])
    declared = root.get("MessageSchemaVersionId")
    if declared is not None and declared.strip().removeprefix("/") not in (
        f"ern/{version.replace('.', '')}", version
    ):
        raise DdexError([DdexProblem(
            name, line(root), "MessageSchemaVersionId",
            f"says {declared!r} but the namespace is ERN {version}",
        )])
    return Message(name, root, qname.localname, version)


def _named(element: etree._Element, name: str) -> bool:
    # ERN's children are unqualified; some senders put them in the message namespace instead.
    if not isinstance(element.tag, str):
        return False
    qname = etree.QName(element)
    return qname.localname == name and qname.namespace in (None, ERN43, ERN382)


def kids(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """The child elements of a name."""
    if element is None:
        return iter(())
    return (child for child in element if _named(child, name))


def kid(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down a path of child names, or None."""
    for name in path:
        element = next(kids(element, name), None)
        if element is None:
            return None
    return element


def text(element: etree._Element | None, *path: str) -> str | None:
    """The stripped text of the element down a path, or None when absent or blank."""
    found = kid(element, *path)
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def line(element: etree._Element | None, default: int = 1) -> int:
    """The source line of an element."""
    number = element.sourceline if element is not None else None
    return number if isinstance(number, int) and number > 0 else default
