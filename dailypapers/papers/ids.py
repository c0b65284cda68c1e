"""arXiv identifiers: the one place where ids from users, URLs and sources are normalised.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):
- new style since April 2007: ``YYMM.NNNN`` (to 2014-12) or ``YYMM.NNNNN`` (from 2015-01), e.g. ``2401.12345v2``;
- old style until March 2007: ``archive[.SC]/YYMMNNN``, e.g. ``hep-th/9901001`` or ``math.GT/0309136``.
The canonical form is without version, and, for old-style ids, without the subject class (arXiv itself
resolves ``math.GT/0309136`` and ``math/0309136`` to the same paper).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dailypapers.errors import Refused

# ASCII digits only (``\d`` also matches other scripts' digits, which int() accepts but arXiv does not use).
_NEW = re.compile(r"(?P<yymm>[0-9]{4})\.(?P<num>[0-9]{4,5})(?:v(?P<version>[0-9]+))?")
_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Z]{2})?/(?P<yymm>[0-9]{4})(?P<num>[0-9]{3})(?:v(?P<version>[0-9]+))?"
)
# What the OpenAPI spec shows for a paper id parameter (with or without a version).
ARXIV_ID_PATTERN = r"^([0-9]{4}\.[0-9]{4,5}|[a-z]+(-[a-z]+)?(\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?$"
# A canonical or versioned id as it appears in a URL path (the {arxiv_id:arxiv_id} path convertor); anything
# else under /papers/ reaches the fallback routes, which parse it and answer 404 or redirect.
ARXIV_ID_PATH_REGEX = r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/[0-9]{7})(?:v[0-9]+)?"
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/", re.IGNORECASE)
_HF_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?huggingface\.co/papers/", re.IGNORECASE)

# The five-digit sequence number started with January 2015 (YYMM 1501).
FIVE_DIGIT_FROM_YYMM = 1501
# Far above any real paper's version count; it keeps a version inside an SQL INTEGER (and int()'s digit limit).
MAX_VERSION = 10_000
NEW_STYLE_FROM_YYMM = 704  # 0704 = April 2007
OLD_STYLE_FROM_YYMM = 9108  # 9108 = August 1991, the first arXiv submissions


class InvalidArxivId(ValueError, Refused):
    """The text is not an arXiv identifier (the message says why, for the user who typed it)."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str
    version: int | None = None

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an arXiv id, ``arXiv:`` id, or arxiv.org / huggingface.co paper URL into its canonical form.

    >>> parse_arxiv_id("arXiv:2401.12345v2")
    ArxivId(id='2401.12345', version=2)
    >>> parse_arxiv_id("https://arxiv.org/abs/hep-th/9901001")
    ArxivId(id='hep-th/9901001', version=None)
    """
    raw = text
    text = text.strip()
    text = _URL_PREFIX.sub("", text)
    text = _HF_URL_PREFIX.sub("", text)
    text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if text.lower().endswith(".pdf"):
        text = text[: -len(".pdf")]
    if text[:6].lower() == "arxiv:":
        text = text[6:].strip()
    if not text:
        raise InvalidArxivId("empty arXiv id")

    new = _NEW.fullmatch(text)
    if new:
        yymm = int(new["yymm"])
        month = yymm % 100
        if not 1 <= month <= 12 or yymm < NEW_STYLE_FROM_YYMM:
            raise InvalidArxivId(f"{raw!r} is not an arXiv id: {new['yymm']} is not a valid year and month")
        digits = len(new["num"])
        expected = 5 if yymm >= FIVE_DIGIT_FROM_YYMM else 4
        if digits != expected:
            raise InvalidArxivId(f"{raw!r} is not an arXiv id: ids from {new['yymm']} have a {expected}-digit number")
        return ArxivId(f"{new['yymm']}.{new['num']}", _version(new["version"], raw))

    old = _OLD.fullmatch(text)
    if old:
        yymm = int(old["yymm"])
        month = yymm % 100
        # Old-style ids run from 9108 to 0703; two-digit years wrap at 2000.
        in_range = yymm >= OLD_STYLE_FROM_YYMM or yymm < NEW_STYLE_FROM_YYMM
        if not 1 <= month <= 12 or not in_range:
            raise InvalidArxivId(f"{raw!r} is not an arXiv id: {old['yymm']} is not a valid year and month")
        return ArxivId(f"{old['archive']}/{old['yymm']}{old['num']}", _version(old["version"], raw))

    raise InvalidArxivId(f"{raw[:100]!r} is not an arXiv id (expected e.g. 2401.12345, 2401.12345v2 or hep-th/9901001)")


def _version(text: str | None, raw: str) -> int | None:
    if text is None:
        return None
    # Checked on the digits first: int() of a 5,000-digit string raises a plain ValueError.
    version = int(text) if len(text) <= len(str(MAX_VERSION)) else MAX_VERSION + 1
    if version < 1:
        raise InvalidArxivId(f"{raw!r} is not an arXiv id: versions start at v1")
    if version > MAX_VERSION:
        raise InvalidArxivId(f"{raw[:100]!r} is not an arXiv id: no paper has over {MAX_VERSION:,} versions")
    return version


def normalize_arxiv_id(text: str) -> str:
    """The canonical arXiv id (no version, no subject class) for ``text``; raises InvalidArxivId."""
    return parse_arxiv_id(text).id
