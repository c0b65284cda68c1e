"""Settings: enrichment (the `enrich` job): code links, GitHub stars, Hugging Face metadata, AI summaries.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class EnrichmentSettings(BaseSettings):
    """Enrichment: code links, GitHub stars, Hugging Face metadata and AI summaries (the `enrich` job)."""

    github_api_url: str = Field(default="https://api.github.com", description="GitHub REST API base URL.")
    github_token: str = Field(
        default="",
        description="GitHub token for star counts (optional: without one GitHub allows 60 requests an hour, with "
        "one 5,000). The job stops at the rate limit and resumes after `X-RateLimit-Reset`.",
    )
    github_delay_seconds: float = Field(
        default=1.0, ge=0, description="Minimum seconds between two GitHub API requests of the `enrich` job."
    )
    enrich_batch_size: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Papers each step of the `enrich` job (links, stars, Hugging Face, summaries) takes per run.",
    )
    enrich_recent_days: int = Field(
        default=30,
        ge=1,
        description="A paper first published within this many days is recent: its stars are refreshed daily (older "
        "ones weekly) and, with the mirror on, its Hugging Face metadata daily (older ones are left alone).",
    )
    llm_url: str = Field(
        default="",
        description="Base URL of an OpenAI-compatible chat endpoint (`…/v1`) for AI summaries and keywords of feed "
        'papers and the top of "new". Empty: none are generated.',
    )
    llm_model: str = Field(default="", description="Model name sent to the chat endpoint, stored with each summary.")
    llm_api_key: str = Field(default="", description="Bearer token for the chat endpoint, if it needs one.")
    llm_daily_limit: int = Field(default=100, ge=0, description="Most AI summaries generated per UTC day (0: none).")
