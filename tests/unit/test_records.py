import datetime as dt

import pytest

from dailypapers.papers.records import clean_abstract, clean_line, parse_timestamp
from dailypapers.web.templating import card_date, plural


def test_clean_line_unwraps_titles() -> None:
    assert clean_line("Transformers are SSMs: Generalized Models\n  Through Structured  Duality ") == (
        "Transformers are SSMs: Generalized Models Through Structured Duality"
    )


def test_clean_abstract_unwraps_lines_but_keeps_paragraphs() -> None:
    raw = "  First line of\nthe abstract.\n  Second paragraph\nwrapped.\n\nThird.\n"
    assert clean_abstract(raw) == "First line of the abstract.\n\nSecond paragraph wrapped.\n\nThird."


def test_clean_abstract_keeps_math() -> None:
    assert clean_abstract("energy $E =\nmc^2$ holds") == "energy $E = mc^2$ holds"


def test_parse_timestamp_variants() -> None:
    expected = dt.datetime(2024, 5, 31, 17, 50, 1, tzinfo=dt.UTC)
    assert parse_timestamp("2024-05-31T17:50:01.000Z") == expected
    assert parse_timestamp("2024-05-31T19:50:01+02:00") == expected
    assert parse_timestamp("2024-05-31T17:50:01").tzinfo == dt.UTC
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_timestamp(None)
    with pytest.raises(ValueError):
        parse_timestamp("31/05/2024")


def test_card_date_omits_the_current_year() -> None:
    today = dt.date(2026, 11, 26)
    assert card_date(dt.date(2026, 3, 28), today) == "Mar 28"
    assert card_date(dt.date(2024, 2, 15), today) == "Feb 15, 2024"
    assert card_date(dt.datetime(2026, 1, 5, 23, 0, tzinfo=dt.UTC), today) == "Jan 5"
    assert card_date(None, today) == ""


def test_plural() -> None:
    assert plural(1, "author") == "1 author"
    assert plural(7, "author") == "7 authors"
    assert plural(1234, "paper") == "1,234 papers"
