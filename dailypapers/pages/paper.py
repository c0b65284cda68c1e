"""The paper page: the paper, its listing entry, the community around it (comments, claims), the visitor's
marks (vote, collections, dismissal) and similar papers from search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.accounts.auth import OptionalUser
from dailypapers.accounts.models import User
from dailypapers.api.markdown import markdown_response, wants_markdown
from dailypapers.community import claims, comments
from dailypapers.ingest.models import PaperEnrichment
from dailypapers.pages.marks import paper_marks
from dailypapers.papers import listings
from dailypapers.papers.ids import InvalidArxivId, parse_arxiv_id
from dailypapers.papers.lookup import bylines
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import day_period
from dailypapers.search.deps import SearchEngineDep
from dailypapers.search.services import SearchEngine
from dailypapers.sources.links import Host, code_link, same_repo
from dailypapers.web.deps import SessionDep
from dailypapers.web.templating import render

# Its catch-all path must come after every other /papers/... route (trending, votes, feeds): app.py adds it last.
router = APIRouter(include_in_schema=False)


def paper_context(
    session: Session, arxiv_id: str, engine: SearchEngine | None = None, user: User | None = None
) -> dict[str, Any] | None:
    found = listings.paper_and_entry(session, arxiv_id)
    if found is None:
        return None
    paper, entry = found
    return {
        **community_context(session, paper, user),
        **paper_marks(session, user, paper),
        "similar": engine.similar(session, paper) if engine is not None else [],
        "paper": paper,
        # Bylines from one Core query: ORM rows for a 41-author paper were 12 % of the page (py-spy).
        "authors": bylines(session, [paper.id]).get(paper.id, []),
        "entry": entry,
        "submitter": entry.submitted_by if entry else None,
        "day_period": day_period(entry.day) if entry else None,
        "links": paper_links(paper.arxiv_id, paper.github_repo, paper.project_page) + other_code_links(session, paper),
    }


def community_context(session: Session, paper: Paper, user: User | None) -> dict[str, Any]:
    """The comment thread (curators also see hidden comments) and the visitor's authorship claims."""
    nodes = comments.flatten(comments.thread(session, paper, include_hidden=bool(user and user.is_curator)))
    return {
        "comments": nodes,
        "comment_count": sum(1 for n in nodes if n.comment.is_visible),
        "my_claims": {c.author_id: c for c in claims.claims_of(session, user, paper)} if user is not None else {},
    }


def paper_links(arxiv_id: str, github_repo: str | None, project_page: str | None) -> list[tuple[str, str]]:
    links = [
        ("arXiv page", f"https://arxiv.org/abs/{arxiv_id}"),
        ("PDF", f"https://arxiv.org/pdf/{arxiv_id}"),
    ]
    if github_repo:
        links.append(("Code", github_repo))
    if project_page:
        links.append(("Project page", project_page))
    return links


_HOST_LABELS = {
    Host.github: "GitHub",
    Host.gitlab: "GitLab",
    Host.codeberg: "Codeberg",
    Host.huggingface: "Hugging Face",
}


def other_code_links(session: Session, paper: Paper) -> list[tuple[str, str]]:
    """Code links the enrichment found in the paper's text besides ``github_repo`` (GitLab, Codeberg, Hugging
    Face models, datasets and Spaces, other GitHub repositories), labelled by host."""
    row = session.get(PaperEnrichment, paper.id)
    found = []
    for url in (row.code_links or []) if row is not None else []:
        link = code_link(url)
        if link is not None and not same_repo(url, paper.github_repo):
            found.append((_HOST_LABELS[link.host], link.url))
    return found


# The second route (declared last, so tried last) takes what is not an id (arXiv:…, a pasted URL, a typo):
# the handler redirects it to the canonical address or says why it is no paper.
@router.get("/papers/{arxiv_id:path}", include_in_schema=False)
@router.get("/papers/{arxiv_id:arxiv_id}")
def paper_page(
    request: Request, arxiv_id: str, session: SessionDep, engine: SearchEngineDep, user: OptionalUser
) -> Response:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as exc:
        raise HTTPException(404, f"No paper here: {exc}.") from exc
    if str(parsed.id) != arxiv_id:
        return RedirectResponse(f"/papers/{parsed.id}", status_code=301)
    if wants_markdown(request):  # HfApi.read_paper's other door: the same URL, asked for Markdown
        return markdown_response(session, parsed.id)
    context = paper_context(session, parsed.id, engine, user)
    if context is None:
        raise HTTPException(404, f"We have no paper {parsed.id} yet.")
    return render(request, "paper.html", context)
