"""Templates ask the kind, never its name: no `kind == "group"`, `q.kind in ("number", "year")` or
`item.kind != 'district'` in `templates/` (a new kind would slip past such a branch unnoticed).
They ask `KINDS[q.kind]` for its macro, family, `multiple`, `years`, `partners` … instead."""

from __future__ import annotations

import re
from pathlib import Path

from questionnaires.kinds import KINDS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# `kind` compared with (or tested for membership in) string literals.
COMPARISON = re.compile(r"kind\s*(?:==|!=|\bnot in\b|\bin\b)\s*(\([^)]*\)|\[[^\]]*\]|'[^']*'|\"[^\"]*\")")


def kind_names_compared(text: str) -> list[str]:
    names = set(KINDS)
    found = []
    for match in COMPARISON.finditer(text):
        literals = re.findall(r"'([^']*)'|\"([^\"]*)\"", match.group(1))
        found += [a or b for a, b in literals if (a or b) in names]
    return found


def test_the_check_sees_a_comparison_by_name():
    assert kind_names_compared("{% if q.kind in ('group', 'partner_roster') %}") == ["group", "partner_roster"]
    assert kind_names_compared("{{ 'x' if item.kind != \"district\" }}") == ["district"]
    assert kind_names_compared("{% if kind == 'reminder' %}") == []  # a mail kind, not a question kind


def test_no_template_compares_a_kind_with_its_name():
    offenders = [f"{path.relative_to(TEMPLATES)}: {names}" for path in sorted(TEMPLATES.rglob("*.*"))
                 if path.suffix in (".html", ".txt") and (names := kind_names_compared(path.read_text("utf-8")))]
    assert not offenders, "\n".join(offenders)
