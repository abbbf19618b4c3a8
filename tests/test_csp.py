"""A strict Content-Security-Policy: no page template carries inline script or style.

The browser walks (tests/e2e) fail on any CSP refusal chromium reports; this test finds inline
code in every template before a browser runs, so a new template is covered untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

from survey import config

INLINE = [
    (re.compile(r"\sstyle\s*="), "style attribute"),
    (re.compile(r"<style[\s>]"), "<style> block"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']"), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]
# Mails are no web pages (mail clients need inline styles); the paper PDF inlines its sheet for
# WeasyPrint only (`{% if pdf %}`), the browser gets static/paper.css.
NOT_PAGES = ("email/",)
PDF_ONLY = {"paper/questionnaire.html": "{% if pdf %}<style>"}


def test_no_template_has_inline_script_or_style():
    root = Path(config.TEMPLATES_DIR)
    problems = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name.startswith(NOT_PAGES):
            continue
        text = path.read_text(encoding="utf-8")
        if name in PDF_ONLY:
            text = text.replace(PDF_ONLY[name], "{% if pdf %}")
        problems += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert not problems, problems


def test_every_page_sends_the_policy(app, planner_client):
    from test_headers import simple_get_routes

    for route in simple_get_routes(app):
        response = planner_client.get(route)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, route
        assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy, route
        response.close()
