import datetime as dt

import pytest

from dailypapers.ingest.tasks import harvest_window, latest_announcement, oai_set_for

UTC = dt.UTC


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Thursday 2025-10-30 20:00 EDT = 2025-10-31 00:00 UTC
        (dt.datetime(2025, 10, 31, 0, 0, tzinfo=UTC), dt.datetime(2025, 10, 31, 0, 0, tzinfo=UTC)),
        (dt.datetime(2025, 10, 30, 23, 59, tzinfo=UTC), dt.datetime(2025, 10, 30, 0, 0, tzinfo=UTC)),
        # Friday and Saturday evenings have no announcement: still Thursday's
        (dt.datetime(2025, 11, 1, 22, 0, tzinfo=UTC), dt.datetime(2025, 10, 31, 0, 0, tzinfo=UTC)),
        # Sunday 2025-11-02 20:00 EST (DST ended that morning) = Monday 01:00 UTC
        (dt.datetime(2025, 11, 3, 1, 0, tzinfo=UTC), dt.datetime(2025, 11, 3, 1, 0, tzinfo=UTC)),
        (dt.datetime(2025, 11, 3, 0, 59, tzinfo=UTC), dt.datetime(2025, 10, 31, 0, 0, tzinfo=UTC)),
    ],
)
def test_latest_announcement(now: dt.datetime, expected: dt.datetime) -> None:
    assert latest_announcement(now) == expected


@pytest.mark.parametrize(
    ("category", "oai_set"),
    [
        ("cs.LG", "cs"),
        ("stat.ML", "stat"),
        ("hep-th", "physics:hep-th"),
        ("astro-ph.GA", "physics:astro-ph"),
        ("math.AG", "math"),
        ("q-bio.NC", "q-bio"),
        ("quant-ph", "physics:quant-ph"),
        ("eess.IV", "eess"),
    ],
)
def test_oai_set_for(category: str, oai_set: str) -> None:
    assert oai_set_for(category) == oai_set


def test_harvest_window_overlaps_one_day_and_catches_up() -> None:
    due = dt.datetime(2025, 10, 31, 0, 0, tzinfo=UTC)
    assert harvest_window(None, due) == dt.date(2025, 10, 27)
    covered = dt.datetime(2025, 10, 28, 0, 0, tzinfo=UTC)  # two announcements missed since
    assert harvest_window(covered, due) == dt.date(2025, 10, 27)
