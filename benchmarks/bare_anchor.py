"""The bare anchor of ``web_pages.py``: FastAPI + Jinja2 + the stdlib's sqlite3, nothing of ours.

It answers the benchmarked routes from the same database file with the same queries written as plain SQL (a new
connection per request, as the issue's anchor did), and renders an equivalent page: the same card markup in a
short layout, the same JSON fields, the same Atom entries. Logged in (our ``dp_session`` cookie), it looks the
session up and marks the member's votes, as our pages do. What it leaves out on purpose is everything that is
not the page itself: CSRF tokens, security headers, request ids, rate limits, metrics, the page cache. The
paper page has no "similar papers" (that is a vector search, not SQL); the ratio of that row includes it.

    python benchmarks/bare_anchor.py DATABASE PORT
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import sys
from typing import Any
from xml.sax.saxutils import escape

import orjson
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ label }} · Daily Papers</title>
<link rel="stylesheet" href="/static/site.css"></head><body><header><a href="/">Daily Papers</a>
{% if user %}<span>{{ user[1] }}</span>{% else %}<a href="/login">Log in</a>{% endif %}</header><main>
<h1>{{ label }}</h1><p>{{ total }} papers</p><ol class="cards">
{% for c in cards %}<li class="card"><article>
{% if user %}<form class="vote-form" method="post" action="/papers/{{ c[0] }}/vote"><button type="submit"
 class="votes{% if c[8] in voted %} voted{% endif %}"><span>▲</span><strong>{{ c[6] }}</strong></button></form>
{% else %}<a class="votes" href="/login?next=/papers/{{ c[0] }}"><span>▲</span><strong>{{ c[6] }}</strong></a>
{% endif %}
<div class="card-body"><h2 class="card-title"><a href="/papers/{{ c[0] }}">{{ c[1] }}</a></h2>
<p class="abstract">{{ c[2] }}</p><p class="card-meta"><span>{{ c[3] }} authors</span> ·
<time datetime="{{ c[4] or c[5] }}">{{ (c[4] or c[5])[:10] }}</time>
{% if c[12] %} · submitted by <a href="/users/{{ c[12] }}">{{ c[12] }}</a>{% endif %}
{% if c[7] %} · <a href="{{ c[7] }}">code</a>{% endif %}
{% if c[10] %} · <a href="/papers/{{ c[0] }}#comments">{{ c[10] }} comments</a>{% endif %}</p></div>
</article></li>{% endfor %}</ol></main></body></html>"""

PAPER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ p[1] }} · Daily Papers</title>
<link rel="stylesheet" href="/static/site.css"></head><body><header><a href="/">Daily Papers</a>
{% if user %}<span>{{ user[1] }}</span>{% else %}<a href="/login">Log in</a>{% endif %}</header><main>
<article><h1>{{ p[1] }}</h1><p class="authors">{% for a in authors %}<a href="/authors/{{ a[0] }}">{{ a[1] }}</a>
{% if not loop.last %}, {% endif %}{% endfor %}</p><p>{{ p[3] }} upvotes{% if voted %} (yours){% endif %}</p>
<p class="abstract">{{ p[2] }}</p>{% if entry %}<p>On the feed {{ entry[0] }}{% if entry[1] %}, submitted by
<a href="/users/{{ entry[1] }}">{{ entry[1] }}</a>{% endif %}</p>{% endif %}
<section id="comments"><h2>{{ comments|length }} comments</h2>{% for c in comments %}<div class="comment">
<p><a href="/users/{{ c[0] }}">{{ c[0] }}</a> {{ c[2] }}</p>{{ c[1]|safe }}</div>{% endfor %}</section>
</article></main></body></html>"""

CARDS_SQL = """
SELECT p.arxiv_id, p.title, p.abstract,
       (SELECT count(*) FROM paper_authors pa WHERE pa.paper_id = p.id),
       p.published_at, e.day, p.upvotes, p.github_repo, p.id, e.featured,
       (SELECT count(*) FROM comments c WHERE c.paper_id = p.id AND c.deleted_at IS NULL AND c.hidden_at IS NULL),
       e.origin, u.username
FROM daily_entries e JOIN papers p ON p.id = e.paper_id LEFT JOIN users u ON u.id = e.submitted_by_id
WHERE e.hidden_at IS NULL AND e.day >= ? AND e.day <= ?
ORDER BY e.featured DESC, p.upvotes DESC, e.submitted_at DESC, e.paper_id DESC LIMIT ? OFFSET ?"""
ENTRIES_SQL = """
SELECT p.id, p.arxiv_id, p.title, p.abstract, p.published_at, p.upvotes, p.github_repo, p.modified_at,
       p.categories, e.day, e.submitted_at, e.origin, u.id, u.username, u.fullname, u.avatar_url
