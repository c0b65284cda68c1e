"""Atom 1.0 documents for listings, built with feedgen (which takes care of escaping and the RFC 4287 rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from feedgen.feed import FeedGenerator

from dailypapers.config import Settings
from dailypapers.papers.lookup import Byline
from dailypapers.papers.rows import AnyEntry, AnyPaper

# Readers show the beginning of the abstract; the full text is one click away.
MAX_AUTHORS_LISTED = 20


# A fixed instant for a feed with no entries (an empty period): stable, so readers do not see a change.
EMPTY_FEED_UPDATED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _entry_updated(entry: AnyEntry | None, paper: AnyPaper) -> dt.datetime:
    """When the entry last changed: listed on the feed, or its paper's metadata updated (a new version). Stored
    instants only, so the value is the same on every request and after a re-import that changed nothing. A
    paper that is on no daily feed (a personal feed's harvested paper) changes with its metadata only."""
    return max(entry.submitted_at, paper.modified_at) if entry is not None else paper.modified_at


def build_feed(
    settings: Settings,
    *,
    title: str,
    page_path: str,
    feed_path: str,
    rows: Sequence[tuple[AnyEntry | None, AnyPaper]],
    authors: Mapping[int, list[Byline]],
    subtitle: str = "most upvoted first",
) -> bytes:
    """A listing's feed: each entry is updated when it was listed or its paper changed, whichever is later."""
    items = [(paper, _entry_updated(entry, paper)) for entry, paper in rows]
    return build_paper_feed(
        settings,
        title=title,
        page_path=page_path,
        feed_path=feed_path,
        items=items,
        authors=authors,
        subtitle=subtitle,
    )


def build_paper_feed(
    settings: Settings,
    *,
    title: str,
    page_path: str,
    feed_path: str,
    items: Sequence[tuple[AnyPaper, dt.datetime]],
    authors: Mapping[int, list[Byline]],
    subtitle: str = "most upvoted first",
) -> bytes:
    """Papers and each one's ``updated`` instant, in the order given; ``authors`` from ``papers.lookup.bylines``
    (one Core query for the page, not an ORM object per name)."""
    base = settings.base_url
    fg = FeedGenerator()
    fg.id(f"{base}{feed_path}")
    fg.title(f"{title} · {settings.site_name}")
    fg.subtitle(f"Papers on {settings.site_name}, {subtitle}.")
    fg.link(href=f"{base}{page_path}", rel="alternate", type="text/html")
    fg.link(href=f"{base}{feed_path}", rel="self", type="application/atom+xml")
    fg.author({"name": settings.site_name})
    fg.generator("dailypapers")
    # RFC 4287: a feed's updated is its latest significant change, so never older than one of its entries'.
    updated = max((changed for _, changed in items), default=EMPTY_FEED_UPDATED)
    fg.updated(updated)
    # feedgen prepends entries, so add them in reverse to keep the listing's order.
    for paper, changed in reversed(items):
        item = fg.add_entry()
        url = f"{base}/papers/{paper.arxiv_id}"
        item.id(url)
        item.title(paper.title)
        # One link only: feedgen 1.0.0 drops rel/type on entry links, so a second (rel="related") link would
        # become a second alternate, which RFC 4287 forbids. The arXiv page is one click from ours.
        item.link(href=url, rel="alternate")
        names = [byline.name for byline in authors.get(paper.id, [])]
        for name in names[:MAX_AUTHORS_LISTED]:
            item.author({"name": name})
        if len(names) > MAX_AUTHORS_LISTED:
            item.author({"name": f"and {len(names) - MAX_AUTHORS_LISTED} more"})
        if not names:
            item.author({"name": "Unknown"})
        item.summary(f"{paper.upvotes} upvotes. {paper.abstract}")
        if paper.published_at:
            item.published(paper.published_at)
        item.updated(changed)
        for category in paper.category_list:
            item.category(term=category)
    xml: bytes = fg.atom_str(pretty=False)
    return xml
