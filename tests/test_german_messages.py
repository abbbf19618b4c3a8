"""German everywhere: every form answers too long, empty and invalid input in German (generated from the
form classes of the app), and templates and services never write "(en)"/"(n)"/"(s)" plurals."""

from __future__ import annotations

import importlib
import pkgutil
import re
import tokenize
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields import FieldList, FormField, SelectFieldBase

import survey
from survey.form_messages import MESSAGES, PLURALS, GermanForm

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"\b(Field|field|must|Invalid|invalid|required|cannot|Not a|Number|Date|choice|token)\b")
VALUES = {"leer": "", "zu lang": "x" * 20_000, "ungültig": "kein@@wert ✗ 31.02.", "Zahl zu groß": "99999999999"}


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(survey.__path__, "survey."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("survey.") and sub not in found:
                found.add(sub)
            todo.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _form_classes()


def test_the_forms_are_found_and_every_one_speaks_german():
    assert len(FORMS) >= 15  # the walk found the app's forms, not none
    not_german = [f"{c.__module__}.{c.__qualname__}" for c in FORMS if not issubclass(c, GermanForm)]
    assert not_german == [], "derive these from survey.form_messages.GermanForm"


def _fill(form: Form, value: str, data: MultiDict, prefix: str = "") -> None:
    for field in form:
        if isinstance(field, FormField | FieldList):
            continue
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", None) is None:
            field.choices = [("1", "Eins")]
        data.add(field.name, value)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__qualname__)
def test_every_form_answers_bad_input_in_german(app, form_class):
    with app.test_request_context("/", method="POST"):
        for what, value in VALUES.items():
            empty = form_class(formdata=None, meta={"csrf": False})
            data = MultiDict()
            _fill(empty, value, data)
            form = form_class(formdata=data, meta={"csrf": False})
            for field in form:
                if isinstance(field, SelectFieldBase) and getattr(field, "choices", None) is None:
                    field.choices = [("1", "Eins")]
            form.validate()
            messages = [str(m) for errors in form.errors.values() for m in (errors if isinstance(errors, list)
                                                                            else [errors])]
            english = [m for m in messages if ENGLISH.search(m)]
            assert english == [], f"{what}: {english}"


def test_the_csrf_check_of_a_form_answers_in_german(app):
    from survey.forms_test_run import TestRunForm

    with app.test_request_context("/", method="POST", data={"csrf_token": "abgelaufen"}):
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            form = TestRunForm()
            assert not form.validate()
            assert form.errors["csrf_token"] == ["Das Formular ist abgelaufen. Bitte senden Sie es erneut ab."]
        finally:
            app.config["WTF_CSRF_ENABLED"] = False


def test_every_wtforms_message_has_a_german_text():
    catalogue = (Path(importlib.import_module("wtforms").__file__).parent / "locale" / "wtforms.pot").read_text()
    msgids = set(re.findall(r'^msgid "(.+)"$', catalogue, re.M))
    assert msgids - set(MESSAGES) - set(PLURALS) == set()


def test_a_too_long_name_gets_a_german_limit_with_a_german_number(app):
    from survey.form_messages import GERMAN

    text = GERMAN.ngettext("Field cannot be longer than %(max)d character.",
                           "Field cannot be longer than %(max)d characters.", 3000) % {"max": 3000}
    assert text == "Höchstens 3.000 Zeichen – bitte kürzen Sie den Text."


# --- singular and plural --------------------------------------------------------------------------

PLURAL_PATTERN = re.compile(r"[A-ZÄÖÜ][a-zäöüß-]+\((?:en|n|s|e|er|nen)\)(?!\w)")  # German nouns: "Adresse(n)"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def test_no_template_or_service_writes_a_bracketed_plural():
    """"Adresse(n)", "Einladung(en)", "Zeile(n)": counts use `fmt.counted` / `de_counted` instead."""
    found = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if PLURAL_PATTERN.search(JINJA.sub(" ", line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for path in [*ROOT.glob("survey/**/*.py"), *ROOT.glob("analysis/**/*.py"), *ROOT.glob("questionnaires/*.py")]:
        with path.open("rb") as handle:  # only the texts in the code: `len(s)` is no plural
            for token in tokenize.tokenize(handle.readline):
                if token.type == tokenize.STRING and PLURAL_PATTERN.search(token.string):
                    found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string[:80]}")
    assert found == []


def test_the_plural_pattern_catches_what_it_should():
    for text in ("Adresse(n)", "Einladung(en)", "Zeile(n) übernehmen", "Eintrag(s)", "Person(en)."):
        assert PLURAL_PATTERN.search(text)
    for text in ("Kita (Kindertagesstätte)", "Tel. (0231)", "len(s)", "the value(s) of"):
        assert not PLURAL_PATTERN.search(text)


# --- a label with its value ---------------------------------------------------------------------------


def test_a_statement_ending_in_a_full_stop_gets_its_value_without_dot_colon():
    from questionnaires import formatting as fmt
    from questionnaires.kinds import KINDS
    from questionnaires.loader import load_catalogue

    question = load_catalogue().get("kooperation.bewertung")
    code = question.options[2].code
    shown = KINDS[question.kind].display(question, {"verbindlichkeit": code})
    assert shown == f"Absprachen werden verbindlich eingehalten: {question.options[2].label}" and ".:" not in shown
    assert fmt.labelled("Kita Sonne e. V.", "3") == "Kita Sonne e. V.: 3"
    assert fmt.labelled("Wie oft treffen Sie sich?", "Monatlich") == "Wie oft treffen Sie sich? – Monatlich"
    assert fmt.labelled("Stadtteil:", "Nord") == "Stadtteil: Nord"
