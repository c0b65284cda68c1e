"""Golden values pin the trending formula: change them only together with the documented formula."""

import datetime as dt

import pytest

from dailypapers.ranking.hotness import EPOCH, GRAVITY_SECONDS, STAR_POINTS_MAX, star_points, trending_score

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
    assert GRAVITY_SECONDS == 86_400
    yesterday_popular = trending_score(100, T - dt.timedelta(days=1))
    today_modest = trending_score(10, T)
    assert yesterday_popular == pytest.approx(today_modest)


def test_newer_beats_older_at_equal_votes_and_more_votes_beat_fewer() -> None:
    assert trending_score(5, T + dt.timedelta(hours=1)) > trending_score(5, T)
    assert trending_score(6, T) > trending_score(5, T)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        trending_score(1, dt.datetime(2025, 1, 1))


V1 = dt.datetime(2025, 10, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("upvotes", "stars", "stars_at", "expected"),
    [
        (10, None, None, 2129.5),  # no star count: upvotes only
        (10, 90, V1 + dt.timedelta(days=9), 2129.80103),  # 10 stars a day: 20 points
        (10, 5, V1 + dt.timedelta(hours=2), 2129.6760913),  # read within a day of v1: counted over one day
        (10, 1_000_000, V1 + dt.timedelta(days=1), 2130.2781513),  # capped at 50 points
        (0, 30, V1 + dt.timedelta(days=10), 2128.9771213),  # 3 points from stars alone
    ],
)
def test_star_velocity_golden_values(
    upvotes: int, stars: int | None, stars_at: dt.datetime | None, expected: float
) -> None:
    score = trending_score(upvotes, T, stars=stars, published_at=V1, stars_at=stars_at)
    assert score == pytest.approx(expected, abs=1e-7)


def test_star_points_are_capped_and_need_all_inputs() -> None:
    assert star_points(10**9, V1, V1 + dt.timedelta(days=1)) == STAR_POINTS_MAX
    assert star_points(100, None, V1) == star_points(100, V1, None) == star_points(None, V1, V1) == 0.0
