"""Keyword search backends: SQLite FTS5 (bm25) and PostgreSQL (weighted tsvector + pg_trgm), one protocol.

Both rank title over authors over abstract, OR the query's terms together (bm25/ts_rank reward papers that
match more of them, which long natural-language queries need), apply the same filters, and fall back to a
typo-tolerant path when the plain match finds little.
"""

from __future__ import annotations

import datetime as dt
import difflib
import threading
import time
from typing import Any, Protocol

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

from dailypapers.db import UTCDateTime
from dailypapers.papers.filters import sql_fragment
from dailypapers.papers.periods import shifted
from dailypapers.search.query import Filters, ParsedQuery

# bm25 column weights (title, authors, abstract): a title hit is worth ten abstract hits.
FTS_WEIGHTS = (10.0, 5.0, 1.0)
# PostgreSQL ranks at most this many matches per tier, taken in the GIN bitmap's (physical) order: ts_rank_cd
# detoasts each match's full tsvector (title, authors and abstract, ~1.7 KB) and walks its positions, ~15 us a
# row on this 2-core machine. At 100k papers 2,000 made keyword p50 28 ms and 500 made it 12.5 ms (same run).
# SciFact train claims among those 100k papers (benchmarks/search_speed.py --quality): nDCG@10 0.433 with 2,000
# and 0.422-0.426 with 500, recall@100 0.777 and 0.737-0.744. Which matches fill the cap depends on where the scan
# starts (PostgreSQL synchronizes sequential scans), so runs differ by ~0.005.
PG_RANK_CAP = 500
PG_FUZZY_MAX_TERMS = 4
# OR queries take their candidates from the papers holding one of this many rarest terms.
PG_CANDIDATE_TERMS = 3
# Below this many hits the typo-tolerant path runs as well.
FUZZY_BELOW = 5
FUZZY_MIN_TERM_CHARS = 4
FUZZY_CUTOFF = 0.75
COMMON_TERM_SHARE = 0.05
COMMON_TERM_MIN_DOCS = 5000
TERM_STATS_TTL_SECONDS = 600.0
TERM_CACHE_SIZE = 50_000
# PostgreSQL's ANALYZE keeps the share of papers holding each of the most common lexemes of search_vector
# (pg_stats.most_common_elems, ~1,000 of them): a common term's frequency is read from there and only rarer ones
# are counted. Counting "model" (290k of 1M papers) detoasted every tsvector in 1.9-2.4 s, and paper pages of
# papers without vectors (similar papers are then a title search) hit the 30 s statement timeout under load
# (benchmarks/load.py at 1M, README). A term missing from the list is rarer than every listed one: its count
# reads a short posting list.
PG_COMMON_TERM_SQL = """
SELECT (SELECT s.most_common_elem_freqs[array_position(s.most_common_elems::text::text[], t.lexeme)]
          FROM pg_stats s
         WHERE s.schemaname = current_schema() AND s.tablename = 'papers' AND s.attname = 'search_vector'),
       (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'papers'::regclass)
  FROM unnest(tsvector_to_array(to_tsvector('english', :term))) AS t(lexeme)"""
# FTS5 scores every row an OR query matches (bm25 reads each row's position lists, ~2 us a row on this 2-core
# machine), so an OR query is capped at about this many scored rows (estimated as the sum of its terms' document
# frequencies). Above it, papers with every term come first (an AND query: FTS5 intersects the posting lists and
# scores only the intersection), then papers with one of the rarest terms that fit the cap. At 100k papers a title
# made of common words ("Towards a Unified View of Large Language Model Post-Training": 223k postings, all terms
# over the 5 % pruning share) took 180-200 ms uncapped. Quality (benchmarks/search_quality.py, SciFact train):
# over its 5,183 abstracts few claims reach the cap (keyword nDCG@10 0.7026 -> 0.7021, hybrid 0.7191 -> 0.7190);
# the same claims over 100k benchmark papers lose a little (keyword nDCG@10 0.5275 -> 0.5143, recall@100 0.814 ->
# 0.810; a cap of 16,000 lost nothing there but left p99 over 50 ms).
SQLITE_SCORED_ROWS_CAP = 8000


class KeywordBackend(Protocol):
    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[tuple[int, float]]:
        """Up to ``limit`` (paper id, score) pairs, best first, filters applied."""
        ...


_DATE_PARAMS = ("f_from", "f_until")


