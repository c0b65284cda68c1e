"""Settings: declared data with help text, read from ``DAILYPAPERS_*`` environment variables.

``Settings`` mixes one class per concern (database, site, sources, search, mail, delivery, ops), each in its own module.
``docs/configuration.md`` is generated from them (``dailypapers config docs``, grouped the same way) and a test
keeps the two in step, so every setting an operator can use is documented where they look for it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict, SettingsError

from dailypapers.config.database import DatabaseSettings
from dailypapers.config.delivery import DeliverySettings
from dailypapers.config.mail import MailSettings
from dailypapers.config.ops import OpsSettings
from dailypapers.config.search import SearchSettings
from dailypapers.config.site import INSECURE_DEV_SECRET_KEY, Environment, SiteSettings
from dailypapers.config.sources import SourceSettings

__all__ = [
    "CONFIG_ERRORS",
    "INSECURE_DEV_SECRET_KEY",
    "Environment",
    "Settings",
    "describe_config_error",
    "settings_documentation",
]

# The concerns in the order the documentation lists them.
CONCERNS = (
    SiteSettings,
    DatabaseSettings,
    SourceSettings,
    SearchSettings,
    MailSettings,
    DeliverySettings,
    OpsSettings,
)


class Settings(
    SiteSettings, DatabaseSettings, SourceSettings, SearchSettings, MailSettings, DeliverySettings, OpsSettings
):
    """Everything an operator can configure. Each field becomes ``DAILYPAPERS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DAILYPAPERS_", extra="ignore", frozen=True)


def settings_documentation() -> str:
    """Markdown reference of every setting, generated from the field declarations."""
    lines = [
        "# Configuration",
        "",
        "Generated from `dailypapers/config/` by `dailypapers config docs`; do not edit by hand.",
        "Every setting is an environment variable.",
    ]
    for concern in CONCERNS:
        lines += [
            "",
            f"## {(concern.__doc__ or '').strip().rstrip('.')}",
            "",
            "| variable | default | description |",
            "|---|---|---|",
        ]
        lines += [_documented(name, field) for name, field in concern.model_fields.items()]
    return "\n".join(lines) + "\n"


def _documented(name: str, field: Any) -> str:
    default: Any
    if field.default_factory is not None:
        default = "(computed)"
    else:
        default = field.default
        if isinstance(default, StrEnum):
            default = default.value
        if default == INSECURE_DEV_SECRET_KEY:
            default = "(insecure development key)"
    shown = "" if default is None else f"`{default}`"
    return f"| `DAILYPAPERS_{name.upper()}` | {shown} | {field.description} |"


# Settings whose value must never be repeated in an error message.
_SECRET_FIELDS = frozenset(
    {"secret_key", "smtp_password", "embedding_api_key", "metrics_token", "redis_url", "mcp_token"}
)
CONFIG_ERRORS = (ValidationError, SettingsError)


def describe_config_error(exc: ValidationError | SettingsError) -> list[str]:
    """One line per wrong setting, naming its variable, what is wrong and how to fix it: what the CLI and the
    server print instead of a traceback of a few hundred lines."""
    if not isinstance(exc, ValidationError):
        return [str(exc).splitlines()[0]]
    lines = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        field = error["loc"][0] if error["loc"] else None
        if isinstance(field, str) and field in Settings.model_fields:
            variable = f"DAILYPAPERS_{field.upper()}"
            given = error.get("input")
            # Our own validators quote the value; pydantic's type errors ("should be a valid integer") do not.
            if error["type"] != "value_error" and isinstance(given, str) and field not in _SECRET_FIELDS:
                message += f" (got {given!r})"
            if not message.startswith(variable):
                message = f"{variable}: {message}"
        lines.append(message)
    return lines
