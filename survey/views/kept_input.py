"""Kept input: a planner form that arrives with an expired CSRF token or after the session ended.

Nothing is saved then, but nothing typed is lost either. The answer page carries every posted
field back: logged in (token expired), it is a form to the same address with a fresh token
("Jetzt speichern"); logged out (logged out in another tab, password changed, session version
raised), it is the login form with the posted fields as hidden `_kept.<name>` inputs, and a
successful login answers with that same "Jetzt speichern" form instead of a redirect.

The text lives only in the pages sent to the browser that posted it: it is never stored on the
server or in the session cookie, so no other user (and no other browser) can see it. Password
fields are never echoed back. The edit forms' `_version` travels along, so a save after login
over a colleague's newer version still gets the conflict notice (`edit_conflicts`).
"""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..extensions import db, login

PREFIX = "_kept."
TARGET = "_kept_target"
# Fields never sent back to the browser (secrets) and technical fields renewed on the next page.
SECRET = ("password", "current", "confirm")
RENEWED = ("csrf_token",)
# Pages whose only input is a secret or an address to log in with: shown fresh instead.
NOT_KEPT = {"auth.login_page", "auth.set_password", "auth.change_password", "auth.logout"}


def _kept_fields(source) -> list[tuple[str, str]]:
    return [(name, value) for name in source for value in source.getlist(name)
            if name not in RENEWED and not any(s in name.lower() for s in SECRET)]


def posted_fields() -> list[tuple[str, str]]:
    """The posted fields worth keeping (not the CSRF token, never a password)."""
    return _kept_fields(request.form)


def from_login_form() -> tuple[str | None, list[tuple[str, str]]]:
    """The target and fields a login form carried along (`_kept.<name>`), if any."""
    fields = [(name[len(PREFIX):], value) for name in request.form if name.startswith(PREFIX)
              for value in request.form.getlist(name)]
    return request.form.get(TARGET) or None, fields


# German names of the common planner fields for the kept-input page (others show their field name).
LABELS = {
    "title": "Titel", "introduction": "Einleitung", "privacy_notice": "Hinweis zum Datenschutz",
    "contact_name": "Ansprechperson", "contact_email": "E-Mail der Ansprechperson",
    "contact_phone": "Telefon der Ansprechperson", "deadline": "Antworten erbeten bis",
    "invitation_subject": "Betreff der Einladung", "invitation_text": "Text der Einladung",
    "reminder_subject": "Betreff der Erinnerung", "reminder_text": "Text der Erinnerung",
    "remind_days_before": "Erinnerung Tage vor der Frist", "addresses": "Adressen", "prompt": "Frage",
    "help": "Hinweis", "options": "Antwortmöglichkeiten", "name": "Name", "display_name": "Name",
    "notes": "Notizen", "email": "E-Mail-Adresse", "address": "E-Mail-Adresse", "phone": "Telefon",
    "contact_block": "Kontakt", "signature": "Weitere Zeilen der Signatur", "office": "Amt oder Fachbereich",
    "postal_address": "Anschrift", "website": "Website der Kommune", "feedback_email": "E-Mail für Rückmeldungen",
    "accessibility_notes": "Ergänzungen zur Barrierefreiheit", "enforcement_body": "Durchsetzungsverfahren",
    "message": "Rückmeldung", "sender_name": "Absendername",
    "privacy_template": "Vorlage Datenschutzhinweis", "strategic_fields": "Strategische Handlungsfelder",
}


def label(name: str) -> str:
    return LABELS.get(name.rsplit("-", 1)[-1], f"Feld „{name}“")


def _shown(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The typed texts shown in editable fields (single values; lists and technical fields stay hidden)."""
    counts: dict[str, int] = {}
    for name, _value in fields:
        counts[name] = counts.get(name, 0) + 1
    return [(name, value) for name, value in fields
            if counts[name] == 1 and value.strip() and not name.startswith("_") and name not in ("action", "kind")]


def resend_page(target: str, fields: list[tuple[str, str]], reason: str, status: int = 200):
    """A form that posts the kept fields again, with a fresh token, to where they were going."""
    return render_template("kept_input.html", mode="resend", label=label, target=target, fields=fields,
                           shown=_shown(fields), reason=reason, files=bool(request.files)), status


def login_page(target: str, fields: list[tuple[str, str]], reason: str, form=None, status: int = 401):
    """The login form, carrying the kept fields; after the login they can be sent again."""
    from .auth import LoginForm

    return render_template("kept_input.html", mode="login", label=label, target=target, fields=fields, shown=_shown(fields),
                           reason=reason, form=form or LoginForm(formdata=None), prefix=PREFIX, target_name=TARGET,
                           files=bool(request.files)), status


def _target() -> str:
    return request.full_path.rstrip("?")


EXPIRED = ("Ihre Eingaben sind noch nicht gespeichert: Das Formular war zu lange geöffnet oder Ihre Sitzung ist "
           "abgelaufen. Sie stehen unten noch da.")
LOGGED_OUT = ("Ihre Eingaben sind noch nicht gespeichert: Sie sind inzwischen abgemeldet (zum Beispiel in einem "
              "anderen Fenster oder nach einer Passwortänderung). Melden Sie sich an; danach können Sie die "
              "Eingaben speichern.")


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        fields = posted_fields()
        if request.method != "POST" or request.endpoint in NOT_KEPT or not fields:
            return render_template(
                "error.html", code=400, title="Formular abgelaufen",
                text="Das Formular war zu lange geöffnet oder Ihre Sitzung ist abgelaufen. Es wurde nichts "
                "gespeichert. Öffnen Sie die Seite erneut und geben Sie es noch einmal ein.",
            ), 400
        if current_user.is_authenticated:
            return resend_page(_target(), fields, EXPIRED, 400)
        return login_page(_target(), fields, LOGGED_OUT)

    @login.unauthorized_handler
    def unauthorized():
        fields = posted_fields() if request.method == "POST" else []
        if fields and request.endpoint not in NOT_KEPT:
            return login_page(_target(), fields, LOGGED_OUT)
        from flask_login.utils import login_url

        flash(login.login_message, login.login_message_category)
        return redirect(login_url(login.login_view, next_url=request.url))


def after_login():
    """For the login view: the "Jetzt speichern" page when the login form carried kept input."""
    from .auth import _safe_next

    target, fields = from_login_form()
    target = _safe_next(target)
    if not target or not fields:
        return None
    return resend_page(target, fields, "Sie sind wieder angemeldet. Ihre Eingaben sind noch nicht gespeichert: "
                                       "prüfen Sie sie und klicken Sie auf „Jetzt speichern“.")


def login_failed(form):
    """For the login view: a failed attempt keeps carrying the input (None when there is none)."""
    target, fields = from_login_form()
    if not fields or request.method != "POST":
        return None
    return login_page(target or "/", fields, LOGGED_OUT, form=form, status=200)

