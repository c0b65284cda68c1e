"""The caller's own tools: the "for you" feed and collections (reads), and save, dismiss, upvote (writes, which
a read-only token may not call). Each write is one transaction through the service the site's buttons use."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dailypapers.community import collections as community_collections
from dailypapers.mcp.schemas import (
    CollectionOut,
    CollectionPaper,
    Collections,
    Dismissed,
    ForYou,
    Recommendation,
    Saved,
    Vote,
    card_out,
)
from dailypapers.mcp.state import ToolContext, caller, find_paper, refusals, state_of, writer
from dailypapers.mcp.tools import PaperId
from dailypapers.personal.feed import PeriodName, for_you_in
from dailypapers.votes import services as votes

MAX_FOR_YOU = 100
MAX_COLLECTION_PAPERS = 500


def for_you(
    ctx: ToolContext,
    period: Annotated[PeriodName, Field(description="today (the latest day with papers) or week (its week).")] = (
        "today"
    ),
    limit: Annotated[int, Field(ge=1, le=MAX_FOR_YOU, description=f"How many papers, 1 to {MAX_FOR_YOU}.")] = 30,
) -> ForYou:
    """Your personal feed, as /for-you shows it: the period's papers ranked by a model learned from what you
    upvoted, saved and dismissed (with the liked paper each one is closest to); before there are enough of
    those signals, the categories you chose by trending, or plain trending."""
    state = state_of(ctx)
    with refusals(), state.db.read() as session:
        user = caller(ctx, session)
        chosen, feed = for_you_in(session, state.settings, user, period, limit)
    if chosen is None or feed is None:
        return ForYou(mode="trending", period=None, papers=[])
    base = state.settings.base_url
    papers = [
        Recommendation(
            paper=card_out(base, item.card),
            score=item.score,
            because_id=item.because[0] if item.because else None,
            because_title=item.because[1] if item.because else None,
        )
        for item in feed.items
    ]
    return ForYou(mode=feed.mode.value, period=chosen.slug, papers=papers)


def my_collections(
    ctx: ToolContext,
    papers_per_collection: Annotated[
        int,
        Field(ge=0, le=MAX_COLLECTION_PAPERS, description="Papers listed per collection, newest first (0: none)."),
    ] = 50,
) -> Collections:
    """Your collections (private reading lists; "Reading list" is the default one), with their ids, how many
    papers each holds and the newest of them."""
    state = state_of(ctx)
    with refusals(), state.db.read() as session:
        user = caller(ctx, session)
        out = []
        for summary in community_collections.collections_of(session, user):
            papers = community_collections.papers_in(session, summary.collection)[:papers_per_collection]
            out.append(
                CollectionOut(
                    id=summary.collection.id,
                    name=summary.collection.name,
                    papers_count=summary.papers,
                    papers=[CollectionPaper(id=p.arxiv_id, title=p.title) for p in papers],
                )
            )
    return Collections(collections=out)


def save(
    ctx: ToolContext,
    paper_id: PaperId,
    collection_id: Annotated[
        int | None,
        Field(ge=1, le=2**31 - 1, description="One of your collections (see my_collections); default: Reading list."),
    ] = None,
) -> Saved:
    """Save a paper to one of your collections (saving it twice changes nothing). Saves teach your for_you
    feed what you like."""
    state = state_of(ctx)
    with refusals(community_collections.CollectionRefused), state.db.write() as session:
        user = writer(ctx, session)
        found = find_paper(session, paper_id)
        collection = community_collections.save(session, user, found, collection_id)
        return Saved(paper_id=found.arxiv_id, collection_id=collection.id, collection_name=collection.name)


def dismiss(
    ctx: ToolContext,
    paper_id: PaperId,
    undo: Annotated[bool, Field(description="True takes a dismissal back.")] = False,
) -> Dismissed:
    """Mark a paper "not interested": your for_you feed leaves it out and learns from it. undo=true takes it
    back."""
    state = state_of(ctx)
    with refusals(), state.db.write() as session:
        user = writer(ctx, session)
        found = find_paper(session, paper_id)
        if undo:
            community_collections.undismiss(session, user, found)
        else:
            community_collections.dismiss(session, user, found)
        return Dismissed(paper_id=found.arxiv_id, dismissed=not undo)


def upvote(
    ctx: ToolContext,
    paper_id: PaperId,
    upvoted: Annotated[bool, Field(description="False withdraws your upvote.")] = True,
) -> Vote:
    """Upvote a paper (or withdraw the upvote with upvoted=false); idempotent. Upvotes move the paper's count
    and trending score, and teach your for_you feed."""
    state = state_of(ctx)
    with refusals(), state.db.write() as session:
        user = writer(ctx, session)
        found = find_paper(session, paper_id)
        vote = votes.set_vote(session, user, found, upvoted)
        return Vote(paper_id=found.arxiv_id, upvoted=vote.upvoted, upvotes=vote.upvotes, changed=vote.changed)
