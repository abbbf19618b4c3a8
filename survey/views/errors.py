"""Friendly German error pages (404, 403, 500, expired form)."""

from flask import Flask, render_template

from ..extensions import db
from . import kept_input

MESSAGES = {
    403: ("Kein Zugriff", "Für diese Seite fehlen Ihnen die Rechte. Wenden Sie sich bei Fragen an Ihre Administration."),
    404: ("Seite nicht gefunden", "Diese Seite gibt es nicht (mehr). Prüfen Sie die Adresse oder gehen Sie zur Startseite."),
    405: ("Nicht möglich", "Diese Aktion ist auf dieser Seite nicht möglich."),
    413: ("Datei zu groß", "Die hochgeladene Datei ist zu groß (höchstens 16 MB)."),
    500: ("Ein Fehler ist aufgetreten", "Das hat nicht geklappt. Bitte versuchen Sie es in einigen Minuten erneut."),
}


def register(app: Flask) -> None:
    def render(code: int):
        # A failed statement leaves the session unusable (PendingRollbackError); the error page
        # itself may query (the menu reads the user), so roll back first.
        db.session.rollback()
        title, text = MESSAGES[code]
        return render_template("error.html", title=title, text=text, code=code), code

    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: render(code))

    kept_input.register(app)  # the expired form and the ended session keep what was posted
