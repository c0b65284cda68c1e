"""Golden values pin the trending formula: change them only together with the documented formula."""

import datetime as dt

import pytest

from dailypapers.ranking.hotness import EPOCH, SECONDS_PER_TENFOLD_UPVOTES, trending_score

T = dt.datetime(2025, 10, 29, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("upvotes", "at", "expected"),
    [
        (0, EPOCH, 0.0),
        (1, EPOCH, 0.0),
        (10, EPOCH, 1.0),
        (100, EPOCH, 2.0),
        (0, T, 2128.5),
        (42, T, 2130.1232493),
        (250, T, 2130.8979400),
    ],
)
def test_golden_values(upvotes: int, at: dt.datetime, expected: float) -> None:
    assert trending_score(upvotes, at) == pytest.approx(expected, abs=1e-7)


def test_tenfold_upvotes_equal_one_day_of_recency() -> None:
    assert SECONDS_PER_TENFOLD_UPVOTES == 86_400
    yesterday_popular = trending_score(100, T - dt.timedelta(days=1))
    today_modest = trending_score(10, T)
    assert yesterday_popular == pytest.approx(today_modest)


def test_newer_beats_older_at_equal_votes_and_more_votes_beat_fewer() -> None:
    assert trending_score(5, T + dt.timedelta(hours=1)) > trending_score(5, T)
    assert trending_score(6, T) > trending_score(5, T)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        trending_score(1, dt.datetime(2025, 1, 1))
