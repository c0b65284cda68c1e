"""Comment markdown: CommonMark (markdown-it-py) with ``$…$`` / ``$$…$$`` math, then sanitised by nh3.

Two layers, so one mistake is not enough for an injection: markdown-it escapes raw HTML (``html=False``),
and nh3 keeps only the tags, attributes, classes and URL schemes listed here. Images are not rendered (they
would let a commenter load tracking pixels in every reader's browser); ``![alt](url)`` becomes a link. Math is
left as ``\\(…\\)`` text in a ``math`` element for KaTeX to render in the browser with ``trust: false``.
"""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

from dailypapers.text import strip_invisible

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_CLASSES = {"span": {"math"}, "div": {"math"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _math_inline(_self: RendererHTML, tokens: list[Token], idx: int, _options: OptionsDict, _env: EnvType) -> str:
    return f'<span class="math">\\({escape(tokens[idx].content)}\\)</span>'


def _math_block(_self: RendererHTML, tokens: list[Token], idx: int, _options: OptionsDict, _env: EnvType) -> str:
    return f'<div class="math">\\[{escape(tokens[idx].content.strip())}\\]</div>\n'


def _heading_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # A comment's "# Title" must not outrank the page's own headings: h1/h2 become h3.
    token = tokens[idx]
    token.tag = f"h{max(3, int(token.tag[1]))}"
    return self.renderToken(tokens, idx, options, env)


def _heading_close(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    token.tag = f"h{max(3, int(token.tag[1]))}"
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.enable(["strikethrough", "table"])
    # allow_digits=False: "costs $5 and $6" stays prose, not math.
    md.use(dollarmath_plugin, allow_space=True, allow_digits=False, double_inline=False)
    md.disable("image")
    rules: dict[str, Any] = {
        "math_inline": _math_inline,
        "math_block": _math_block,
        "math_block_label": _math_block,
        "heading_open": _heading_open,
        "heading_close": _heading_close,
    }
    for name, rule in rules.items():
        md.add_render_rule(name, rule)
    return md


_MD = _parser()


def render_markdown(source: str) -> str:
    """Sanitised HTML for ``source``, safe to insert into a page as markup."""
    html = _MD.render(strip_invisible(source))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )
