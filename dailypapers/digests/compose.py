"""Composing digests: which papers each subscriber gets for a period, and the e-mail that shows them.

Everything that is the same for every subscriber is done once per period (``PeriodDigests``): the period's
papers in trending order, each paper's HTML (CSS inlined by css-inline) and text block, and the e-mail shell.
Per subscriber what remains is a filter over at most a few hundred papers that stops at the digest size, and
string joins: that is what makes 10,000 digests a few seconds of work.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl

import css_inline
from jinja2 import Environment
from markupsafe import escape
from pylatexenc.latex2text import LatexNodes2Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.digests.models import Frequency, Subscription
from dailypapers.digests.schedule import DigestPeriod
from dailypapers.papers.categories import in_categories
from dailypapers.papers.filters import condition, parse_query_string
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.web.templating import TEMPLATES_DIR, long_date, make_templates

SUMMARY_CHARS = 320
AUTHORS_SHOWN = 3
# A digest period's candidates: a day has ~50 papers, a week ~300; more than this is a feed nobody reads.
MAX_CANDIDATES = 2000
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
_latex = LatexNodes2Text(math_mode="text")


@functools.cache
def email_css() -> str:
    """The digest e-mail's stylesheet (inlined into each message); read on first use, not at import."""
    return (TEMPLATES_DIR / "digests" / "email.css").read_text()


def math_as_text(text: str) -> str:
    """``$\\alpha \\le \\mathbb{R}$`` becomes the Unicode letters and signs: e-mail cannot run KaTeX. Only the
    math spans are converted (elsewhere ``%`` and ``\\`` are ordinary characters in a title)."""

    def convert(match: re.Match[str]) -> str:
        source = match.group(1) or match.group(2)
        try:
            converted: str = _latex.latex_to_text(source)
            return converted.strip()
        except Exception:  # pylatexenc on malformed LaTeX: keep the source, readable enough
            return source

    return _MATH.sub(convert, text)


def short_summary(paper: Paper) -> str:
    text = math_as_text(" ".join((paper.ai_summary or paper.abstract or "").split()))
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def authors_line(names: str) -> str:
    authors = [a for a in names.split(", ") if a]
    if len(authors) <= AUTHORS_SHOWN:
        return ", ".join(authors)
    return f"{', '.join(authors[:AUTHORS_SHOWN])} and {len(authors) - AUTHORS_SHOWN} more"


@dataclass(frozen=True, slots=True)
class DigestPaper:
    """One candidate paper, rendered once for the whole period."""

    paper_id: int
    categories: frozenset[str]  # its arXiv categories (filters: papers/categories.py)
    haystack: str  # lower-cased title and abstract, for keyword filters
    html: str
    text: str


class Personalizer(Protocol):
    """The "for you" section's ranking (``personal.services.ModelPersonalizer``). Given a subscriber with an
    account and the period's candidate papers, it returns the paper ids to show, best first, or none."""

    def rank(self, session: Session, user_id: int, candidate_ids: list[int], limit: int) -> list[int]: ...


class MemberSections(Protocol):
    """A member's own digest sections after "for you" (personal.digest_sections.FollowsAndSearches): for a
    subscriber with an account, [(heading, paper ids)] for the period, e.g. "From authors you follow". The papers
    need not be on the period's feed (a followed author's new arXiv paper): ``PeriodDigests.ensure`` renders
    them."""

    def sections(
        self, session: Session, user_id: int, first_day: dt.date, last_day: dt.date, limit: int
    ) -> list[tuple[str, list[int]]]: ...


class NoSections:
    """No member sections (tests, and callers without follows or saved searches)."""

    def sections(
        self,
        session: Session,  # noqa: ARG002 (the protocol's signature)
        user_id: int,  # noqa: ARG002
        first_day: dt.date,  # noqa: ARG002
        last_day: dt.date,  # noqa: ARG002
        limit: int,  # noqa: ARG002
    ) -> list[tuple[str, list[int]]]:
        return []


class NoPersonalization:
    """No "for you" section: digests hold the trending section only (tests, and callers without models)."""

    def rank(self, session: Session, user_id: int, candidate_ids: list[int], limit: int) -> list[int]:  # noqa: ARG002
        return []


@dataclass(frozen=True, slots=True)
class Filters:
    categories: frozenset[str]
    keywords: tuple[str, ...]

    @classmethod
    def of(cls, subscription: Subscription) -> Filters:
        keywords = tuple(k.strip().lower() for k in subscription.keywords.split(",") if k.strip())
        return cls(frozenset(subscription.categories.split()), keywords)

    def match(self, paper: DigestPaper) -> bool:
        if self.categories and not in_categories(paper.categories, self.categories):
            return False
        if self.keywords:
            return any(_has_phrase(paper.haystack, k) for k in self.keywords)
        return True


def _has_phrase(haystack: str, phrase: str) -> bool:
    """``phrase`` as whole words: "rag" matches "RAG pipelines", not "leverage"."""
    start = haystack.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        if not (before.isalnum() or after.isalnum()):
            return True
        start = haystack.find(phrase, start + 1)
    return False


def digest_paper(settings: Settings, env: Environment, paper: Paper) -> DigestPaper:
    """One paper's HTML (CSS inlined) and text block, rendered once per period."""
    title = math_as_text(paper.title)
    url = f"{settings.base_url}/papers/{paper.arxiv_id}"
    authors = authors_line(paper.author_names)
    summary = short_summary(paper)
    html = env.get_template("digests/_paper.html").render(
        url=url, title=title, authors=authors, summary=summary, upvotes=paper.upvotes
    )
    return DigestPaper(
        paper_id=paper.id,
        categories=frozenset(paper.category_list),
        haystack=f"{paper.title}\n{paper.abstract}".lower(),
        html=css_inline.inline_fragment(html, email_css()),
        text=f"{title}\n▲ {paper.upvotes} · {authors}\n{summary}\n{url}\n",
    )


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


