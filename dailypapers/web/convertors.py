"""Path convertors, registered by ``create_app`` (Starlette keeps them in one process-wide registry).

They are generic (a set of words, a regular expression), so the web toolkit names no domain: wiring.py says
which words and which pattern. Starlette compiles a route's path when the route is declared, so the routers'
modules are imported only after ``register_convertors`` ran (wiring.py's ``routers()``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from starlette.convertors import Convertor, register_url_convertor


class _TextConvertor(Convertor[str]):
    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def pattern_convertor(regex: str) -> Convertor[str]:
    """Matches a regular expression (it may span ``/``, as old-style arXiv ids do). Starlette reads ``regex``
    from the class, so each pattern gets a class of its own."""
    convertor: Convertor[str] = type("PatternConvertor", (_TextConvertor,), {"regex": regex})()
    return convertor


def choice_convertor(choices: Iterable[str]) -> Convertor[str]:
    """Matches one of a fixed set of words (``date``, ``week`` or ``month``)."""
    return pattern_convertor("|".join(re.escape(choice) for choice in choices))


def register_convertors(convertors: Mapping[str, Convertor[str]]) -> None:
    """Register ``convertors`` by name; idempotent, so every ``create_app`` may call it."""
    for name, convertor in convertors.items():
        register_url_convertor(name, convertor)
