"""Security headers the app sets itself (nginx may add more, but the app must not rely on it).

Every response: no MIME sniffing, no framing, no referrer beyond our own origin, and a strict
Content-Security-Policy: scripts, styles, images, fonts and frames only from our own origin, no
inline script or style (so an injected `<script>` or `style=` does nothing), forms post only to us.
A view may set its own policy (the demo mailbox's mail preview allows the mail's inline styles
in a sandbox); it is kept. Every page or
download that is not a static file gets `Cache-Control: no-store`: respondent pages carry the
token in their URL and the answers in their body, planner pages and exports carry personal data,
and a shared office computer's browser cache must keep none of it. Static assets stay cacheable.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re

from flask import Flask, Response, g, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')


def allow_styles_of(html: str) -> None:
    """Let this page show `html` (a mail) in a `srcdoc` frame, which inherits the page's policy.

    Mails need inline styles. Instead of allowing every inline style, the page's policy names the
    SHA-256 of each style attribute of this one mail ('unsafe-hashes'), so nothing else inline runs.
    """
    values = {html_lib.unescape(value) for value in STYLE_ATTRIBUTE.findall(html)}
    g.setdefault("csp_style_hashes", set()).update(values)


def _policy() -> str:
    values = g.get("csp_style_hashes")
    if not values:
        return CSP
    hashes = " ".join(sorted(f"'sha256-{base64.b64encode(hashlib.sha256(v.encode()).digest()).decode()}'"
                             for v in values))
    return CSP.replace("style-src 'self'", f"style-src 'self' 'unsafe-hashes' {hashes}")


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", _policy())
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
