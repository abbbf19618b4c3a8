"""Security headers the app sets itself (nginx may add more, but the app must not rely on it).

Every response: no MIME sniffing, no framing, no referrer beyond our own origin. Every page or
download that is not a static file gets `Cache-Control: no-store`: respondent pages carry the
token in their URL and the answers in their body, planner pages and exports carry personal data,
and a shared office computer's browser cache must keep none of it. Static assets stay cacheable.
"""

from __future__ import annotations

from flask import Flask, Response, request

HEADERS = {
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
