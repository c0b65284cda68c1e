"""Collections over the JSON API (``Authorization: Bearer dp_…``): list, create, read, add and remove papers,
export. The API takes no cookies (web/security.py), so these writes need no CSRF token; a third-party page
cannot send our bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select

from dailypapers.accounts.auth import CurrentUser
from dailypapers.api.extras import load_extras
from dailypapers.api.schemas import PaperOut
from dailypapers.api.shapes import paper_out
from dailypapers.community import collections
from dailypapers.export import services as exports
from dailypapers.export.formats import Format
from dailypapers.papers.lookup import PaperIdPath, paper_or_404
from dailypapers.papers.models import DailyEntry
from dailypapers.web.api_model import ApiJson, ApiModel, ErrorOut
from dailypapers.web.deps import TOKEN_REQUIRED, DatabaseDep, SessionDep
from dailypapers.web.params import IdPath

router = APIRouter(prefix="/api", tags=["collections"])
ERRORS: dict[int | str, dict[str, object]] = {**TOKEN_REQUIRED, 400: {"model": ErrorOut}, 404: {"model": ErrorOut}}


class CollectionOut(ApiModel):
    id: int
    name: str
    num_papers: int = Field(alias="numPapers")
    created_at: dt.datetime = Field(alias="createdAt")


class CollectionWithPapersOut(CollectionOut):
    papers: list[PaperOut] = Field(description="Newest saved first.")


class CollectionIn(ApiModel):
    name: str = Field(max_length=1000, description="1 to 100 characters once trimmed; unique among yours.")


class PaperRefIn(ApiModel):
    paper_id: str = Field(alias="paperId", max_length=500, description="An arXiv id or URL.")


def _refused(exc: collections.CollectionRefused, status: int) -> HTTPException:
    return HTTPException(status, str(exc))


@router.get("/collections", responses=ERRORS)
def list_collections(session: SessionDep, user: CurrentUser) -> list[CollectionOut]:
    """Your collections, oldest first, with how many papers each holds."""
    return [
        CollectionOut(
            id=s.collection.id, name=s.collection.name, num_papers=s.papers, created_at=s.collection.created_at
        )
        for s in collections.collections_of(session, user)
    ]


@router.post("/collections", status_code=201, responses=ERRORS)
def create_collection(db: DatabaseDep, user: CurrentUser, payload: Annotated[CollectionIn, Body()]) -> CollectionOut:
    """A new, empty collection; a name you have used already is a 400."""
    try:
        with db.write() as session:
            collection = collections.create_collection(session, user, payload.name)
            out = CollectionOut(id=collection.id, name=collection.name, num_papers=0, created_at=collection.created_at)
    except collections.CollectionRefused as exc:
        raise _refused(exc, 400) from exc
    return out


@router.get(
    "/collections/{collection_id}",
    response_model=CollectionWithPapersOut,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def read_collection(collection_id: IdPath, session: SessionDep, user: CurrentUser) -> ApiJson:
    """One of your collections with its papers (another member's is a 404: collections are private)."""
    try:
        collection = collections.own_collection(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise _refused(exc, 404) from exc
    papers = collections.papers_in(session, collection)
    ids = [p.id for p in papers]
    entries = {e.paper_id: e for e in session.scalars(select(DailyEntry).where(DailyEntry.paper_id.in_(ids)))}
    extras = load_extras(session, ids)
    return ApiJson(
        {
            "id": collection.id,
            "name": collection.name,
            "numPapers": len(papers),
            "createdAt": collection.created_at,
            "papers": [paper_out(p, entries.get(p.id), extras) for p in papers],
        }
    )


@router.post("/collections/{collection_id}/papers", status_code=204, responses=ERRORS)
def add_paper(
    collection_id: IdPath, db: DatabaseDep, user: CurrentUser, payload: Annotated[PaperRefIn, Body()]
) -> Response:
    """Save a paper to the collection (saving it twice is not an error)."""
    try:
        with db.write() as session:
            paper = paper_or_404(session, payload.paper_id)
            collections.save(session, user, paper, collection_id)
    except collections.CollectionRefused as exc:
        raise _refused(exc, 404) from exc
    return Response(status_code=204)


@router.delete("/collections/{collection_id}/papers/{paper_id:arxiv_id}", status_code=204, responses=ERRORS)
def remove_paper(collection_id: IdPath, paper_id: PaperIdPath, db: DatabaseDep, user: CurrentUser) -> Response:
    """Take a paper out of the collection (one that is not in it is no error)."""
    try:
        with db.write() as session:
            paper = paper_or_404(session, paper_id)
            collections.unsave(session, user, paper, collection_id)
    except collections.CollectionRefused as exc:
        raise _refused(exc, 404) from exc
    return Response(status_code=204)


@router.get(
    "/collections/{collection_id}/export",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/x-bibtex": {}}, "description": "The citations."}},
)
def export_collection(
    collection_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[Format, Query(description="bibtex, ris or csl-json.")] = Format.bibtex,
) -> Response:
    """The collection as BibTeX, RIS or CSL-JSON (what Zotero, Mendeley and BibDesk import)."""
    try:
        name, papers = exports.collection_papers(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise _refused(exc, 404) from exc
    return exports.download(papers, format, name)
