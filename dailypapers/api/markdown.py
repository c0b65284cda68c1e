"""A paper as Markdown: ``GET /papers/{id}.md``, and ``/papers/{id}`` asked for ``Accept: text/markdown``
(``HfApi.read_paper``, ``hf papers read``). The title and abstract are kept as written, so their ``$…$`` math
reaches the reader (or an agent) untouched; the comments follow, replies quoted under their parents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dailypapers.api.extras import PaperExtras, load_extras
from dailypapers.api.shapes import organization
from dailypapers.community import comments
from dailypapers.community.comments import CommentNode
from dailypapers.papers import listings
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.web.deps import SessionDep

router = APIRouter(tags=["papers"])
MARKDOWN_TYPE = "text/markdown; charset=utf-8"


def wants_markdown(request: Request) -> bool:
    """Whether the client asked for Markdown first (``Accept: text/markdown``), not merely accepts it."""
    accept = request.headers.get("accept", "")
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first == "text/markdown"


def _links(paper: Paper) -> list[str]:
    links = [f"[arXiv](https://arxiv.org/abs/{paper.arxiv_id})", f"[PDF](https://arxiv.org/pdf/{paper.arxiv_id})"]
    if paper.github_repo:
        links.append(f"[Code]({paper.github_repo})")
    if paper.project_page:
        links.append(f"[Project page]({paper.project_page})")
    if paper.doi:
        links.append(f"[DOI](https://doi.org/{paper.doi})")
    return links


def _authors(paper: Paper, extras: PaperExtras) -> str:
    names = []
    for pa in paper.authors:
        claim = extras.claims.get((paper.id, pa.author_id))
        names.append(f"{pa.author.name} (@{claim.user.username})" if claim else pa.author.name)
    return ", ".join(names)


def _comment(node: CommentNode, depth: int) -> list[str]:
    c = node.comment
    if c.is_visible:
        role = " (author)" if node.by_author else ""
        lines = [f"**@{c.user.username}**{role} · {c.created_at.date().isoformat()}", "", *c.body.splitlines()]
    else:
        lines = ["*[removed]*"]
    quoted = [("> " * depth + line).rstrip() for line in lines]
    out = [*quoted, ""]
    for child in node.children:
        out.extend(_comment(child, depth + 1))
    return out


def paper_markdown(session: Session, paper: Paper, entry: DailyEntry | None) -> str:
    extras = load_extras(session, [paper.id])
    lines = [f"# {paper.title}", ""]
    if paper.authors:
        lines += [f"**Authors:** {_authors(paper, extras)}", ""]
    facts = [f"arXiv:{paper.arxiv_id}" + (f"v{paper.version}" if paper.version else "")]
    if paper.published_at:
        facts.append(f"published {paper.published_at.date().isoformat()}")
    if paper.categories:
        facts.append(paper.categories.replace(" ", ", "))
    if entry is not None:
        facts.append(f"on the daily feed {entry.day.isoformat()}")
    facts.append(f"{paper.upvotes} upvotes")
    lines += [f"**Paper:** {' · '.join(facts)}", "", f"**Links:** {' · '.join(_links(paper))}", ""]
    org = organization(entry)
    if org and (org.get("fullname") or org.get("name")):
        lines += [f"**Organization:** {org.get('fullname') or org.get('name')}", ""]
    if paper.comment:
        lines += [f"**arXiv comment:** {paper.comment}", ""]
    if paper.journal_ref:
        lines += [f"**Journal reference:** {paper.journal_ref}", ""]
    lines += ["## Abstract", "", paper.abstract.strip(), ""]
    if paper.ai_summary:
        lines += ["## AI summary", "", paper.ai_summary.strip(), ""]
    thread = comments.thread(session, paper)
    count = extras.comments.get(paper.id, 0)
    if thread:
        lines += [f"## Comments ({count})", ""]
        for node in thread:
            lines.extend(_comment(node, 0))
    return "\n".join(lines).rstrip() + "\n"


def markdown_response(session: Session, arxiv_id: str) -> Response:
    paper = paper_or_404(session, arxiv_id)
    body = paper_markdown(session, paper, listings.entry_for(session, paper))
    return Response(body, media_type=MARKDOWN_TYPE, headers={"Vary": "Accept"})


@router.get(
    "/papers/{paper_id:arxiv_id}.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "The paper as Markdown."}, 404: {}},
)
def paper_md(paper_id: PaperIdPath, session: SessionDep) -> Response:
    """The paper as Markdown: title, authors, links, the abstract with its math as written, and the comments."""
    return markdown_response(session, paper_id)
