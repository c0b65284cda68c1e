"""Cleaning text that people type: names, titles of collections, comment bodies."""

from __future__ import annotations

import unicodedata

# Characters that reorder or hide text (bidi embeddings, overrides and isolates, zero-width marks): they make
# one string display as another ("evil\u202egnp.exe"), so they are removed from everything users write.
_INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF]
)


# The subset that has no business in paper metadata from sources (embeddings, overrides, isolates). Zero-width
# joiners stay there: scripts and emoji in names and titles need them.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def whole_number(value: str | None) -> int | None:
    """``value`` as a non-negative integer when it is ASCII digits only, else None. Why not ``str.isdigit()``
    alone: it also accepts "²" and other digits that ``int()`` refuses (min_upvotes=² was a 500)."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def strip_bidi_controls(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def strip_invisible(text: str) -> str:
    """NFC, without direction overrides, zero-width marks or control characters other than newline and tab."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def clean_line(text: str, max_chars: int) -> str:
    """A one-line name: cleaned as above, whitespace runs collapsed, trimmed to ``max_chars``."""
    return " ".join(strip_invisible(text).split())[:max_chars]