@dataclass
class PeriodDigests:
    """The period's papers and rendered pieces; ``choose`` and ``render`` per subscriber."""

    settings: Settings
    period: DigestPeriod
    papers: list[DigestPaper]
    env: Environment  # the site's Jinja environment, built once per period
    by_id: dict[int, DigestPaper] = field(init=False)
    # Per distinct filter query string (most subscribers share a few): the candidates that pass it.
    passing: dict[str, frozenset[int]] = field(init=False, default_factory=dict)
    shell_html: str = field(init=False)
    heading: str = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {p.paper_id: p for p in self.papers}
        if self.period.frequency is Frequency.daily:
            self.heading = f"Trending papers of {long_date(self.period.period.start)}"
        else:
            self.heading = f"Trending papers of the week of {long_date(self.period.period.start)}"
        shell = self.env.get_template("digests/email.html").render(
            title=self.heading,
            heading=self.heading,
            site_name=self.settings.site_name,
            base_url=self.settings.base_url,
            frequency=self.period.frequency.value,
        )
        self.shell_html = css_inline.inline(shell, extra_css=email_css())

    @classmethod
    def load(cls, session: Session, settings: Settings, period: DigestPeriod) -> PeriodDigests:
        query = (
            select(Paper)
            .join(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(
                DailyEntry.day >= period.period.start,
                DailyEntry.day <= period.period.end,
                DailyEntry.hidden_at.is_(None),
            )
            .order_by(Paper.trending_score.desc(), Paper.id)
            .limit(MAX_CANDIDATES)
        )
        env = make_templates(settings).env
        papers = [digest_paper(settings, env, paper) for paper in session.scalars(query)]
        return cls(settings, period, papers, env)

    def ensure(self, session: Session, paper_ids: list[int]) -> None:
        """Render the papers of members' own sections that are not among the period's candidates."""
        missing = [i for i in paper_ids if i not in self.by_id]
        if missing:
            for paper in session.scalars(select(Paper).where(Paper.id.in_(missing))):
                self.by_id[paper.id] = digest_paper(self.settings, self.env, paper)

    def passing_filters(self, session: Session, query_string: str) -> frozenset[int]:
        """The candidates that pass a stored filter query string (papers/filters.py: one SQL query per distinct
        string and period, the same clause every listing applies)."""
        if query_string not in self.passing:
            wanted = parse_query_string(parse_qsl(query_string))
            ids = select(Paper.id).where(Paper.id.in_(list(self.by_id)), condition(wanted))
            self.passing[query_string] = frozenset(session.scalars(ids))
        return self.passing[query_string]

    def choose(self, subscription: Subscription, session: Session | None = None) -> list[int]:
        """The top papers of the period that pass the subscriber's filters (trending order); a subscription
        with stored filters (``Subscription.filters``) needs the ``session`` to apply them."""
        filters = Filters.of(subscription)
        passing: frozenset[int] | None = None
        if subscription.filters:
            if session is None:
                raise ValueError("choosing for a subscription with filters needs a session")
            passing = self.passing_filters(session, subscription.filters)
        chosen = []
        for paper in self.papers:
            if (passing is None or paper.paper_id in passing) and filters.match(paper):
                chosen.append(paper.paper_id)
                if len(chosen) == self.settings.digest_size:
                    break
        return chosen

    def render(
        self,
        paper_ids: list[int],
        personal_ids: list[int],
        manage_url: str,
        unsubscribe_url: str,
        sections: Sequence[tuple[str, Sequence[int]]] = (),
    ) -> RenderedDigest:
        """The e-mail: "For you", then the member's own ``sections`` ([heading, ids] each, papers ``ensure``d),
        then trending (headed only when another section precedes it)."""
        trending = [self.by_id[i] for i in paper_ids if i in self.by_id]
        headed = [("For you", [self.by_id[i] for i in personal_ids if i in self.by_id])]
        for heading, ids in sections:
            headed.append((heading, [self.by_id[i] for i in ids if i in self.by_id]))
        html_sections, text_sections = [], []
        shown = [(heading, papers) for heading, papers in headed if papers]
        for heading, papers in shown:
            html_sections.append(f'<h2 class="section" style="font-size: 16px; color: #5f6368;">{escape(heading)}</h2>')
            html_sections.extend(p.html for p in papers)
            text_sections.append(f"{heading.upper()}\n\n" + "\n".join(p.text for p in papers))
        if shown and trending:
            html_sections.append('<h2 class="section" style="font-size: 16px; color: #5f6368;">Trending</h2>')
            text_sections.append("TRENDING")
        html_sections.extend(p.html for p in trending)
        text_sections.append("\n".join(p.text for p in trending))
        html = (
            self.shell_html.replace("%%SECTIONS%%", "\n".join(html_sections))
            .replace("%%MANAGE%%", str(escape(manage_url)))
            .replace("%%UNSUBSCRIBE%%", str(escape(unsubscribe_url)))
        )
        count = len(trending) + sum(len(papers) for _, papers in shown)
        text = (
            f"{self.settings.site_name}: {self.heading}\n\n"
            + "\n".join(text_sections)
            + f"\n--\nChange what you receive: {manage_url}\nUnsubscribe: {unsubscribe_url}\n"
        )
        subject = f"{self.heading} ({count} {'paper' if count == 1 else 'papers'})"
        return RenderedDigest(subject, text, html)
