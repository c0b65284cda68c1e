"""Pure pieces of the API and the exports: highlighting is escaped HTML, BibTeX survives unpaired braces and
awkward names, citation keys are unique."""

from __future__ import annotations

import datetime as dt

import bibtexparser

from dailypapers.api.shapes import highlight
from dailypapers.export import formats
from dailypapers.papers.models import Author, Paper, PaperAuthor


def _paper(arxiv_id: str, title: str, abstract: str, names: list[str]) -> Paper:
    paper = Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        categories="cs.LG",
        primary_category="cs.LG",
        published_at=dt.datetime(2024, 5, 31, tzinfo=dt.UTC),
    )
    paper.authors = [PaperAuthor(position=i, author=Author(name=n)) for i, n in enumerate(names)]
    return paper


def test_highlight_escapes_everything_but_its_marks() -> None:
    text = 'Attention <script>alert("x")</script> & attention-free'
    assert highlight(text, ("attention",)) == (
        "<mark>Attention</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>attention</mark>-free"
    )
    assert highlight("no match here", ("zebra",)) == "no match here"


def test_bibtex_keeps_entries_whole_and_keys_unique() -> None:
    odd = _paper("2401.00001", "Sets {x | x > 0", "An unpaired } brace and $a_b$.", ["Plato", "Tom and Jerry Lab"])
    twin = _paper("2401.00002", "Sets again", "Fine.", ["Plato"])
    library = bibtexparser.parse_string(formats.bibtex([odd, twin]))
    assert not library.failed_blocks and [e.key for e in library.entries] == ["plato2024sets", "plato2024setsb"]
    first = {k: str(f.value) for k, f in library.entries[0].fields_dict.items()}
    assert first["title"] == "Sets \\{x | x > 0" and first["abstract"] == "An unpaired \\} brace and $a_b$."
    assert first["author"] == "Plato and {Tom and Jerry Lab}"


def test_ris_and_csl_names_join_back_to_the_printed_name() -> None:
    paper = _paper("2401.00003", "T", "A.", ["Hai Helen Li", "Plato", "Smith, J."])
    ris = formats.ris([paper])
    assert "AU  - Li, Hai Helen\nAU  - Plato\nAU  - Smith, J.\n" in ris and not ris.startswith("1.")
    csl = formats.csl_json([paper])
    assert '"given": "Hai Helen"' in csl and '"literal": "Plato"' in csl and '"literal": "Smith, J."' in csl
