"""The request body each service expects for one day's post (pure functions of the papers).

- Slack: ``text`` (the notification and fallback) and ``blocks`` (a header, one mrkdwn section per paper, a
  context line); mrkdwn needs ``&``, ``<`` and ``>`` escaped.
- Discord: ``content`` and one embed per paper (at most 10 embeds per message, so ``top_n`` is capped at 10),
  ``allowed_mentions`` empty so a title reading ``@everyone`` pings nobody.
- Matrix: an ``m.room.message`` event (``m.notice``, the msgtype for bots) with a plain ``body`` and an HTML
  ``formatted_body``, PUT to the room's send endpoint (see transport.py).
- Mattermost: ``text`` in Markdown (and the site's name as ``username``).
- Generic: our own JSON document, versioned by ``type``; signed by transport.py.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from dailypapers.webhooks.models import Service

SUMMARY_CHARS = 280
AUTHORS_SHOWN = 3
DISCORD_MAX_EMBEDS = 10  # Discord refuses a message with more
DISCORD_TITLE_CHARS = 256
GENERIC_TYPE = "dailypapers.daily_top"


@dataclass(frozen=True, slots=True)
class PostedPaper:
    arxiv_id: str
    title: str
    url: str
    upvotes: int
    authors: list[str]
    summary: str
    categories: list[str]


@dataclass(frozen=True, slots=True)
class Post:
    site_name: str
    day: dt.date
    day_url: str
    papers: list[PostedPaper]
    delivery_id: str

    @property
    def heading(self) -> str:
        return f"Top papers of {self.day:%B} {self.day.day}, {self.day.year}"


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def authors_line(authors: list[str]) -> str:
    if len(authors) <= AUTHORS_SHOWN:
        return ", ".join(authors)
    return f"{', '.join(authors[:AUTHORS_SHOWN])} and {len(authors) - AUTHORS_SHOWN} more"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown_link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def slack(post: Post) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": shorten(post.heading, 150)}}
    ]
    for paper in post.papers:
        authors = _slack_escape(authors_line(paper.authors))
        line = f"*<{paper.url}|{_slack_escape(paper.title)}>*\n▲ {paper.upvotes} · {authors}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": shorten(line, 2900)}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"<{post.day_url}|All of the day on {_slack_escape(post.site_name)}>"}
            ],
        }
    )
    return {"text": f"{post.heading}: {len(post.papers)} papers", "blocks": blocks, "unfurl_links": False}


def discord(post: Post) -> dict[str, Any]:
    embeds = [
        {
            "title": shorten(paper.title, DISCORD_TITLE_CHARS),
            "url": paper.url,
            "description": f"▲ {paper.upvotes} · {authors_line(paper.authors)}\n{paper.summary}",
        }
        for paper in post.papers[:DISCORD_MAX_EMBEDS]
    ]
    return {
        "content": f"**{post.heading}** ({post.site_name}): {post.day_url}",
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    }


def matrix(post: Post) -> dict[str, Any]:
    lines = [f"{post.heading} ({post.site_name})"]
    items = []
    for number, paper in enumerate(post.papers, 1):
        lines.append(f"{number}. {paper.title} (▲ {paper.upvotes}) {paper.url}")
        items.append(f'<li><a href="{escape(paper.url)}">{escape(paper.title)}</a> (▲ {paper.upvotes})</li>')
    lines.append(post.day_url)
    html = (
        f"<p><strong>{escape(post.heading)}</strong></p><ol>{''.join(items)}</ol>"
        f'<p><a href="{escape(post.day_url)}">All of the day on {escape(post.site_name)}</a></p>'
    )
    return {"msgtype": "m.notice", "body": "\n".join(lines), "format": "org.matrix.custom.html", "formatted_body": html}


def mattermost(post: Post) -> dict[str, Any]:
    lines = [f"#### {post.heading}"]
    for number, paper in enumerate(post.papers, 1):
        title = _markdown_link_text(paper.title)
        lines.append(f"{number}. [{title}]({paper.url}) ▲ {paper.upvotes} · {authors_line(paper.authors)}")
    lines.append(f"\n[All of the day on {_markdown_link_text(post.site_name)}]({post.day_url})")
    return {"text": "\n".join(lines), "username": post.site_name}


def generic(post: Post) -> dict[str, Any]:
    return {
        "type": GENERIC_TYPE,
        "deliveryId": post.delivery_id,
        "site": post.site_name,
        "date": post.day.isoformat(),
        "url": post.day_url,
        "papers": [
            {
                "id": paper.arxiv_id,
                "title": paper.title,
                "url": paper.url,
                "upvotes": paper.upvotes,
                "authors": paper.authors,
                "summary": paper.summary,
                "categories": paper.categories,
            }
            for paper in post.papers
        ],
    }


BUILDERS = {
    Service.slack: slack,
    Service.discord: discord,
    Service.matrix: matrix,
    Service.mattermost: mattermost,
    Service.generic: generic,
}


def body(service: Service, post: Post) -> str:
    """The JSON request body for ``service``; compact and UTF-8 as every service accepts it."""
    return json.dumps(BUILDERS[service](post), ensure_ascii=False, separators=(",", ":"))
