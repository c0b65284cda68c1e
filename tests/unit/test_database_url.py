"""DAILYPAPERS_DATABASE_URL must say where the database is: libpq fills a missing host or database name from
$PGHOST, $PGDATABASE and its own defaults, which once let ``db upgrade`` migrate a database nobody named."""

import pytest
from pydantic import ValidationError

from dailypapers.config import Settings


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("postgres://", "no host and no database"),
        ("postgresql://", "no host and no database"),
        ("postgresql:///dailypapers", "no host:"),
        ("postgresql://user@/dailypapers", "no host:"),
        ("postgresql://db.example.org", "no database name"),
        ("postgresql://user:secret@db.example.org/", "no database name"),
        ("postgresql+psycopg://db.example.org/", "no database name"),
        ("postgresql://?host=/var/run/postgresql", "no database name"),
    ],
)
def test_postgresql_urls_without_host_or_database_are_refused(url: str, missing: str) -> None:
    with pytest.raises(ValidationError, match="DAILYPAPERS_DATABASE_URL") as raised:
        Settings(database_url=url)
    assert missing in str(raised.value)


@pytest.mark.parametrize("url", ["mysql://db.example.org/dailypapers", "notaurl", "db.example.org/dailypapers"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="must start with postgresql:// or sqlite:///"):
        Settings(database_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user@db.example.org/dailypapers",
        "postgres://user:secret@10.0.0.5:5433/dailypapers",
        "postgresql+psycopg://db.example.org/dailypapers",
        # A unix socket is named by ?host=, and the database may come as ?dbname= (libpq's own spellings).
        "postgresql://user@/dailypapers?host=/var/run/postgresql",
        "postgresql://user@/?host=/var/run/postgresql&dbname=dailypapers",
        "postgresql://h1:5432,h2:5432/dailypapers",
        "sqlite:///var/lib/dailypapers.sqlite3",
        "sqlite://",
    ],
)
def test_explicit_urls_are_accepted(url: str) -> None:
    assert Settings(database_url=url).database_url == url


def test_no_url_still_means_the_sqlite_file() -> None:
    assert Settings(database_url=None).is_sqlite
    assert Settings(database_url="").is_sqlite
