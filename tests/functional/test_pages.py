"""Every HTML page through HTTP, and the context builders with plain asserts."""

import concurrent.futures
import datetime as dt
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.db import Database
from dailypapers.pages.listings import listing_context
from dailypapers.pages.paper import paper_context
from dailypapers.papers.periods import PeriodKind, day_period, parse_week
from dailypapers.wiring import CONVERTORS
from tests.factories import load_days


@pytest.fixture
def loaded(db: Database) -> Database:
    load_days(db)
    return db


def test_empty_site_explains_how_to_load_papers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "dailypapers import demo" in response.text


def test_home_shows_the_latest_day_ordered_by_upvotes(loaded: Database, client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "Friday, October 31, 2025" in html
    assert "19 papers" in html
    assert '<link rel="alternate" type="application/atom+xml"' in html and 'href="/feed.atom"' in html


def test_listing_context(loaded: Database, settings: Settings) -> None:
    with loaded.read() as session:
        context = listing_context(session, settings, day_period(dt.date(2025, 10, 30)))
    cards = context["cards"]
    assert context["total"] == len(cards) == 20
    assert [c.upvotes for c in cards] == sorted((c.upvotes for c in cards), reverse=True)
    assert context["previous"].slug == "2025-10-29"
    assert context["next"].slug == "2025-10-31"
    assert context["views"]["week"].slug == "2025-W44"
    assert all(c.num_authors > 0 for c in cards)


def test_previous_skips_empty_days_back_to_the_last_day_with_papers(loaded: Database, settings: Settings) -> None:
    with loaded.read() as session:
        context = listing_context(session, settings, day_period(dt.date(2025, 10, 29)))
        assert context["previous"].slug == "2024-06-03"
        first = listing_context(session, settings, day_period(dt.date(2024, 6, 3)))
        assert first["previous"] is None


def test_week_and_month_pages(loaded: Database, client: TestClient) -> None:
    week = client.get("/papers/week/2025-W44")
    assert week.status_code == 200
    assert "63 papers" in week.text
    assert 'href="/papers/week/2024-W23"' in week.text  # previous week with papers
    month = client.get("/papers/month/2025-10")
    assert month.status_code == 200
    assert "63 papers" in month.text
    assert "Page 1 of 2" in month.text  # 50 a page
    page2 = client.get("/papers/month/2025-10?page=2")
    assert "Page 2 of 2" in page2.text
    assert page2.text.count('class="card"') == 13


def test_week_paging_context(loaded: Database, settings: Settings) -> None:
    with loaded.read() as session:
        context = listing_context(session, settings, parse_week("2025-W44"), page=2)
    assert context["page"] == 2 and context["pages"] == 2
    assert len(context["cards"]) == 13
    assert context["period"].kind is PeriodKind.week


def test_q_filters_title_and_abstract(loaded: Database, client: TestClient) -> None:
    response = client.get("/papers/week/2025-W44", params={"q": "diffusion"})
    assert response.status_code == 200
    filtered = response.text.count('class="card"')
    assert 0 < filtered < 63
    assert "matching “diffusion”" in response.text


def test_q_with_like_wildcards_is_literal(loaded: Database, client: TestClient) -> None:
    response = client.get("/papers/week/2025-W44", params={"q": "%_%"})
    assert response.status_code == 200
    assert "No papers in this period match" in response.text


def test_q_is_escaped_in_the_page(loaded: Database, client: TestClient) -> None:
    response = client.get("/", params={"q": '<script>alert("x")</script>'})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


def test_paper_page(loaded: Database, client: TestClient) -> None:
    response = client.get("/papers/2405.21060")
    assert response.status_code == 200
    html = response.text
    assert "Transformers are SSMs" in html
    # Authors in order, each linking to their author page.
    assert re.search(r'<a href="/authors/\d+">Tri Dao</a>, <a href="/authors/\d+">Albert Gu</a>', html)
    assert 'href="https://arxiv.org/abs/2405.21060"' in html
    assert 'href="https://arxiv.org/pdf/2405.21060"' in html
    assert "May 31, 2024" in html
    assert 'href="/papers/date/2024-06-03"' in html
    assert "/static/vendor/katex/katex.min.js" in html


def test_paper_context_has_links_and_summary(loaded: Database) -> None:
    with loaded.read() as session:
        from sqlalchemy import select

        from dailypapers.papers.models import Paper

        arxiv_id = session.scalar(
            select(Paper.arxiv_id).where(Paper.github_repo.is_not(None), Paper.ai_summary.is_not(None)).limit(1)
        )
        assert arxiv_id is not None
        context = paper_context(session, arxiv_id)
    assert context is not None
    labels = [label for label, _ in context["links"]]
    assert labels[:3] == ["arXiv page", "PDF", "Code"]
    assert context["paper"].ai_summary
    assert context["entry"] is not None and context["submitter"] is not None


def test_versioned_id_redirects_to_the_canonical_page(loaded: Database, client: TestClient) -> None:
    response = client.get("/papers/2405.21060v2", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/papers/2405.21060"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/papers/hep-th/9901001v2", "/papers/hep-th/9901001"),  # old style, with version: the id route
        ("/papers/math.GT/0309136", "/papers/math/0309136"),  # old style with subject class
        ("/papers/arXiv:2405.21060", "/papers/2405.21060"),  # not id-shaped: the fallback route
    ],
)
def test_paper_addresses_redirect_to_the_canonical_id(
    loaded: Database, client: TestClient, path: str, location: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (301, location)


def test_paper_routes_do_not_capture_pages_under_papers() -> None:
    # The {arxiv_id:arxiv_id} convertor matches ids only, so /papers/trending or /papers/submit can never be
    # taken for a paper whatever the routers' order; anything else is left to the fallback route.
    regex = CONVERTORS["arxiv_id"].regex
    for paper_id in ("2401.01234", "2401.01234v12", "0704.0001", "hep-th/9901001v2", "math.GT/0309136"):
        assert re.fullmatch(regex, paper_id), paper_id
    for other in ("trending", "submit", "date/2025-01-01", "2401.01234/vote", "not-a-paper", "2401.1234567"):
        assert not re.fullmatch(regex, other), other


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/papers/2501.99999", 404, "We have no paper 2501.99999 yet."),
        ("/papers/not-a-paper", 404, "is not an arXiv id"),
        ("/papers/date/2025-13-01", 400, "is not a valid date"),
        ("/papers/date/tomorrow", 400, "expected YYYY-MM-DD"),
        ("/papers/week/2025-W60", 400, "no week 60"),
        ("/papers/month/2025-1", 400, "expected YYYY-MM"),
        ("/no/such/page", 404, "There is no page at this address."),
        ("/papers/week/2025-W44?page=0", 400, "page"),
    ],
)
def test_friendly_error_pages(loaded: Database, client: TestClient, path: str, status: int, text: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text
    assert "Back to today" in response.text


def test_old_style_ids_have_pages(db: Database, client: TestClient) -> None:
    from dailypapers.ingest.files import import_paper_batch
    from dailypapers.ingest.outcomes import ImportSummary
    from dailypapers.papers.records import PaperRecord

    record = PaperRecord(arxiv_id="hep-th/9901001", title="Old style", abstract="A $x^2$ abstract.", authors=("A. B.",))
    import_paper_batch(db, [("test", record)], ImportSummary())
    response = client.get("/papers/hep-th/9901001")
    assert response.status_code == 200
    assert "Old style" in response.text
    assert client.get("/papers/hep-th.AB/9901001", follow_redirects=False).status_code in (301, 404)


def test_static_katex_is_served(client: TestClient) -> None:
    response = client.get("/static/vendor/katex/katex.min.css")
    assert response.status_code == 200
    assert "katex" in response.text


def test_a_cold_paper_page_under_concurrent_requests(loaded: Database, live_server: str) -> None:
    """The first requests after a start build the vector index together; 24 at once (more than the database
    pool's base size) must all be answered, not stall waiting for connections."""

    def fetch(_: int) -> int:
        return httpx.get(f"{live_server}/papers/2405.21060", timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(24) as pool:
        assert list(pool.map(fetch, range(48))) == [200] * 48
