"""Importing one's library (a Zotero, Mendeley or BibDesk export) as BibTeX, RIS or CSL-JSON, matched to our papers
by arXiv id, then DOI, then exact title; matches are saved to the collection "Imported library", where they
count as positives for the personal feed like any save."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import rispy
from bibtexparser.entrypoint import parse_string
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community import collections
from dailypapers.errors import Refused
from dailypapers.papers.ids import InvalidArxivId, normalize_arxiv_id
from dailypapers.papers.models import Paper

IMPORT_COLLECTION = "Imported library"
MAX_LIBRARY_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 5000
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)
_BRACES = re.compile(r"[{}]")
_RIS_START = re.compile(r"(?:\d+\.\s*)?TY  - ")


class LibraryRefused(ValueError, Refused):
    """The file cannot be read as a library; the message says why."""


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    doi: str | None
    arxiv_id: str | None


@dataclass
class ImportReport:
    entries: int = 0
    matched: list[str] = field(default_factory=list)  # arXiv ids saved
    unmatched: list[str] = field(default_factory=list)  # titles we do not have


def _arxiv(*candidates: str | None) -> str | None:
    for text in candidates:
        if not text:
            continue
        for pattern in (_ARXIV_DOI, _ARXIV_URL):
            match = pattern.search(text)
            if match:
                text = match.group(1)
                break
        try:
            return normalize_arxiv_id(text.strip())
        except InvalidArxivId:
            continue
    return None


def _clean_title(text: str) -> str:
    return " ".join(_BRACES.sub("", text).split())


def parse_library(raw: bytes) -> list[Reference]:
    """References in a BibTeX, RIS or CSL-JSON export (told apart by how they start)."""
    if len(raw) > MAX_LIBRARY_BYTES:
        raise LibraryRefused(f"The file is larger than {MAX_LIBRARY_BYTES // 1024 // 1024} MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LibraryRefused("The file is not UTF-8 text; export it as BibTeX or CSL-JSON in UTF-8.") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        references = _csl(stripped)
    elif _RIS_START.match(stripped):
        references = _ris(stripped)
    else:
        references = _bibtex(stripped)
    if len(references) > MAX_ENTRIES:
        raise LibraryRefused(f"The library has more than {MAX_ENTRIES:,} entries; export a part of it.")
    return references


def _csl(text: str) -> list[Reference]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryRefused(f"This is not valid CSL-JSON: {exc.msg} at line {exc.lineno}.") from None
    items = data if isinstance(data, list) else data.get("items", []) if isinstance(data, dict) else []
    references = []
    for item in items:
        if not isinstance(item, dict):
            continue
        title = _clean_title(str(item.get("title") or ""))
        doi = str(item["DOI"]).strip().lower() if item.get("DOI") else None
        arxiv_id = _arxiv(doi, str(item.get("URL") or ""), str(item.get("number") or ""), str(item.get("note") or ""))
        references.append(Reference(title, doi, arxiv_id))
    return references


def _ris(text: str) -> list[Reference]:
    try:
        entries: list[dict[str, Any]] = rispy.loads(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise LibraryRefused(f"This is not RIS that we can read: {exc}.") from None
    references = []
    for entry in entries:
        title = _clean_title(str(entry.get("title") or entry.get("primary_title") or ""))
        doi = str(entry["doi"]).strip().lower() if entry.get("doi") else None
        urls = entry.get("urls") or []
        arxiv_id = _arxiv(doi, *(str(u) for u in urls), str(entry.get("accession_number") or ""))
        references.append(Reference(title, doi, arxiv_id))
    return references


def _bibtex(text: str) -> list[Reference]:
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # it logs each bad block; we report counts
    library = parse_string(text)
    if not library.entries and library.failed_blocks:
        raise LibraryRefused("This is not BibTeX or CSL-JSON that we can read.")
    references = []
    for entry in library.entries:
        fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
        doi = fields.get("doi", "").strip().lower() or None
        archive = fields.get("archiveprefix", fields.get("eprinttype", "")).lower()
        eprint = fields.get("eprint") if archive in ("arxiv", "") else None
        arxiv_id = _arxiv(eprint, doi, fields.get("url"), fields.get("journal"))
        references.append(Reference(_clean_title(fields.get("title", "")), doi, arxiv_id))
    return references


def import_library(session: Session, user: User, references: list[Reference]) -> ImportReport:
    report = ImportReport(entries=len(references))
    target = None
    for reference in references:
        paper = _match(session, reference)
        if paper is None:
            if reference.title:
                report.unmatched.append(reference.title)
            continue
        if target is None:
            existing = [s.collection for s in collections.collections_of(session, user)]
            target = next((c for c in existing if c.name == IMPORT_COLLECTION), None)
            target = target or collections.create_collection(session, user, IMPORT_COLLECTION)
        collections.save(session, user, paper, target.id)
        report.matched.append(paper.arxiv_id)
    return report


def _match(session: Session, reference: Reference) -> Paper | None:
    if reference.arxiv_id:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == reference.arxiv_id))
        if paper is not None:
            return paper
    if reference.doi:
        paper = session.scalar(select(Paper).where(func.lower(Paper.doi) == reference.doi).limit(1))
        if paper is not None:
            return paper
    if len(reference.title) >= 8:
        return session.scalar(select(Paper).where(func.lower(Paper.title) == reference.title.lower()).limit(1))
    return None
