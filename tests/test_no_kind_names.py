"""No code outside the kind registry dispatches on a kind's name (`questionnaires/kinds.py`).

A string literal equal to a registered kind name counts as dispatch where code uses it as a kind:
compared (`q.kind == "group"`, `kind in ("number", "year")`), in a collection made only of kind
names (`ENTRY_KINDS = ("group", "partner_roster")`), as a `kind=` argument or the kind of a
`Question(...)`, or as an index of `KINDS`. The same word in another role (a flash category
"info", a filter named "number") is not a kind and passes. Code asks the kind instead (its
`family`, `summary`, `chart`, `partners` …); a kind is named by its class (`District.name`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from questionnaires.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("survey", "analysis")


def _is_kind(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names


def _collection(node: ast.AST) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple | ast.List | ast.Set) else []


def kind_names_used(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every kind name the source uses as a kind (see the module docstring)."""
    found: set[tuple[int, str]] = set()

    def hit(node: ast.AST) -> None:
        if _is_kind(node, names):
            found.add((node.lineno, node.value))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                hit(operand)
                for element in _collection(operand):
                    hit(element)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            strings = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if strings and len(strings) == len(node.elts) and all(_is_kind(e, names) for e in strings):
                for element in strings:
                    hit(element)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "kind":
                    hit(keyword.value)
            callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if callee == "Question" and len(node.args) > 1:
                hit(node.args[1])
        elif isinstance(node, ast.Subscript) and "KINDS" in ast.unparse(node.value):
            hit(node.slice)
    return sorted(found)


def _sources() -> list[Path]:
    return sorted(path for root in CHECKED for path in (ROOT / root).rglob("*.py"))


@pytest.mark.parametrize("snippet", [
    'if question.kind == "group": pass',
    'ok = q.kind in ("number", "year")',
    'ENTRY_KINDS = ("group", "partner_roster")',
    'q = replace(q, kind="likert")',
    'q = Question("x.y", "district", "Wo?")',
    'kind = KINDS["matrix"]',
])
def test_the_check_finds_dispatch_on_a_kind_name(snippet):
    assert kind_names_used(snippet, set(KINDS))


@pytest.mark.parametrize("snippet", [
    'flash("Gespeichert.", "info")',
    'for name in ("number", "percent", "date", "datetime"): pass',
    'kind = KINDS[question.kind]',
    'q = Question("x.y", District.name, "Wo?")',
])
def test_the_check_passes_other_uses_of_the_same_words(snippet):
    assert kind_names_used(snippet, set(KINDS)) == []


def test_no_code_outside_the_registry_dispatches_on_a_kind_name():
    names = set(KINDS)
    found = [f"{path.relative_to(ROOT)}:{line}: {name!r}"
             for path in _sources() for line, name in kind_names_used(path.read_text(encoding="utf-8"), names)]
    assert len(_sources()) > 50  # the folders are where this test expects them
    assert found == [], "ask the kind (questionnaires.kinds) instead of comparing its name:\n" + "\n".join(found)
