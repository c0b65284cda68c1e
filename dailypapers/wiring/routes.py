"""Every router, in the order the app matches them. Imported by ``wiring.routers()`` only, after the path
convertors are registered: Starlette compiles each route's path when its module declares it."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.accounts import api as accounts_api
from dailypapers.accounts import views as accounts_views
from dailypapers.api import collections as api_collections
from dailypapers.api import daily_papers as api_daily_papers
from dailypapers.api import exports as api_exports
from dailypapers.api import markdown as api_markdown
from dailypapers.api import papers as api_papers
from dailypapers.api import search as api_search
from dailypapers.community import api as community_api
from dailypapers.community import claim_views, collection_views, comment_views, profile_views, submit_views
from dailypapers.digests import views as digest_views
from dailypapers.export import views as export_views
from dailypapers.feeds import views as feed_views
from dailypapers.pages import author as author_page
from dailypapers.pages import for_you as for_you_page
from dailypapers.pages import listings as listing_pages
from dailypapers.pages import new_on_arxiv, personal_feeds
from dailypapers.pages import paper as paper_page
from dailypapers.pages import settings as settings_page
from dailypapers.personal import follow_views, saved_search_views
from dailypapers.personal import views as personal_views
from dailypapers.ranking import views as ranking_views
from dailypapers.search import views as search_views
from dailypapers.votes import api as votes_api
from dailypapers.votes import views as votes_views
from dailypapers.webhooks import views as webhook_views

# Today's order, kept as it was: the catch-alls /api/papers/{paper_id:path} and /papers/{arxiv_id:path} come
# last, after every route that shares their prefix.
ROUTERS: tuple[APIRouter, ...] = (
    listing_pages.router,
    feed_views.router,  # /papers/new/feed.atom before /papers/new/{day}
    new_on_arxiv.router,  # /papers/new before /papers/{arxiv_id:path}
    new_on_arxiv.api_router,  # before /api/papers/{paper_id:path}
    accounts_views.router,
    settings_page.router,
    accounts_api.router,
    votes_views.router,
    votes_api.router,  # before /api/papers/{paper_id:path}
    community_api.router,  # before /api/papers/{paper_id:path}
    submit_views.router,  # /papers/submit before /papers/{arxiv_id:path}
    comment_views.router,
    claim_views.router,
    collection_views.router,
    profile_views.router,
    author_page.router,
    personal_feeds.router,
    follow_views.router,
    saved_search_views.router,
    digest_views.router,
    webhook_views.router,
    for_you_page.router,
    personal_views.router,
    personal_views.api_router,
    listing_pages.trending_router,  # /papers/trending before /papers/{arxiv_id:path}
    ranking_views.router,
    api_search.router,  # before /api/papers/{paper_id:path}
    api_papers.router,  # /api/papers and /api/papers/{id}/similar before /api/papers/{paper_id:path}
    api_collections.router,
    api_exports.router,
    api_daily_papers.router,
    search_views.router,
    export_views.router,  # /papers/trending/export.bib before /papers/{arxiv_id:path}
    api_markdown.router,  # /papers/{id}.md before /papers/{arxiv_id:path}
    paper_page.router,
)
