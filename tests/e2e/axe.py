"""The axe-core accessibility check, injected into a page of the real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, exclude_ids: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns the violations."""
    if not AXE.exists():
        pytest.fail("axe-core fehlt: bitte `npm install --no-audit --no-fund` im Projektordner ausführen")
    # Evaluated through the DevTools protocol, not added as a <script>: the page's CSP allows no
    # inline script, and the browser walks fail on every CSP refusal.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        """async () => await axe.run(document,
                                     {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["id"] not in exclude_ids
    ]
