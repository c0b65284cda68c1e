"""The outside world of a simulated week, on one loopback server: arXiv's OAI-PMH, Hugging Face's daily lists and
GitHub's ``/repos/{owner}/{repo}``, each answering only what exists at the simulation's ``now``.

- OAI-PMH (``/oai``, format ``arXiv``) serves real arXiv listing records (``fixtures/daily_loop``, see
  PROVENANCE.md), each given one of the simulated announcement days as its datestamp and the day before as its
  submission. A record exists once its announcement (00:00 UTC of its datestamp, 20:00 US/Eastern the evening
  before) has passed, and ``from``/``until``/``set`` select as arXiv does (set = the archive of any category).
- Hugging Face (``/api/daily_papers?date=``) replays the recorded days of ``fixtures/hf_days`` once the day has
  closed (UTC); ``hf_upvotes`` overrides a paper's count, as Hugging Face's counts keep growing (or shrink).
- GitHub (``/repos/{owner}/{repo}``) answers from ``fixtures/daily_loop/github_repos.json`` (404 for others).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from tests.replay import JSON, ReplayServer, Reply

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LOOP = FIXTURES / "daily_loop"
LISTING = LOOP / "arxiv_listing_2025-10-17_head18.jsonl"
# The simulated announcement days; the listing's records are dealt to them in file order, six a day. They are the
# Hugging Face days of the fixture, so "the same dates" holds for both sources.
ANNOUNCEMENT_DAYS = (dt.date(2025, 10, 29), dt.date(2025, 10, 30), dt.date(2025, 10, 31))
RECORDS_PER_DAY = 6


@dataclass(frozen=True)
class ListingRecord:
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # as the listing has them (real arXiv categories only: MSC/ACM codes dropped)
    comment: str | None
    announced: dt.date

    def in_set(self, set_spec: str) -> bool:
        return any(c.split(".", 1)[0] == set_spec for c in self.categories)


def listing_records() -> list[ListingRecord]:
    records = []
    for index, line in enumerate(LISTING.read_text().splitlines()):
        raw = json.loads(line)
        categories = tuple(c for c in raw["categories"] if "." in c and c.split(".")[0].isalpha() and " " not in c)
        records.append(
            ListingRecord(
                arxiv_id=raw["id"],
                title=raw["title"],
                abstract=raw["summary"],
                authors=tuple(raw["authors"]),
                categories=categories,
                comment=raw["comment"],
                announced=ANNOUNCEMENT_DAYS[index // RECORDS_PER_DAY],
            )
        )
    return records


def github_repos() -> dict[str, dict[str, object]]:
    repos: dict[str, dict[str, object]] = json.loads((LOOP / "github_repos.json").read_text())
    return repos


def _author(name: str) -> str:
    forenames, _, keyname = name.rpartition(" ")
    inner = f"<keyname>{escape(keyname)}</keyname>"
    return (
        f"<author>{inner}<forenames>{escape(forenames)}</forenames></author>"
        if forenames
        else f"<author>{inner}</author>"
    )


def _oai_record(record: ListingRecord) -> str:
    comments = f"<comments>{escape(record.comment)}</comments>" if record.comment else ""
    return (
        f"<record><header><identifier>oai:arXiv.org:{record.arxiv_id}</identifier>"
        f"<datestamp>{record.announced}</datestamp></header><metadata>"
        '<arXiv xmlns="http://arxiv.org/OAI/arXiv/">'
        f"<id>{record.arxiv_id}</id><created>{record.announced - dt.timedelta(days=1)}</created>"
        f"<authors>{''.join(_author(a) for a in record.authors)}</authors>"
        f"<title>{escape(record.title)}</title><categories>{' '.join(record.categories)}</categories>"
        f"{comments}<abstract>{escape(record.abstract)}</abstract></arXiv></metadata></record>"
    )


class WorldServer(ReplayServer):
    """Set ``now`` before each simulated step; the server then serves what exists at that moment."""

    def __init__(self) -> None:
        super().__init__()
        self.now = dt.datetime(2025, 10, 27, tzinfo=dt.UTC)
        self.records = listing_records()
        self.repos = github_repos()
        self.hf_upvotes: dict[str, int] = {}

    def handle(self, raw_path: str) -> Reply:
        if raw_path.startswith("/repos/"):
            repo = raw_path.removeprefix("/repos/").split("?", 1)[0]
            with self._lock:
                self.requests.append(("github", {"repo": repo}))
                scripted = self.scripted["github"].popleft() if self.scripted["github"] else None
            return scripted if scripted is not None else self._github(repo)
        return super().handle(raw_path)

    def _oai(self, query: dict[str, str]) -> Reply:
        start = dt.date.fromisoformat(query.get("from", "0001-01-01"))
        end = dt.date.fromisoformat(query["until"]) if query.get("until") else self.now.date()
        chosen = [
            r
            for r in self.records
            if start <= r.announced <= min(end, self.now.date()) and (not query.get("set") or r.in_set(query["set"]))
        ]
        head = (
            '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f"<responseDate>{self.now:%Y-%m-%dT%H:%M:%SZ}</responseDate>"
            '<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
        )
        if not chosen:
            return Reply(body=(head + '<error code="noRecordsMatch">no records</error></OAI-PMH>').encode())
        body = head + "<ListRecords>" + "".join(_oai_record(r) for r in chosen) + "</ListRecords></OAI-PMH>"
        return Reply(body=body.encode())

    def _hf(self, query: dict[str, str]) -> Reply:
        day = dt.date.fromisoformat(query.get("date", "0001-01-01"))
        path = FIXTURES / "hf_days" / f"{day}.json"
        if day >= self.now.date() or not path.is_file():  # an open day is still growing; we serve none
            return Reply(body=b"[]", content_type=JSON)
        items = json.loads(path.read_text())
        for item in items:
            count = self.hf_upvotes.get(item["paper"]["id"])
            if count is not None:
                item["paper"]["upvotes"] = count
        return Reply(body=json.dumps(items).encode(), content_type=JSON)

    def _github(self, repo: str) -> Reply:
        answer = self.repos.get(repo.lower())
        if answer is None:
            return Reply(404, b'{"message": "Not Found"}', JSON)
        return Reply(body=json.dumps(answer).encode(), content_type=JSON, headers={"ETag": f'"{repo.lower()}"'})
