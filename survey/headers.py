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

from flask import Flask, Response, request

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
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
