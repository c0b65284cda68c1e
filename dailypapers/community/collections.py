"""Collections (named reading lists, a default "Reading list") and "not interested" marks: what a user keeps
and what they dismiss, the personal feed's positive and negative signals. Collections are private."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from dailypapers.accounts.models import User
from dailypapers.community.models import Collection, CollectionItem, Dismissal
from dailypapers.db import insert_ignoring_conflicts
from dailypapers.errors import Refused
from dailypapers.papers.models import Paper
from dailypapers.text import clean_line

DEFAULT_COLLECTION = "Reading list"
COLLECTION_NAME_MAX_CHARS = 100


class CollectionRefused(ValueError, Refused):
    """A refusal whose message is safe to show."""


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    collection: Collection
    papers: int
    holds: bool = False  # holds the paper collections_of was asked about


def _insert_ignore(session: Session, model: type[CollectionItem] | type[Dismissal], **values: int) -> None:
    session.execute(insert_ignoring_conflicts(session, model).values(**values))


def create_collection(session: Session, user: User, name: str) -> Collection:
    name = clean_line(name, COLLECTION_NAME_MAX_CHARS)
    if not name:
        raise CollectionRefused("Give the collection a name.")
    collection = Collection(user_id=user.id, name=name)
    try:
        with session.begin_nested():
            session.add(collection)
    except IntegrityError:
        raise CollectionRefused(f"You have a collection called “{name}” already.") from None
    return collection


def default_collection(session: Session, user: User) -> Collection:
    existing = session.scalar(
        select(Collection).where(Collection.user_id == user.id, Collection.name == DEFAULT_COLLECTION)
    )
    return existing or create_collection(session, user, DEFAULT_COLLECTION)


def own_collection(session: Session, user: User, collection_id: int) -> Collection:
    collection = session.get(Collection, collection_id)
    # Someone else's collection is "not found", not "forbidden": collections are private.
    if collection is None or collection.user_id != user.id:
        raise CollectionRefused("You have no such collection.")
    return collection


def save(session: Session, user: User, paper: Paper, collection_id: int | None = None) -> Collection:
    collection = own_collection(session, user, collection_id) if collection_id else default_collection(session, user)
    _insert_ignore(session, CollectionItem, collection_id=collection.id, paper_id=paper.id)
    return collection


def unsave(session: Session, user: User, paper: Paper, collection_id: int) -> None:
    collection = own_collection(session, user, collection_id)
    session.execute(
        delete(CollectionItem).where(CollectionItem.collection_id == collection.id, CollectionItem.paper_id == paper.id)
    )


def rename_collection(session: Session, user: User, collection_id: int, name: str) -> Collection:
    collection = own_collection(session, user, collection_id)
    name = clean_line(name, COLLECTION_NAME_MAX_CHARS)
    if not name:
        raise CollectionRefused("Give the collection a name.")
    try:
        with session.begin_nested():
            collection.name = name
    except IntegrityError:
        raise CollectionRefused(f"You have a collection called “{name}” already.") from None
    return collection


def delete_collection(session: Session, user: User, collection_id: int) -> None:
    session.delete(own_collection(session, user, collection_id))


def collections_of(session: Session, user: User, holding: Paper | None = None) -> list[CollectionSummary]:
    """The user's collections with their sizes, oldest first; with ``holding``, also which hold that paper (the
    paper page's save menu: one query, not two)."""
    count = (
        select(func.count())
        .select_from(CollectionItem)
        .where(CollectionItem.collection_id == Collection.id)
        .scalar_subquery()
    )
    holds = (
        exists().where(CollectionItem.collection_id == Collection.id, CollectionItem.paper_id == holding.id)
        if holding is not None
        else literal(False)
    )
    query = (
        select(Collection, count, holds)
        .where(Collection.user_id == user.id)
        .order_by(Collection.created_at, Collection.id)
    )
    return [CollectionSummary(collection, papers, bool(held)) for collection, papers, held in session.execute(query)]


def papers_in(session: Session, collection: Collection, *, with_authors: bool = False) -> list[Paper]:
    query = (
        select(Paper)
        .join(CollectionItem, CollectionItem.paper_id == Paper.id)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.added_at.desc(), Paper.id.desc())
    )
    if with_authors:  # exports and the API list names: one more query for the whole page, not one per paper
        query = query.options(selectinload(Paper.authors))
    return list(session.scalars(query))


def dismiss(session: Session, user: User, paper: Paper) -> None:
    _insert_ignore(session, Dismissal, user_id=user.id, paper_id=paper.id)


def undismiss(session: Session, user: User, paper: Paper) -> None:
    session.execute(delete(Dismissal).where(Dismissal.user_id == user.id, Dismissal.paper_id == paper.id))


def dismissed_clause(user: User, paper: Paper) -> ColumnElement[bool]:
    """Whether ``user`` said "not interested" in ``paper``, as an EXISTS a page can select beside other marks."""
    return exists().where(Dismissal.user_id == user.id, Dismissal.paper_id == paper.id)
