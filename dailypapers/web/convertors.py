"""Path convertors. Starlette keeps them in one registry, so importing this module registers them."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from dailypapers.papers.periods import PeriodKind


class PeriodKindConvertor(Convertor[str]):
    """Matches ``date``, ``week`` or ``month``, so that ``/papers/hep-th/9901001`` stays a paper's address."""

    regex = "|".join(kind.value for kind in PeriodKind)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("period", PeriodKindConvertor())
