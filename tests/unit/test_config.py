from pathlib import Path

import pytest
from pydantic import ValidationError

from dailypapers.config import Settings, settings_documentation

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_sqlite_is_the_default_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path}/dailypapers.sqlite3"
    assert settings.is_sqlite


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_postgresql_urls_use_psycopg3(url: str) -> None:
    settings = Settings(database_url=url)
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert not settings.is_sqlite


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ValidationError, match="DAILYPAPERS_SECRET_KEY"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env="production", secret_key="short")
    assert Settings(env="production", secret_key="x" * 40).env == "production"


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_SITE_NAME", "Lab Papers")
    monkeypatch.setenv("DAILYPAPERS_BASE_URL", "https://papers.example.org/")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.site_name == "Lab Papers"
    assert settings.base_url == "https://papers.example.org"


def test_every_setting_is_documented_and_the_docs_are_current() -> None:
    generated = settings_documentation()
    for name in Settings.model_fields:
        assert f"`DAILYPAPERS_{name.upper()}`" in generated
        assert Settings.model_fields[name].description, f"{name} has no description"
    assert DOCS.read_text() == generated, "docs/configuration.md is stale: run `dailypapers config docs`"
