"""Safe XML parsing for everything a source sends: no DTDs, no entities, no external references.

arXiv's OAI-PMH and Atom responses never declare a DTD, so any document that does is refused outright: that
stops entity-expansion bombs ("billion laughs") and external-entity reads before they start.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dailypapers.sources.http import SourceError


class MalformedXml(SourceError):
    """The response is not the well-formed XML document we expected."""


def parse_xml(data: bytes, where: str) -> Element:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedXml(f"{where}: not valid UTF-8 (byte {exc.start}: {exc.reason})") from exc
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MalformedXml(f"{where}: refused a document with a DTD or entity declarations ({exc})") from exc
    except ParseError as exc:
        line, column = exc.position
        raise MalformedXml(f"{where}: malformed or truncated XML at line {line}, column {column}") from exc


def local_name(tag: str) -> str:
    """``{namespace}name`` -> ``name``: tolerates documents whose namespace declarations were lost."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: Element, name: str) -> str | None:
    """Text of the first child called ``name`` (any namespace), or None."""
    for child in element:
        if local_name(child.tag) == name:
            return "".join(child.itertext())
    return None


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local_name(child.tag) == name]
