"""GitHub's REST API for star counts: ``GET /repos/{owner}/{repo}``, conditionally, within the rate limit.

- **Conditional requests.** The ETag of the last answer goes back as ``If-None-Match``; a 304 means "unchanged"
  and, by GitHub's rules, does not count against the rate limit.
- **Rate limit.** When ``X-RateLimit-Remaining`` reaches 0, or GitHub refuses with 403/429 and a zero remaining
  count, the caller is told to stop until ``X-RateLimit-Reset`` (epoch seconds). A 429 or 403 with
  ``Retry-After`` (GitHub's secondary limit) gives that delay instead.
- **Renamed repositories** answer 301 to the new location, which the client follows: the answer then names
  the repository's new ``full_name`` and ``html_url``. **Deleted** (or made private) ones answer 404.

No database here: the enrichment job (ingest/enrich_github.py) decides what to fetch and stores the results.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from enum import StrEnum

from dailypapers.sources.http import SourceClient, SourceError, SourceResponse, parse_retry_after
from dailypapers.sources.links import Host, code_link
from dailypapers.text import whole_number

API_VERSION = "2022-11-28"
# Statuses that mean something here, rather than a failed request.
_MEANINGFUL = frozenset({304, 403, 404, 410, 429, 451})


class RepoStatus(StrEnum):
    ok = "ok"  # stars read (the repository may have moved: see moved_to)
    unchanged = "unchanged"  # 304: the stars stored with this ETag are current
    gone = "gone"  # 404/410/451: deleted, private or blocked
    rate_limited = "rate_limited"  # stop asking until resume_at


@dataclass(frozen=True)
class RepoAnswer:
    status: RepoStatus
    stars: int | None = None
    etag: str | None = None
    url: str | None = None  # the repository's canonical https://github.com/Owner/Name
    moved: bool = False  # a redirect was followed: the repository was renamed or transferred
    # When to ask again: set when rate_limited, and on the answer that used the window's last request.
    resume_at: dt.datetime | None = None
    remaining: int | None = None  # requests left in this window (None: not said)


def repo_path(url: str) -> str | None:
    """``owner/name`` of a GitHub repository URL, or None when ``url`` is not one."""
    link = code_link(url)
    if link is None or link.host is not Host.github:
        return None
    return link.url.removeprefix("https://github.com/")


class GitHubRepos:
    def __init__(self, base_url: str, client: SourceClient, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.token = token

    def fetch(self, path: str, etag: str | None = None, now: dt.datetime | None = None) -> RepoAnswer:
        """The repository ``owner/name`` now. Raises SourceError when GitHub cannot be reached or answers
        something unexpected (5xx after retries, a body that is not a repository)."""
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if etag:
            headers["If-None-Match"] = etag
        response = self.client.request(
            "GET", f"{self.base_url}/repos/{path}", expect=("json",), headers=headers, accept=_MEANINGFUL
        )
        now = now or dt.datetime.now(dt.UTC)
        remaining = _int_header(response, "x-ratelimit-remaining")
        if response.status in (403, 429):
            return self._refused(response, remaining, now)
        if response.status == 304:
            answer = RepoAnswer(RepoStatus.unchanged, etag=etag, remaining=remaining)
        elif response.status in (404, 410, 451):
            answer = RepoAnswer(RepoStatus.gone, remaining=remaining)
        else:
            answer = _parse_repo(response, remaining)
        reset = _int_header(response, "x-ratelimit-reset")
        if remaining == 0 and reset is not None:
            # This answer used the window's last request: the caller stops after storing it.
            answer = replace(answer, resume_at=dt.datetime.fromtimestamp(reset, dt.UTC))
        return answer

    def _refused(self, response: SourceResponse, remaining: int | None, now: dt.datetime) -> RepoAnswer:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        if retry_after is not None:
            return RepoAnswer(RepoStatus.rate_limited, resume_at=now + dt.timedelta(seconds=retry_after))
        reset = _int_header(response, "x-ratelimit-reset")
        if remaining == 0 and reset is not None:
            return RepoAnswer(RepoStatus.rate_limited, resume_at=dt.datetime.fromtimestamp(reset, dt.UTC))
        # A 403 that is not the rate limit (blocked repository, bad token) is about this request only.
        excerpt = response.body[:200].decode("utf-8", "replace")
        raise SourceError(f"HTTP {response.status} from {response.url}: {excerpt}")


def _int_header(response: SourceResponse, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return whole_number(value)


def _parse_repo(response: SourceResponse, remaining: int | None) -> RepoAnswer:
    try:
        data = json.loads(response.body)
        stars = data["stargazers_count"]
        html_url = data["html_url"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{response.url}: not a GitHub repository object ({exc})") from exc
    if isinstance(stars, bool) or not isinstance(stars, int) or stars < 0 or not isinstance(html_url, str):
        raise SourceError(f"{response.url}: stargazers_count or html_url has the wrong type")
    path = repo_path(html_url)
    return RepoAnswer(
        RepoStatus.ok,
        stars=stars,
        etag=response.headers.get("etag"),
        url=f"https://github.com/{path}" if path else None,
        moved=response.redirected,
        remaining=remaining,
    )