def filter_sql(filters: Filters, alias: str = "p") -> tuple[str, dict[str, Any]]:
    """SQL conditions (``AND …``) and parameters for ``filters`` over the papers table ``alias``."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.published_from:
        clauses.append(f"{alias}.published_at >= :f_from")
        params["f_from"] = dt.datetime.combine(filters.published_from, dt.time(), tzinfo=dt.UTC)
    # An exclusive bound, the day after; 9999-12-31 has none and needs none (nothing is published later).
    following = shifted(filters.published_until, 1) if filters.published_until else None
    if following is not None:
        clauses.append(f"{alias}.published_at < :f_until")
        params["f_until"] = dt.datetime.combine(following, dt.time(), tzinfo=dt.UTC)
    # The one filter vocabulary (category, exclude, has_code, ...) is rendered by papers/filters.py only.
    paper_where, paper_params = sql_fragment(filters.paper, alias)
    return "".join(f" AND {c}" for c in clauses) + paper_where, {**params, **paper_params}


def filtered_text(sql: str) -> TextClause:
    """``text(sql)`` whose filter dates bind as UTCDateTime, so each dialect gets the form it stores."""
    binds = [bindparam(name, type_=UTCDateTime()) for name in _DATE_PARAMS if f":{name}" in sql]
    return text(sql).bindparams(*binds)


class TermStatistics:
    """Document frequencies of query terms, cached per process (they drift slowly as papers arrive).

    Terms found in more than ``COMMON_TERM_SHARE`` of all papers, and in at least ``COMMON_TERM_MIN_DOCS``, are
    dropped from OR queries that have rarer terms: they add little to bm25 (idf ~ log(1/share)) but make the
    engine score a large part of the index. At 100k papers this takes keyword p50 from 36 ms to 5 ms; small
    collections (SciFact's 5,183 abstracts) are never pruned, so their ranking is plain bm25.
    """

    def __init__(self, count_sql: str, min_docs: int = 0, common_sql: str | None = None) -> None:
        self._count_sql = text(count_sql)
        self._common_sql = text(common_sql) if common_sql is not None else None
        self._min_docs = min_docs
        self._df: dict[str, tuple[float, int]] = {}
        self._papers: tuple[float, int] = (0.0, 0)
        self._lock = threading.Lock()

    def _papers_total(self, session: Session) -> int:
        now = time.monotonic()
        checked, total = self._papers
        if now - checked > TERM_STATS_TTL_SECONDS:
            total = session.scalar(text("SELECT count(*) FROM papers")) or 0
            self._papers = (now, total)
        return total

    def document_frequency(self, session: Session, term: str) -> int:
        now = time.monotonic()
        cached = self._df.get(term)
        if cached is not None and now - cached[0] < TERM_STATS_TTL_SECONDS:
            return cached[1]
        count = self._from_statistics(session, term)
        if count is None:
            count = int(session.scalar(self._count_sql, {"term": term}) or 0)
        with self._lock:
            if len(self._df) > TERM_CACHE_SIZE:
                self._df.clear()
            self._df[term] = (now, count)
        return count

    def _from_statistics(self, session: Session, term: str) -> int | None:
        """The term's frequency from the planner's statistics (``common_sql``), or None to count it: no
        statistics, or the term is not among the common ones. A term with no lexeme (a stop word) is in no
        paper."""
        if self._common_sql is None:
            return None
        rows = session.execute(self._common_sql, {"term": term}).all()
        if not rows:
            return 0
        shares = [share for share, _ in rows]
        total = rows[0][1]
        if any(share is None for share in shares) or total is None or total <= 0:
            return None
        return int(min(shares) * total)  # several lexemes (a_b): the paper needs all of them

    def prune(self, session: Session, terms: tuple[str, ...]) -> tuple[str, ...]:
        if len(terms) < 2:
            return terms
        limit = max(self._papers_total(session) * COMMON_TERM_SHARE, self._min_docs)
        rare = tuple(t for t in terms if self.document_frequency(session, t) <= limit)
        return rare or terms


class SqliteKeyword:
    def __init__(self, scored_rows_cap: int = SQLITE_SCORED_ROWS_CAP) -> None:
        self.stats = TermStatistics(
            "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH '\"' || :term || '\"'", COMMON_TERM_MIN_DOCS
        )
        self.scored_rows_cap = scored_rows_cap

    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[tuple[int, float]]:
        if not query.terms:
            return []
        hits = self._capped(session, self.stats.prune(session, query.terms), query.filters, limit)
        if len(hits) < FUZZY_BELOW:
            corrected = self._corrected_terms(session, query.terms)
            if corrected != query.terms:
                seen = {paper_id for paper_id, _ in hits}
                hits += [h for h in self._match(session, corrected, query.filters, limit) if h[0] not in seen]
        return hits[:limit]

    def _capped(
        self, session: Session, terms: tuple[str, ...], filters: Filters, limit: int
    ) -> list[tuple[int, float]]:
        """bm25 over ``terms`` ORed, or, when that would score more than the cap, the two capped tiers."""
        if len(terms) < 2:
            return self._match(session, terms, filters, limit)
        frequency = {term: self.stats.document_frequency(session, term) for term in terms}
        if sum(frequency.values()) <= self.scored_rows_cap:
            return self._match(session, terms, filters, limit)
        hits = self._match(session, terms, filters, limit, operator="AND")
        rarest: list[str] = []
        for term in sorted(terms, key=lambda t: (frequency[t], t)):
            if rarest and sum(frequency[t] for t in rarest) + frequency[term] > self.scored_rows_cap:
                break
            rarest.append(term)
        more = self._match(session, tuple(rarest), filters, limit + len(hits))
        return appended_below(hits, more)[:limit]

    def _match(
        self, session: Session, terms: tuple[str, ...], filters: Filters, limit: int, operator: str = "OR"
    ) -> list[tuple[int, float]]:
        where, params = filter_sql(filters)
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        # Join papers only to filter: for every match the join costs a lookup (half the time unfiltered).
        source = "papers_fts JOIN papers p ON p.id = papers_fts.rowid" if where else "papers_fts"
        sql = filtered_text(
            f"SELECT papers_fts.rowid, -bm25(papers_fts, {weights}) AS score FROM {source} "
            f"WHERE papers_fts MATCH :match{where} ORDER BY bm25(papers_fts, {weights}) LIMIT :limit"
        )
        # Terms are \w+ words, so quoting makes each a plain string token for FTS5.
        match = f" {operator} ".join(f'"{term}"' for term in terms)
        rows = session.execute(sql, {"match": match, "limit": limit, **params})
        return [(int(paper_id), float(score)) for paper_id, score in rows]

    def _corrected_terms(self, session: Session, terms: tuple[str, ...]) -> tuple[str, ...]:
        """Replace terms that match nothing by the closest indexed term (same first two letters)."""
        corrected = []
        for term in terms:
            if len(term) < FUZZY_MIN_TERM_CHARS or self._exists(session, term):
                corrected.append(term)
                continue
            prefix = term[:2]
            rows = session.execute(
                text(
                    "SELECT term, doc FROM papers_fts_vocab WHERE term >= :low AND term < :high "
                    "AND length(term) BETWEEN :short AND :long"
                ),
                {"low": prefix, "high": prefix + "\uffff", "short": len(term) - 3, "long": len(term) + 2},
            ).all()
            documents = {str(t): int(d) for t, d in rows}
            close = difflib.get_close_matches(term, list(documents), n=3, cutoff=FUZZY_CUTOFF)
            corrected.append(max(close, key=lambda t: documents[t]) if close else term)
        return tuple(corrected)

    def _exists(self, session: Session, term: str) -> bool:
        sql = text("SELECT 1 FROM papers_fts WHERE papers_fts MATCH :m LIMIT 1")
        return session.execute(sql, {"m": f'"{term}"'}).first() is not None


class PostgresKeyword:
    def __init__(self, rank_cap: int = PG_RANK_CAP) -> None:
        # No absolute floor here: every match costs PostgreSQL a detoasted tsvector, so common terms are
        # dropped at any collection size.
        self.stats = TermStatistics(
            "SELECT count(*) FROM papers WHERE search_vector @@ plainto_tsquery('english', :term)",
            common_sql=PG_COMMON_TERM_SQL,
        )
        self.rank_cap = rank_cap

    def _ranked(
        self,
        session: Session,
        tsquery: str,
        terms: dict[str, str],
        where: str,
        params: dict[str, Any],
        limit: int,
        candidates: str | None = None,
    ) -> list[tuple[int, float]]:
        sql = _ranked_sql(tsquery, where, candidates or tsquery)
        rows = session.execute(filtered_text(sql), {**terms, **params, "cap": self.rank_cap, "limit": limit})
        return [(int(paper_id), float(score)) for paper_id, score in rows]

    def _candidate_terms(self, session: Session, terms: tuple[str, ...]) -> list[str]:
        """The PG_CANDIDATE_TERMS rarest terms that occur at all: a word PostgreSQL's English configuration
        drops ("before" matches no paper) would otherwise take a slot as the "rarest" (SciFact claims at 100k
        papers, 2,000 ranked per tier: nDCG@10 0.4205 -> 0.433, recall@100 0.746 -> 0.777)."""
        frequency = {term: self.stats.document_frequency(session, term) for term in terms}
        occurring = sorted((t for t in terms if frequency[t] > 0), key=lambda t: (frequency[t], t))
        return occurring[:PG_CANDIDATE_TERMS] or list(terms[:1])

    def search(self, session: Session, query: ParsedQuery, limit: int) -> list[tuple[int, float]]:
        if not query.terms:
            return []
        where, params = filter_sql(query.filters)
        terms = self.stats.prune(session, query.terms)
        # Papers with all the terms first (a selective GIN lookup), then papers with any of them: that ranks by
        # how much of the query matches (ts_rank_cd alone barely does for OR queries) and keeps the ranked
        # candidate sets small. Each set is ranked with ts_rank_cd over at most PG_RANK_CAP matches.
        hits = self._ranked(session, "plainto_tsquery('english', :all)", {"all": " ".join(terms)}, where, params, limit)
        if len(hits) < limit and len(terms) > 1:
            # Candidates are the papers with one of the rarest terms (they carry most of the rank, and their
            # posting lists are short); they are then ranked against every term.
            rarest = self._candidate_terms(session, terms)
            term_params = {f"t{i}": term for i, term in enumerate(terms)}
            term_params.update({f"r{i}": term for i, term in enumerate(rarest)})
            any_query = " || ".join(f"plainto_tsquery('english', :t{i})" for i in range(len(terms)))
            candidate_query = " || ".join(f"plainto_tsquery('english', :r{i})" for i in range(len(rarest)))
            more = self._ranked(session, any_query, term_params, where, params, limit + len(hits), candidate_query)
            hits = appended_below(hits, more)
        if len(hits) < FUZZY_BELOW and len(query.terms) <= PG_FUZZY_MAX_TERMS:
            # Typos: trigram similarity of the query to titles (pg_trgm index on lower(title)). Only for short
            # queries: that is where typos matter (a name, a title), and a long string makes the trigram
            # search slow (~170 ms at 10k papers for a 10-word claim).
            fuzzy = filtered_text(
                f"SELECT p.id, word_similarity(:q, lower(p.title)) AS score FROM papers p "
                f"WHERE :q <% lower(p.title){where} ORDER BY score DESC LIMIT :limit"
            )
            seen = {paper_id for paper_id, _ in hits}
            q = " ".join(query.terms)
            for paper_id, score in session.execute(fuzzy, {"q": q, **params, "limit": limit}).all():
                if paper_id not in seen:
                    hits.append((int(paper_id), float(score) * 0.01))
        return hits[:limit]


def _ranked_sql(tsquery: str, where: str, candidates: str) -> str:
    # The tsquery is written out in both places (not taken from a CTE) so the planner sees it and uses the
    # GIN index; from a CTE it falls back to a sequential scan (35 ms at 10k papers instead of ~1 ms).
    return (
        f"SELECT c.id, ts_rank_cd(c.search_vector, {tsquery}) AS score FROM ("
        f"  SELECT p.id, p.search_vector FROM papers p WHERE p.search_vector @@ ({candidates}){where} LIMIT :cap"
        ") c ORDER BY score DESC, c.id DESC LIMIT :limit"
    )


def appended_below(first: list[tuple[int, float]], then: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """``first``, then the papers of ``then`` not in it, their scores shifted below ``first``'s last one (bm25
    scores with a title weight of 10 reach 40 and more, so no constant bonus keeps the tiers apart)."""
    seen = {paper_id for paper_id, _ in first}
    rest = [(paper_id, score) for paper_id, score in then if paper_id not in seen]
    if not first or not rest:
        return first + rest
    shift = max(0.0, rest[0][1] - first[-1][1] + 1.0)
    return first + [(paper_id, score - shift) for paper_id, score in rest]


def backend_for_dialect(dialect: str) -> KeywordBackend:
    return PostgresKeyword() if dialect == "postgresql" else SqliteKeyword()
