"""Security headers on every response: a strict Content-Security-Policy, no framing, no MIME sniffing, and no
referrer (with its tokens) sent to other sites.

The policy, and why each part is what it is:
- ``default-src 'self'`` and ``script-src 'self'``: every script is a file of ours (KaTeX, htmx and site.js are
  vendored, none is inline), so an injected ``<script>`` or ``onerror=`` runs nowhere. htmx is configured by a
  ``<meta name="htmx-config">`` without eval, inline script tags or its injected indicator ``<style>``.
- ``style-src 'self'`` with ``style-src-attr 'unsafe-inline'``: stylesheets only from us, and no ``<style>``
  element (what CSS injection needs for selector-based data theft). Style *attributes* are allowed because
  KaTeX writes some with ``setAttribute("style", …)`` (error colour, boxes) and comments indent by a
  ``--depth`` variable; an attribute cannot select other elements, and ``img-src``/``font-src`` stop it loading
  anything from elsewhere. Browsers without ``style-src-attr`` fall back to the stricter ``style-src``.
- ``img-src 'self' data:`` (the favicon, KaTeX's data URIs), ``font-src 'self'`` (KaTeX's fonts),
  ``connect-src 'self'`` (htmx), ``object-src 'none'``, ``base-uri 'none'``, ``form-action 'self'``.
- ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for older browsers): no clickjacking of the vote,
  comment or settings buttons.

The API documentation page (``/api/docs``) is FastAPI's Swagger UI, which loads its script and styles from a
CDN and starts with an inline script; it gets its own policy that allows exactly that, and nothing else,
because it shows no user content.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"  # where fastapi.openapi.docs loads Swagger UI from
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {SWAGGER_CDN}; style-src 'self' {SWAGGER_CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/api/docs", "/api/docs/oauth2-redirect"})

COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # Links to arXiv and GitHub must not carry our URLs, some of which hold tokens (reset, unsubscribe).
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response, cached pages included (it sits outside the page cache), unless
    a handler set one of them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (DOCS_POLICY if scope["path"] in DOCS_PATHS else SITE_POLICY).encode()
        extra = ((b"content-security-policy", policy), *COMMON_HEADERS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in extra if header[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
