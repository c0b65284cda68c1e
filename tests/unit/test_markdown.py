"""Comment markdown: what survives sanitising, and what never does."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dailypapers.community.markdown import render_markdown


def test_markdown_and_math() -> None:
    html = render_markdown("**Nice** result: $O(n \\log n) < n^2$.\n\n$$\n\\sum_i x_i\n$$")
    assert "<strong>Nice</strong>" in html
    assert '<span class="math">\\(O(n \\log n) &lt; n^2\\)</span>' in html
    assert '<div class="math">\\[\\sum_i x_i\\]</div>' in html


def test_prices_are_not_math() -> None:
    assert "math" not in render_markdown("It costs $5 and $6 per run.")


def test_links_get_rel_and_headings_are_demoted() -> None:
    html = render_markdown("# Title\n\n[paper](https://arxiv.org/abs/2401.00001)")
    assert "<h3>Title</h3>" in html
    assert '<a href="https://arxiv.org/abs/2401.00001" rel="nofollow noopener noreferrer ugc">paper</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![pixel](https://tracker.example/p.gif)",
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '[x](https://ok.example "title" onmouseover=alert(1))',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "$\\href{javascript:alert(1)}{x}$",
    ],
)
def test_nothing_executable_survives(source: str) -> None:
    """Parsed as a browser would: only harmless elements, no event handlers or styles, only web links."""
    found = Elements()
    found.feed(render_markdown(source))
    for tag, attrs in found.elements:
        assert tag in {"p", "a", "span", "div", "code"}, tag
        for name, value in attrs:
            assert name in {"href", "title", "rel", "class"}, name
            if name == "href":
                assert (value or "").startswith(("https://", "http://")), value


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def test_direction_overrides_and_zero_width_characters_are_removed() -> None:
    assert render_markdown("evil\u202egnp.exe\u200b") == "<p>evilgnp.exe</p>\n"
