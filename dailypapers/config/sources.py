"""Settings: the outside sources (arXiv, Hugging Face) and the jobs that read them.

One part of ``dailypapers.config.Settings``, which mixes them all; each field is ``DAILYPAPERS_<NAME>``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class SourceSettings(BaseSettings):
    """The outside sources (arXiv, Hugging Face) and the jobs that read them."""

    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query", description="arXiv API endpoint (Atom search and id lookup)."
    )
    arxiv_oai_url: str = Field(default="https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint.")
    hf_url: str = Field(default="https://huggingface.co", description="Hugging Face base URL (daily papers API).")
    arxiv_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        description="Minimum seconds between two requests to arXiv (its politeness rule). 0 only for local mirrors.",
    )
    contact_email: str = Field(
        default="",
        description="Contact address sent in the User-Agent to arXiv and Hugging Face, as arXiv asks of harvesters.",
    )
    http_timeout_seconds: float = Field(default=60.0, gt=0, description="Timeout of one HTTP request to a source.")
    http_max_response_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest response accepted from a source, in bytes (an OAI page of 1,000 records is ~2 MB).",
    )
    harvest_categories: str = Field(
        default="cs.LG cs.CL cs.CV stat.ML",
        description="arXiv categories the scheduled harvest keeps (space-separated). Empty turns the harvest off.",
    )
    hf_mirror: bool = Field(
        default=True,
        description="Mirror Hugging Face Daily Papers: the `hf-daily` job (in `serve` and `worker`) syncs each "
        "day's list once the day has closed (UTC), catches up on missed days and refreshes recent days' upvotes.",
    )
    hf_mirror_catchup_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="How many closed days back the `hf-daily` job syncs when it has missed some (a stopped "
        "server); older days are left to `dailypapers ingest hf --from`.",
    )
    hf_delay_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Minimum seconds between two requests to Hugging Face by the mirror job. 0 only for local mirrors.",
    )
    feed_community_upvotes: int = Field(
        default=3,
        ge=0,
        description="Local upvotes that put a paper not yet on the daily feed onto it (origin `community`), so a "
        "community curates its own feed from what it reads. Hugging Face's count does not count. 0 turns it off.",
    )
    scheduler: bool = Field(
        default=True,
        description="Run background jobs (the daily arXiv harvest) inside `dailypapers serve`. Turn off when "
        "`dailypapers worker` processes run them.",
    )

    @property
    def category_list(self) -> list[str]:
        return self.harvest_categories.split()
