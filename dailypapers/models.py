"""Imports every model module so ``Base.metadata`` is complete (for Alembic and tests)."""

from dailypapers.accounts.models import ApiToken, User, UserSession
from dailypapers.community.models import AuthorClaim, Collection, CollectionItem, Comment, Dismissal
from dailypapers.db import Base
from dailypapers.digests.models import OutboxMessage, Subscription
from dailypapers.ingest.models import HarvestCheckpoint, PaperEnrichment
from dailypapers.jobs.models import JobLease, JobRun, WorkClaim
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor
from dailypapers.personal.models import FeedKey, Follow, InterestModelRow, SavedSearch
from dailypapers.search.models import PaperVector
from dailypapers.votes.models import Vote
from dailypapers.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "ApiToken",
    "Author",
    "AuthorClaim",
    "Base",
    "Collection",
    "CollectionItem",
    "Comment",
    "DailyEntry",
    "Dismissal",
    "FeedKey",
    "Follow",
    "HarvestCheckpoint",
    "InterestModelRow",
    "JobLease",
    "JobRun",
    "OutboxMessage",
    "Paper",
    "PaperAuthor",
    "PaperEnrichment",
    "PaperVector",
    "SavedSearch",
    "Subscription",
    "User",
    "UserSession",
    "Vote",
    "Webhook",
    "WebhookDelivery",
    "WorkClaim",
]
