"""Saving papers to collections, "not interested", and the (private) collection pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.community import collections
from dailypapers.papers.lookup import paper_or_404
from dailypapers.web.deps import CsrfChecked, DatabaseDep, SessionDep
from dailypapers.web.forms import back_to, see_other
from dailypapers.web.params import IdForm, IdPath, OptionalIdForm
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=1000)]


@router.post("/papers/{arxiv_id:path}/save", dependencies=[CsrfChecked])
def save(
    request: Request, arxiv_id: str, db: DatabaseDep, user: CurrentUser, collection_id: OptionalIdForm = None
) -> Response:
    try:
        with db.write() as session:
            paper = paper_or_404(session, arxiv_id)
            collections.save(session, user, paper, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return back_to(request, f"/papers/{paper.arxiv_id}")


@router.post("/papers/{arxiv_id:path}/unsave", dependencies=[CsrfChecked])
def unsave(request: Request, arxiv_id: str, db: DatabaseDep, user: CurrentUser, collection_id: IdForm) -> Response:
    try:
        with db.write() as session:
            paper = paper_or_404(session, arxiv_id)
            collections.unsave(session, user, paper, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return back_to(request, f"/collections/{collection_id}")


@router.post("/papers/{arxiv_id:path}/dismiss", dependencies=[CsrfChecked])
def dismiss(request: Request, arxiv_id: str, db: DatabaseDep, user: CurrentUser) -> Response:
    with db.write() as session:
        paper = paper_or_404(session, arxiv_id)
        collections.dismiss(session, user, paper)
    return back_to(request, f"/papers/{paper.arxiv_id}")


@router.post("/papers/{arxiv_id:path}/undismiss", dependencies=[CsrfChecked])
def undismiss(request: Request, arxiv_id: str, db: DatabaseDep, user: CurrentUser) -> Response:
    with db.write() as session:
        paper = paper_or_404(session, arxiv_id)
        collections.undismiss(session, user, paper)
    return back_to(request, f"/papers/{paper.arxiv_id}")


@router.get("/collections")
def collections_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    context = {"summaries": collections.collections_of(session, user)}
    return render(request, "community/collections.html", context)


@router.post("/collections", dependencies=[CsrfChecked])
def create(request: Request, db: DatabaseDep, user: CurrentUser, name: Name) -> Response:
    try:
        with db.write() as session:
            collection = collections.create_collection(session, user, name)
    except collections.CollectionRefused as exc:
        with db.read() as session:
            context = {"summaries": collections.collections_of(session, user), "error": str(exc), "name": name}
        return render(request, "community/collections.html", context, status_code=400)
    return see_other(f"/collections/{collection.id}")


@router.get("/collections/{collection_id}")
def collection_page(request: Request, collection_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    try:
        collection = collections.own_collection(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    context = {"collection": collection, "papers": collections.papers_in(session, collection)}
    return render(request, "community/collection.html", context)


@router.post("/collections/{collection_id}/rename", dependencies=[CsrfChecked])
def rename(collection_id: IdPath, db: DatabaseDep, user: CurrentUser, name: Name) -> Response:
    with db.write() as session:
        collections.rename_collection(session, user, collection_id, name)
    return see_other(f"/collections/{collection_id}")


@router.post("/collections/{collection_id}/delete", dependencies=[CsrfChecked])
def delete(collection_id: IdPath, db: DatabaseDep, user: CurrentUser) -> Response:
    try:
        with db.write() as session:
            collections.delete_collection(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return see_other("/collections")
