"""Export downloads from the pages: ``/papers/{date|week|month}/{slug}/export.{bib,ris,json}``,
``/papers/trending/export.…`` and ``/collections/{id}/export.…`` (your own, logged in). The API's exports are in
api/ (collections.py, exports.py)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from dailypapers.accounts.auth import CurrentUser
from dailypapers.community import collections
from dailypapers.export import services
from dailypapers.export.formats import BY_EXTENSION, Format
from dailypapers.papers.listings import Sort
from dailypapers.papers.periods import PeriodKind, parse_period
from dailypapers.web.deps import SessionDep
from dailypapers.web.params import IdPath

router = APIRouter(include_in_schema=False)


def _format(extension: str) -> Format:
    try:
        return BY_EXTENSION[extension]
    except KeyError:
        raise HTTPException(404, f"We export .bib, .ris and .json, not .{extension[:20]}.") from None


@router.get("/papers/trending/export.{extension}")
def trending_export(extension: str, session: SessionDep) -> Response:
    papers = services.listing_papers(session, None, sort=Sort.trending, limit=100)
    return services.download(papers, _format(extension), "trending")


@router.get("/papers/{kind:period}/{slug}/export.{extension}")
def period_export(kind: str, slug: str, extension: str, session: SessionDep) -> Response:
    fmt = _format(extension)
    period = parse_period(PeriodKind(kind), slug)  # InvalidPeriod is a Refused: a 400
    return services.download(services.listing_papers(session, period), fmt, f"papers-{slug}")


@router.get("/collections/{collection_id}/export.{extension}")
def collection_export(collection_id: IdPath, extension: str, session: SessionDep, user: CurrentUser) -> Response:
    fmt = _format(extension)
    try:
        name, papers = services.collection_papers(session, user, collection_id)
    except collections.CollectionRefused as exc:
        raise HTTPException(404, str(exc)) from exc
    return services.download(papers, fmt, name)
