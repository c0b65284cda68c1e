import pytest

from dailypapers.papers.ids import ArxivId, InvalidArxivId, normalize_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.12345", ArxivId("2401.12345")),
        ("2401.12345v2", ArxivId("2401.12345", 2)),
        ("arXiv:2401.12345v10", ArxivId("2401.12345", 10)),
        ("ARXIV: 2401.12345", ArxivId("2401.12345")),
        ("  2401.12345 \n", ArxivId("2401.12345")),
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999v3", ArxivId("1412.9999", 3)),
        ("https://arxiv.org/abs/2401.12345v2", ArxivId("2401.12345", 2)),
        ("http://export.arxiv.org/abs/2401.12345", ArxivId("2401.12345")),
        ("https://arxiv.org/pdf/2401.12345v1.pdf", ArxivId("2401.12345", 1)),
        ("https://arxiv.org/pdf/2401.12345", ArxivId("2401.12345")),
        ("https://huggingface.co/papers/2401.12345", ArxivId("2401.12345")),
        ("https://arxiv.org/abs/2401.12345?context=cs#x", ArxivId("2401.12345")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
        ("math.GT/0309136", ArxivId("math/0309136")),
        ("arXiv:cond-mat/0703001v1", ArxivId("cond-mat/0703001", 1)),
        ("https://arxiv.org/abs/astro-ph/9108001", ArxivId("astro-ph/9108001")),
        ("q-bio.NC/0601001", ArxivId("q-bio/0601001")),
    ],
)
def test_parses_new_and_old_style_ids(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("arXiv:", "empty"),
        ("2401.1234", "5-digit"),  # since 2015 the number has five digits
        ("1401.12345", "4-digit"),  # before 2015 it had four
        ("2413.12345", "year and month"),
        ("0613.1234", "year and month"),  # new-style ids start in April 2007
        ("2401.12345v0", "versions start"),
        ("2401.12345v10001", "over 10,000 versions"),
        ("2401.12345v" + "9" * 5000, "over 10,000 versions"),  # int() of it raised a plain ValueError
        ("\uff12\uff14\uff10\uff11.12345", "not an arXiv id"),  # fullwidth digits, which int() accepts
        ("hep-th/0704001", "year and month"),  # old style ended in March 2007
        ("hep-th/9001001", "year and month"),  # and began in August 1991
        ("HEP-TH/9901001", "not an arXiv id"),
        ("hello world", "not an arXiv id"),
        ("2401.12345; DROP TABLE papers", "not an arXiv id"),
        ("../../etc/passwd", "not an arXiv id"),
    ],
)
def test_rejects_invalid_ids_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidArxivId, match=reason):
        parse_arxiv_id(text)


def test_normalize_drops_version_and_str_keeps_it() -> None:
    assert normalize_arxiv_id("2401.12345v7") == "2401.12345"
    assert str(parse_arxiv_id("2401.12345v7")) == "2401.12345v7"
    assert parse_arxiv_id("hep-th/9901001").is_old_style
    assert not parse_arxiv_id("2401.12345").is_old_style


def test_long_garbage_is_truncated_in_the_message() -> None:
    with pytest.raises(InvalidArxivId) as info:
        parse_arxiv_id("x" * 10_000)
    assert len(str(info.value)) < 300
