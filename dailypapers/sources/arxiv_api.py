"""The arXiv API (Atom): papers by id, and by category and submission-date range.

Each entry is one version: its ``published`` is the v1 submission time and its ``updated`` the time of the
version returned (the latest unless a version was asked for), so both dates are kept apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from dailypapers.config import Settings
from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id
from dailypapers.papers.records import PaperRecord, clean_abstract, clean_line, parse_timestamp
from dailypapers.sources.http import HttpStatusError, SourceClient, SourceError
from dailypapers.sources.xml import MalformedXml, child_text, children, local_name, parse_xml

# The API's documented maximum per request is 2,000; 100 keeps each response small (~250 kB).
PAGE_SIZE = 100
ARXIV_NS = "{http://arxiv.org/schemas/atom}"


class ArxivApiError(SourceError):
    """The arXiv API refused the query (its Atom error entry says why)."""


@dataclass
class ApiPage:
    records: list[PaperRecord] = field(default_factory=list)
    versions: dict[str, int | None] = field(default_factory=dict)
    total_results: int = 0


def _error_summary(root: Element) -> str | None:
    for entry in children(root, "entry"):
        if "/api/errors" in (child_text(entry, "id") or ""):
            return clean_line(child_text(entry, "summary") or "unknown error")
    return None


def parse_feed(data: bytes, where: str) -> ApiPage:
    root = parse_xml(data, where)
    if local_name(root.tag) != "feed":
        raise SourceError(f"{where}: not an Atom feed (root element <{local_name(root.tag)}>)")
    error = _error_summary(root)
    if error:
        raise ArxivApiError(f"arXiv API refused the query: {error}")
    page = ApiPage(total_results=int(child_text(root, "totalResults") or 0))
    for entry in children(root, "entry"):
        record = parse_entry(entry)
        if record is not None:
            page.records.append(record)
    return page


def parse_entry(entry: Element) -> PaperRecord | None:
    """One Atom entry; None for the empty placeholder entries the legacy API returned for unknown ids."""
    raw_id = child_text(entry, "id") or ""
    title = clean_line(child_text(entry, "title") or "")
    if not raw_id or not title:
        return None
    try:
        parsed = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        raise SourceError(f"arXiv API entry with an unexpected id: {exc}") from exc
    categories = [c.get("term", "") for c in children(entry, "category") if c.get("term")]
    primary = entry.find(f"{ARXIV_NS}primary_category")
    if primary is not None and primary.get("term") in categories:
        categories.remove(primary.get("term", ""))
        categories.insert(0, primary.get("term", ""))
    published = child_text(entry, "published")
    updated = child_text(entry, "updated")
    return PaperRecord(
        arxiv_id=parsed.id,
        title=title,
        abstract=clean_abstract(child_text(entry, "summary") or ""),
        authors=tuple(
            name for author in children(entry, "author") if (name := clean_line(child_text(author, "name") or ""))
        ),
        version=parsed.version,
        comment=_arxiv_field(entry, "comment"),
        journal_ref=_arxiv_field(entry, "journal_ref"),
        doi=_arxiv_field(entry, "doi"),
        categories=tuple(categories),
        published_at=parse_timestamp(published) if published else None,
        updated_at=parse_timestamp(updated) if updated else None,
    )


def _arxiv_field(entry: Element, name: str) -> str | None:
    element = entry.find(f"{ARXIV_NS}{name}")
    if element is None:
        return None
    return clean_line("".join(element.itertext())) or None


class ArxivApiSource:
    """``PaperSource`` over the arXiv API."""

    name = "arxiv"

    def __init__(self, settings: Settings, client: SourceClient | None = None) -> None:
        self.url = settings.arxiv_api_url
        self.client = client or SourceClient(settings, min_interval_seconds=settings.arxiv_delay_seconds)

    def close(self) -> None:
        self.client.close()

    def _query(self, params: dict[str, str | int]) -> ApiPage:
        try:
            body = self.client.get(self.url, params, expect=("xml",))
        except HttpStatusError as exc:
            if 400 <= exc.status < 500:
                try:  # the API explains 4xx in an Atom error entry
                    parse_feed(exc.body, self.url)
                except ArxivApiError as explained:
                    raise explained from exc
                except (SourceError, MalformedXml):
                    pass
            raise
        return parse_feed(body, self.url)

    def fetch(self, arxiv_ids: Sequence[str]) -> list[PaperRecord]:
        """Latest metadata for the given ids (any form parse_arxiv_id accepts); unknown ids are left out."""
        ids = [parse_arxiv_id(i) for i in arxiv_ids]
        records: list[PaperRecord] = []
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ",".join(str(i) for i in ids[start : start + PAGE_SIZE])
            page = self._query({"id_list": chunk, "start": 0, "max_results": PAGE_SIZE})
            records.extend(page.records)
        return records

    def search(
        self, category: str, from_date: dt.date, until_date: dt.date, page_size: int = PAGE_SIZE
    ) -> Iterator[list[PaperRecord]]:
        """Papers first submitted in [from_date, until_date] in ``category``, oldest first, one page at a time."""
        window = f"[{from_date:%Y%m%d}0000 TO {until_date:%Y%m%d}2359]"
        query = f"cat:{category} AND submittedDate:{window}"
        start = 0
        while True:
            page = self._query(
                {
                    "search_query": query,
                    "start": start,
                    "max_results": page_size,
                    "sortBy": "submittedDate",
                    "sortOrder": "ascending",
                }
            )
            if page.records:
                yield page.records
            start += page_size
            if not page.records or start >= page.total_results:
                return
