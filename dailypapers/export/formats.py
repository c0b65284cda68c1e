"""Papers as citations: BibTeX (arXiv's own ``@misc`` form), RIS and CSL-JSON, written with bibtexparser and rispy.

Text is kept as arXiv has it (titles and abstracts with their ``$…$`` math, names as printed), so an export read
back gives the stored values: personal/library.py imports each format again (tests/functional/test_export.py).
A name is split at its last space into given and family parts, so joining them gives the printed name back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import rispy
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field

from dailypapers.papers.models import Paper

MAX_EXPORT_PAPERS = 2000  # a month of the busiest feed is ~700; a bigger ask is an export of the whole site


class Format(StrEnum):
    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"


@dataclass(frozen=True, slots=True)
class FormatInfo:
    extension: str
    media_type: str


FORMATS = {
    Format.bibtex: FormatInfo("bib", "application/x-bibtex; charset=utf-8"),
    Format.ris: FormatInfo("ris", "application/x-research-info-systems; charset=utf-8"),
    Format.csl_json: FormatInfo("json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
BY_EXTENSION = {info.extension: fmt for fmt, info in FORMATS.items()}
_KEY_CHARS = re.compile(r"[^a-z0-9]")


def _url(paper: Paper) -> str:
    return f"https://arxiv.org/abs/{paper.arxiv_id}"


def _split_name(name: str) -> tuple[str, str]:
    """(given, family): "Hai Helen Li" -> ("Hai Helen", "Li"); a one-word name is all family."""
    given, _, family = name.rpartition(" ")
    return given, family


def _ascii(text: str) -> str:
    return _KEY_CHARS.sub("", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def _keys(papers: list[Paper]) -> list[str]:
    """arXiv's citation keys (first author's family name, year, first title word: ``dao2024transformers``),
    with b, c, … appended where two papers would share one."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for paper in papers:
        names = paper.author_list
        family = _ascii(_split_name(names[0])[1]) if names else ""
        year = str(paper.published_at.year) if paper.published_at else ""
        word = next((w for w in (_ascii(w) for w in paper.title.split()) if len(w) > 3), "")
        key = (family + year + word) or _ascii(paper.arxiv_id)
        count = seen.get(key, 0)
        seen[key] = count + 1
        keys.append(key if count == 0 else f"{key}{chr(ord('a') + count)}")
    return keys


def _balanced(text: str) -> str:
    """A BibTeX value (the writer puts it in braces): unbalanced braces in the text are escaped (``\\{``) so
    that the entry stays one entry; balanced ones are TeX grouping and kept."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "\\{").replace("}", "\\}")
    return text


def bibtex(papers: list[Paper]) -> str:
    library = Library()
    for key, paper in zip(_keys(papers), papers, strict=True):
        values: list[tuple[str, str]] = [
            ("title", paper.title),
            # A name with " and " in it would read as two authors: braced, it stays one.
            ("author", " and ".join(f"{{{n}}}" if " and " in n else n for n in paper.author_list)),
        ]
        if paper.published_at:
            values.append(("year", str(paper.published_at.year)))
        values += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            values.append(("primaryClass", paper.primary_category))
        if paper.doi:
            values.append(("doi", paper.doi))
        if paper.journal_ref:
            values.append(("journal", paper.journal_ref))
        values.append(("url", _url(paper)))
        if paper.abstract:
            values.append(("abstract", paper.abstract))
        fields = [Field(name, _balanced(value)) for name, value in values]
        library.add(Entry("misc", key, fields))
    return write_string(library)


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]
    """rispy numbers each record ("1.") before its TY line; reference managers write none, so neither do we."""

    def set_header(self, count: int) -> str:  # noqa: ARG002 (rispy's hook)
        return ""


def ris(papers: list[Paper]) -> str:
    references: list[dict[str, Any]] = []
    for paper in papers:
        reference: dict[str, Any] = {
            "type_of_reference": "UNPB",  # what Zotero writes for a preprint
            "title": paper.title,
            "authors": [_ris_name(n) for n in paper.author_list],
            "urls": [_url(paper)],
            "accession_number": f"arXiv:{paper.arxiv_id}",
            "name_of_database": "arXiv",
        }
        if paper.published_at:
            reference["year"] = str(paper.published_at.year)
            reference["date"] = paper.published_at.strftime("%Y/%m/%d")
        if paper.abstract:
            # RIS is one line per tag: arXiv's hard line breaks become spaces (the words are all kept).
            reference["abstract"] = " ".join(paper.abstract.split())
        if paper.doi:
            reference["doi"] = paper.doi
        if paper.category_list:
            reference["keywords"] = paper.category_list
        if paper.journal_ref:
            reference["journal_name"] = paper.journal_ref
        references.append(reference)
    return str(rispy.dumps(references, implementation=_RisWriter))


def csl_json(papers: list[Paper]) -> str:
    items: list[dict[str, Any]] = []
    for key, paper in zip(_keys(papers), papers, strict=True):
        item: dict[str, Any] = {
            "id": key,
            "type": "article",  # CSL 1.0.2's type for a preprint
            "title": paper.title,
            "author": [_csl_name(n) for n in paper.author_list],
            "publisher": "arXiv",
            "number": f"arXiv:{paper.arxiv_id}",
            "URL": _url(paper),
        }
        if paper.published_at:
            when = paper.published_at
            item["issued"] = {"date-parts": [[when.year, when.month, when.day]]}
        if paper.abstract:
            item["abstract"] = paper.abstract
        if paper.doi:
            item["DOI"] = paper.doi
        if paper.primary_category:
            item["genre"] = paper.primary_category
        if paper.journal_ref:
            item["container-title"] = paper.journal_ref
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _ris_name(name: str) -> str:
    """RIS's "Family, Given"; a name that has a comma already or one word is written as printed."""
    given, family = _split_name(name)
    return name if "," in name or not given else f"{family}, {given}"


def _csl_name(name: str) -> dict[str, str]:
    given, family = _split_name(name)
    if "," in name or not given:
        return {"literal": name}
    return {"given": given, "family": family}


WRITERS = {Format.bibtex: bibtex, Format.ris: ris, Format.csl_json: csl_json}


def export(papers: list[Paper], fmt: Format) -> str:
    return WRITERS[fmt](papers)
