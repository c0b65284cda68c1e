"""arXiv OAI-PMH: ``ListRecords`` pages in the ``arXiv`` and ``arXivRaw`` formats, one page at a time.

We walk the resumption tokens ourselves (the protocol loop is a few lines) instead of letting a client library
iterate records, because the harvest must commit each page's records together with the token of the next
page: that is what makes ``kill -9`` followed by a rerun end exactly where a clean run ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from xml.etree.ElementTree import Element

from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id
from dailypapers.papers.records import PaperRecord, clean_abstract, clean_line, split_author_string
from dailypapers.sources.http import SourceClient, SourceError
from dailypapers.sources.xml import child_text, children, local_name, parse_xml
from dailypapers.text import whole_number


class MetadataFormat(StrEnum):
    arxiv = "arXiv"  # structured authors, v1 and last-version dates
    arxiv_raw = "arXivRaw"  # every version with its date, authors as one string


class ResumptionTokenExpired(SourceError):
    """The server no longer knows our resumption token (arXiv's expire after a while)."""


@dataclass
class OaiPage:
    records: list[PaperRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "id: reason" for records we could not map
    token: str | None = None
    complete_list_size: int | None = None


def parse_list_records(data: bytes, where: str, fmt: MetadataFormat) -> OaiPage:
    """Map one ListRecords response; OAI errors become SourceError (or an empty last page for noRecordsMatch)."""
    root = parse_xml(data, where)
    if local_name(root.tag) != "OAI-PMH":
        raise SourceError(f"{where}: not an OAI-PMH response (root element <{local_name(root.tag)}>)")
    for error in children(root, "error"):
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return OaiPage()
        message = f"{where}: OAI-PMH error {code}: {(error.text or '').strip()}"
        if code == "badResumptionToken":
            raise ResumptionTokenExpired(message)
        raise SourceError(message)
    lists = children(root, "ListRecords")
    if not lists:
        raise SourceError(f"{where}: OAI-PMH response without <ListRecords>")
    page = OaiPage()
    for record in children(lists[0], "record"):
        _add_record(page, record, fmt)
    tokens = children(lists[0], "resumptionToken")
    if tokens:
        page.token = (tokens[0].text or "").strip() or None
        size = tokens[0].get("completeListSize")
        page.complete_list_size = whole_number(size)
    return page


def _add_record(page: OaiPage, record: Element, fmt: MetadataFormat) -> None:
    header = children(record, "header")
    identifier = (child_text(header[0], "identifier") or "?") if header else "?"
    if header and header[0].get("status") == "deleted":
        page.deleted.append(identifier)
        return
    metadata = children(record, "metadata")
    inner = list(metadata[0]) if metadata else []
    if not inner:
        page.failed.append(f"{identifier}: record without metadata")
        return
    try:
        mapper = parse_arxiv if fmt is MetadataFormat.arxiv else parse_arxiv_raw
        listed_on = _datestamp(header[0]) if header else None
        page.records.append(dataclasses.replace(mapper(inner[0]), listed_on=listed_on))
    except (ValueError, InvalidArxivId) as exc:
        page.failed.append(f"{identifier}: {exc}")


def _datestamp(header: Element) -> dt.date | None:
    """The header's datestamp; a malformed one only loses the record its announcement day."""
    try:
        return dt.date.fromisoformat((child_text(header, "datestamp") or "").strip()[:10])
    except ValueError:
        return None


def _required(element: Element, name: str) -> str:
    value = child_text(element, name)
    if value is None or not value.strip():
        raise ValueError(f"missing <{name}>")
    return value


def _optional(element: Element, name: str) -> str | None:
    value = child_text(element, name)
    return clean_line(value) or None if value is not None else None


def _date(text: str | None) -> dt.datetime | None:
    if not text or not text.strip():
        return None
    return dt.datetime.combine(dt.date.fromisoformat(text.strip()), dt.time(), tzinfo=dt.UTC)


def parse_arxiv(meta: Element) -> PaperRecord:
    """The ``arXiv`` format: ``created`` is the v1 date and ``updated`` the latest version's (dates only)."""
    parsed = parse_arxiv_id(_required(meta, "id"))
    authors = []
    for group in children(meta, "authors"):
        for author in children(group, "author"):
            parts = [child_text(author, "forenames"), child_text(author, "keyname"), child_text(author, "suffix")]
            name = clean_line(" ".join(p for p in parts if p))
            if name:
                authors.append(name)
    title = clean_line(_required(meta, "title"))
    return PaperRecord(
        arxiv_id=parsed.id,
        title=title,
        abstract=clean_abstract(child_text(meta, "abstract") or ""),
        authors=tuple(authors),
        comment=_optional(meta, "comments"),
        journal_ref=_optional(meta, "journal-ref"),
        doi=_optional(meta, "doi"),
        categories=tuple((child_text(meta, "categories") or "").split()),
        published_at=_date(child_text(meta, "created")),
        updated_at=_date(child_text(meta, "updated")) or _date(child_text(meta, "created")),
    )


def parse_arxiv_raw(meta: Element) -> PaperRecord:
    """The ``arXivRaw`` format: every version with its submission time."""
    parsed = parse_arxiv_id(_required(meta, "id"))
    versions: list[tuple[int, dt.datetime]] = []
    for version in children(meta, "version"):
        label = version.get("version", "")
        date = child_text(version, "date")
        number = whole_number(label[1:]) if label.startswith("v") else None
        if number is None or not date:
            raise ValueError(f"malformed <version> {label!r}")
        versions.append((number, email.utils.parsedate_to_datetime(date.strip()).astimezone(dt.UTC)))
    versions.sort()
    return PaperRecord(
        arxiv_id=parsed.id,
        title=clean_line(_required(meta, "title")),
        abstract=clean_abstract(child_text(meta, "abstract") or ""),
        authors=split_author_string(child_text(meta, "authors") or ""),
        version=versions[-1][0] if versions else None,
        comment=_optional(meta, "comments"),
        journal_ref=_optional(meta, "journal-ref"),
        doi=_optional(meta, "doi"),
        categories=tuple((child_text(meta, "categories") or "").split()),
        published_at=versions[0][1] if versions else None,
        updated_at=versions[-1][1] if versions else None,
    )


@dataclass(frozen=True)
class HarvestParams:
    fmt: MetadataFormat = MetadataFormat.arxiv
    from_date: dt.date | None = None
    until_date: dt.date | None = None
    set_spec: str | None = None

    def query(self) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.fmt.value}
        if self.from_date:
            params["from"] = self.from_date.isoformat()
        if self.until_date:
            params["until"] = self.until_date.isoformat()
        if self.set_spec:
            params["set"] = self.set_spec
        return params

    @property
    def key(self) -> str:
        parts = [f"oai {self.fmt.value}", f"from={self.from_date or ''}", f"until={self.until_date or ''}"]
        return " ".join([*parts, f"set={self.set_spec or ''}"])


class OaiHarvester:
    def __init__(self, client: SourceClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    def fetch_page(self, params: HarvestParams, token: str | None) -> OaiPage:
        query = {"verb": "ListRecords", "resumptionToken": token} if token else params.query()
        where = f"{self.base_url} ({'token ' + token if token else 'first page'})"
        body = self.client.get(self.base_url, query, expect=("xml",))
        return parse_list_records(body, where, params.fmt)

    def pages(self, params: HarvestParams, token: str | None = None) -> Iterator[OaiPage]:
        """Pages from ``token`` (or the start) to the end; each page carries the token of the next."""
        while True:
            page = self.fetch_page(params, token)
            yield page
            if page.token is None:
                return
            token = page.token
