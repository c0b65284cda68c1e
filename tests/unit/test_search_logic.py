import pytest

from dailypapers.papers.filters import PaperFilters
from dailypapers.search.keyword import appended_below
from dailypapers.search.query import MAX_QUERY_CHARS, Filters, InvalidQuery, parse_query
from dailypapers.search.services import rrf
from dailypapers.web.templating import highlight


def test_terms_are_words_lowercased_without_stopwords_or_syntax() -> None:
    parsed = parse_query('  The "Transformer" NEAR(attention) -masking* OR (state space) ')
    assert parsed.terms == ("transformer", "near", "attention", "masking", "state", "space")
    assert parsed.arxiv_id is None


def test_arxiv_ids_and_urls_are_recognised() -> None:
    assert parse_query("2405.21060v2").arxiv_id == "2405.21060"
    assert parse_query("https://arxiv.org/abs/hep-th/9901001").arxiv_id == "hep-th/9901001"


def test_only_stopwords_are_kept_rather_than_nothing() -> None:
    assert parse_query("the of and").terms == ("the", "of", "and")


@pytest.mark.parametrize("text", ["", "   ", "!!! ??? ---", '"*"()'])
def test_nothing_searchable_is_refused(text: str) -> None:
    with pytest.raises(InvalidQuery, match="no words"):
        parse_query(text)


def test_too_long_is_refused_with_the_limit() -> None:
    with pytest.raises(InvalidQuery, match=f"the limit is {MAX_QUERY_CHARS:,}"):
        parse_query("a" * (MAX_QUERY_CHARS + 1))


def test_unicode_and_sql_looking_input_are_plain_words() -> None:
    assert parse_query("ζ-function Ångström 学习").terms == ("ζ", "function", "ångström", "学习")
    assert parse_query("'; DROP TABLE papers; --").terms == ("drop", "table", "papers")


def test_terms_are_capped() -> None:
    assert len(parse_query(" ".join(f"word{i}" for i in range(100))).terms) == 32


def test_filters_activity() -> None:
    assert not Filters().active
    assert Filters(paper=PaperFilters(has_code=True)).active


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[1, 2, 3], [3, 1, 4]], k=60)
    assert [paper_id for paper_id, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_a_second_tier_goes_below_the_first_whatever_its_scores() -> None:
    # bm25 with a title weight of 10 scores 40 and more: a fixed bonus would not keep the tiers apart.
    tiered = appended_below([(1, 42.0), (2, 7.5)], [(3, 55.0), (2, 30.0), (4, 3.0)])
    assert [paper_id for paper_id, _ in tiered] == [1, 2, 3, 4]
    scores = [score for _, score in tiered]
    assert scores == sorted(scores, reverse=True) and scores[2] < 7.5
    assert appended_below([], [(3, 1.0)]) == [(3, 1.0)]
    assert appended_below([(1, 2.0)], []) == [(1, 2.0)]


def test_highlight_escapes_and_marks_word_stems() -> None:
    html = str(highlight("<b>Transformers</b> & transformer-based models", ("transformers",)))
    assert html == "&lt;b&gt;<mark>Transformers</mark>&lt;/b&gt; &amp; <mark>transformer</mark>-based models"
    assert str(highlight("a < b", ())) == "a &lt; b"


def test_one_meaning_of_in_category() -> None:
    from dailypapers.papers.categories import in_categories, like_patterns

    assert in_categories(["cs.CL", "stat.ML"], ["cs"])
    assert in_categories(["hep-th"], ["hep-th"])
    assert not in_categories(["physics.comp-ph"], ["cs"])
    assert not in_categories(["cs.CL"], ["cs.C"])
    assert not in_categories(["cs.CL"], [])
    assert like_patterns("cs") == ["% cs %", "% cs.%"]
    assert like_patterns("cs.CL") == ["% cs.CL %"]
    assert like_patterns("a_b%") == ["% a\\_b\\% %", "% a\\_b\\%.%"]