FROM daily_entries e JOIN papers p ON p.id = e.paper_id LEFT JOIN users u ON u.id = e.submitted_by_id
WHERE e.hidden_at IS NULL AND e.day >= ? AND e.day <= ?
ORDER BY e.submitted_at DESC, e.paper_id DESC LIMIT ? OFFSET ?"""
AUTHORS_SQL = """
SELECT pa.paper_id, a.id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
WHERE pa.paper_id IN ({}) ORDER BY pa.paper_id, pa.position"""
COMMENT_COUNTS_SQL = """
SELECT paper_id, count(*) FROM comments WHERE paper_id IN ({}) AND deleted_at IS NULL AND hidden_at IS NULL
GROUP BY paper_id"""

ALL_DAYS = ("0000-01-01", "9999-12-31")
app = FastAPI()
templates = Environment(autoescape=True)
page_template = templates.from_string(PAGE)
paper_template = templates.from_string(PAPER)
DATABASE = ""


def connect() -> sqlite3.Connection:
    return sqlite3.connect(DATABASE, check_same_thread=False)


def viewer(db: sqlite3.Connection, request: Request) -> tuple[int, str] | None:
    raw = request.cookies.get("dp_session")
    if not raw:
        return None
    found = db.execute(
        "SELECT u.id, u.username FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        (hashlib.sha256(raw.encode()).hexdigest(),),
    ).fetchone()
    return (found[0], found[1]) if found else None


def voted(db: sqlite3.Connection, user: tuple[int, str] | None, ids: list[int]) -> set[int]:
    if user is None or not ids:
        return set()
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT paper_id FROM votes WHERE user_id = ? AND paper_id IN ({marks})", (user[0], *ids))  # noqa: S608
    return {row[0] for row in rows}


def listing(request: Request, label: str, start: str, end: str, limit: int) -> HTMLResponse:
    db = connect()
    try:
        user = viewer(db, request)
        cards = db.execute(CARDS_SQL, (start, end, limit, 0)).fetchall()
        total = len(cards)
        if total == limit:
            total = db.execute(
                "SELECT count(*) FROM daily_entries WHERE hidden_at IS NULL AND day >= ? AND day <= ?", (start, end)
            ).fetchone()[0]
        db.execute("SELECT max(day) FROM daily_entries WHERE day < ?", (start,)).fetchone()  # the neighbours
        db.execute("SELECT min(day) FROM daily_entries WHERE day > ?", (end,)).fetchone()
        marks = voted(db, user, [c[8] for c in cards])
    finally:
        db.close()
    return HTMLResponse(page_template.render(label=label, cards=cards, total=total, user=user, voted=marks))


def week_bounds(slug: str) -> tuple[str, str]:
    year, week = slug.split("-W")
    start = dt.date.fromisocalendar(int(year), int(week), 1)
    return str(start), str(start + dt.timedelta(days=6))


@app.get("/")
def home(request: Request) -> HTMLResponse:
    db = connect()
    latest = db.execute("SELECT max(day) FROM daily_entries WHERE hidden_at IS NULL").fetchone()[0]
    db.close()
    return listing(request, latest, latest, latest, 200)


@app.get("/papers/week/{slug}")
def week_page(request: Request, slug: str) -> HTMLResponse:
    start, end = week_bounds(slug)
    return listing(request, slug, start, end, 50)


@app.get("/papers/{arxiv_id}")
def paper_page(request: Request, arxiv_id: str) -> HTMLResponse:
    db = connect()
    try:
        user = viewer(db, request)
        p = db.execute("SELECT id, title, abstract, upvotes FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        if p is None:
            raise HTTPException(404)
        authors = db.execute(AUTHORS_SQL.format("?"), (p[0],)).fetchall()
        entry = db.execute(
            "SELECT e.day, u.username FROM daily_entries e LEFT JOIN users u ON u.id = e.submitted_by_id "
            "WHERE e.paper_id = ?",
            (p[0],),
        ).fetchone()
        comments = db.execute(
            "SELECT u.username, c.body_html, c.created_at FROM comments c JOIN users u ON u.id = c.user_id "
            "WHERE c.paper_id = ? AND c.deleted_at IS NULL ORDER BY c.created_at",
            (p[0],),
        ).fetchall()
        marks = voted(db, user, [p[0]])
    finally:
        db.close()
    html = paper_template.render(
        p=p, authors=[a[1:] for a in authors], entry=entry, comments=comments, user=user, voted=bool(marks)
    )
    return HTMLResponse(html)


def _iso(value: str | None) -> str | None:
    return None if value is None else value.replace(" ", "T") + "Z"


def _entries(start: str, end: str, limit: int, offset: int) -> tuple[list[Any], dict[int, list[Any]], dict[int, int]]:
    db = connect()
    try:
        if start == ALL_DAYS[0]:  # no period: no day range, so the (submitted_at, paper_id) index gives the order
            rows = db.execute(ENTRIES_SQL.replace("AND e.day >= ? AND e.day <= ?", ""), (limit, offset)).fetchall()
        else:
            rows = db.execute(ENTRIES_SQL, (start, end, limit, offset)).fetchall()
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        authors: dict[int, list[Any]] = {}
        for paper_id, author_id, name in db.execute(AUTHORS_SQL.format(marks), ids):
            authors.setdefault(paper_id, []).append((author_id, name))
        counts = dict(db.execute(COMMENT_COUNTS_SQL.format(marks), ids).fetchall())
    finally:
        db.close()
    return rows, authors, counts


def _paper_json(r: Any, authors: list[Any], comments: int) -> dict[str, Any]:
    submitter = {"_id": str(r[12]), "name": r[13], "user": r[13], "fullname": r[14] or r[13]} if r[12] else None
    return {
        "id": r[1],
        "authors": [{"_id": str(a), "name": n} for a, n in authors],
        "publishedAt": _iso(r[4]),
        "submittedOnDailyAt": f"{r[9]}T00:00:00Z",
        "submittedOnDailyBy": submitter,
        "title": r[2],
        "summary": r[3],
        "upvotes": r[5],
        "githubRepo": r[6],
        "discussionId": str(r[0]),
        "numComments": comments,
        "categories": r[8].split() or None,
    }


@app.get("/api/daily_papers")
def daily_papers(
    date: str | None = None, week: str | None = None, month: str | None = None, limit: int = 50, p: int = 0
) -> Response:
    start, end = ALL_DAYS
    if date:
        start = end = date
    elif week:
        start, end = week_bounds(week)
    elif month:
        start, end = f"{month}-01", f"{month}-31"
    rows, authors, counts = _entries(start, end, limit, p * limit)
    out = [
        {
            "paper": _paper_json(r, authors.get(r[0], []), counts.get(r[0], 0)),
            "publishedAt": _iso(r[10]),
            "title": r[2],
            "summary": r[3],
            "numComments": counts.get(r[0], 0),
            "submittedBy": _paper_json(r, [], 0)["submittedOnDailyBy"],
            "origin": r[11],
        }
        for r in rows
    ]
    return Response(orjson.dumps(out), media_type="application/json")


@app.get("/api/papers/{arxiv_id}")
def api_paper(arxiv_id: str) -> Response:
    db = connect()
    try:
        found = db.execute(
            "SELECT e.day FROM papers p JOIN daily_entries e ON e.paper_id = p.id WHERE p.arxiv_id = ?", (arxiv_id,)
        ).fetchone()
    finally:
        db.close()
    if found is None:
        raise HTTPException(404)
    rows, authors, counts = _entries(found[0], found[0], 200, 0)
    row = next(r for r in rows if r[1] == arxiv_id)
    body = orjson.dumps(_paper_json(row, authors.get(row[0], []), counts.get(row[0], 0)))
    return Response(body, media_type="application/json")


def atom(title: str, start: str, end: str, limit: int) -> Response:
    rows, authors, _ = _entries(start, end, limit, 0)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>http://127.0.0.1/feed</id><title>{escape(title)}</title>",
        f"<updated>{_iso(max((r[7] for r in rows), default='2020-01-01 00:00:00'))}</updated>",
    ]
    for r in rows:
        url = f"http://127.0.0.1/papers/{r[1]}"
        names = "".join(f"<author><name>{escape(n)}</name></author>" for _, n in authors.get(r[0], [])[:20])
        cats = "".join(f'<category term="{escape(c)}"/>' for c in r[8].split())
        parts.append(
            f'<entry><id>{url}</id><title>{escape(r[2])}</title><link href="{url}" rel="alternate"/>{names}'
            f"<summary>{r[5]} upvotes. {escape(r[3])}</summary><published>{_iso(r[4])}</published>"
            f"<updated>{_iso(max(r[7], r[10]))}</updated>{cats}</entry>"
        )
    parts.append("</feed>")
    return Response("".join(parts), media_type="application/atom+xml; charset=utf-8")


@app.get("/feed.atom")
def latest_feed() -> Response:
    db = connect()
    latest = db.execute("SELECT max(day) FROM daily_entries WHERE hidden_at IS NULL").fetchone()[0]
    db.close()
    return atom(latest, latest, latest, 1000)


@app.get("/papers/week/{slug}/feed.atom")
def week_feed(slug: str) -> Response:
    start, end = week_bounds(slug)
    return atom(slug, start, end, 1000)


if __name__ == "__main__":
    DATABASE = sys.argv[1]
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
