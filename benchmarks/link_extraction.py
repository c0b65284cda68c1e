"""Benchmark: code and project links extracted from arXiv text, against Hugging Face's ``githubRepo``.

Takes every paper of the 2025 days of ``../shared/data/arxiv_daily_listings`` (arXiv's "new" lists: abstract
and comments) that a day of ``../shared/data/hf_daily_papers`` also lists (``repaired/`` preferred for the
malformed days), runs ``dailypapers.sources.links.extract_links`` on abstract + comments (the listings carry
no journal ref), and compares, paper by paper:

- the first GitHub repository found with HF's ``githubRepo`` (same repository, any case, ``.git`` or depth);
- the first project page found with HF's ``projectPage`` (same URL up to scheme, case and trailing slash).

precision = right / papers where both give a link ("judged"); recall = right / papers where HF has one. HF's
links are added by authors and HF staff, often not written in the paper's text at all, so recall is also shown
for the papers whose text contains HF's link ("where written"): that is the extractor's own miss rate. Links we
find where HF has none ("extra") are counted but not judged; "strict" precision counts them all as wrong.
Prints one table and the mistakes (``--show``); nothing is asserted.

    .venv/bin/python benchmarks/link_extraction.py [--data PATH] [--show 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dailypapers.sources.links import extract_links, same_repo  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


@dataclass
class Score:
    name: str
    right: int = 0
    judged: int = 0  # we give a link and HF has one
    extra: int = 0  # we give a link, HF has none (not judged: HF's list misses many)
    expected: int = 0
    findable: int = 0  # HF's link is written in the text
    findable_right: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, ours: str | None, theirs: str | None, same: bool, in_text: bool, arxiv_id: str) -> None:
        self.judged += ours is not None and theirs is not None
        self.extra += ours is not None and theirs is None
        self.expected += theirs is not None
        self.findable += in_text
        if same:
            self.right += 1
            self.findable_right += in_text
        elif theirs is not None and (ours is not None or in_text):
            self.mistakes.append(f"{arxiv_id}: ours {ours} | HF {theirs}")

    def row(self) -> str:
        precision = self.right / self.judged if self.judged else float("nan")
        recall = self.right / self.expected if self.expected else float("nan")
        findable = self.findable_right / self.findable if self.findable else float("nan")
        given = self.judged + self.extra
        strict = self.right / given if given else float("nan")
        return (
            f"{self.name:<12} {self.expected:>5} {self.judged:>7} {self.right:>6} {precision:>10.3f} {recall:>7.3f} "
            f"{findable:>8.3f} of {self.findable:<4} {self.extra:>6} {strict:>7.3f}"
        )


def _page_key(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/").casefold().removeprefix("www.")


def _written_in(url: str | None, text: str) -> bool:
    """True when ``url`` (without scheme or trailing slash, any case) is written in ``text``."""
    return bool(url) and _page_key(url or "").removesuffix(".git") in text.casefold()


def load(data: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    listings: dict[str, dict[str, Any]] = {}
    days = sorted((data / "arxiv_daily_listings" / "days").glob("2025-*.jsonl"))
    if not days:
        raise SystemExit(f"missing: {data}/arxiv_daily_listings/days/2025-*.jsonl (see the data README)")
    for path in days:
        for line in path.read_text().splitlines():
            row = json.loads(line)
            listings.setdefault(row["id"], row)
    hf: dict[str, dict[str, Any]] = {}
    hf_days = data / "hf_daily_papers"
    files = sorted((hf_days / "days").glob("*.json"))
    if not files:
        raise SystemExit(f"missing: {hf_days}/days/*.json (see the data README)")
    for path in files:
        repaired = hf_days / "repaired" / path.name
        for item in json.loads((repaired if repaired.is_file() else path).read_text()):
            hf[item["paper"]["id"]] = item["paper"]
    return listings, hf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", type=int, default=0, help="print this many mistakes of each kind")
    args = parser.parse_args()
    listings, hf = load(args.data)
    both = sorted(set(listings) & set(hf))
    code, page = Score("githubRepo"), Score("projectPage")
    started = time.perf_counter()
    for arxiv_id in both:
        row, theirs = listings[arxiv_id], hf[arxiv_id]
        texts = (row.get("summary"), row.get("comment"))
        links = extract_links(texts)
        text = " ".join(t or "" for t in texts)
        hf_repo, hf_page = theirs.get("githubRepo") or None, theirs.get("projectPage") or None
        code.add(
            links.github_repo, hf_repo, same_repo(links.github_repo, hf_repo), _written_in(hf_repo, text), arxiv_id
        )
        same_page = bool(links.project_page and hf_page and _page_key(links.project_page) == _page_key(hf_page))
        page.add(links.project_page, hf_page, same_page, _written_in(hf_page, text), arxiv_id)
    seconds = time.perf_counter() - started
    print(f"papers in both sets: {len(both)} (2025 arXiv listing days x Hugging Face days); "
          f"{len(both) / seconds:,.0f} papers/s extracted")  # fmt: skip
    print(f"{'field':<12} {'HF':>5} {'judged':>7} {'right':>6} {'precision':>10} {'recall':>7} "
          f"{'recall where written':>16} {'extra':>6} {'strict':>7}")  # fmt: skip
    for score in (code, page):
        print(score.row())
    for score in (code, page):
        for line in score.mistakes[: args.show]:
            print(f"  {score.name} {line}")


if __name__ == "__main__":
    main()
