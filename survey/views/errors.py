"""Friendly German error pages (404, 403, 500, expired form)."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from ..extensions import db

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

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return (
            render_template(
                "error.html",
                code=400,
                title="Formular abgelaufen",
                text="Das Formular war zu lange geöffnet oder Ihre Sitzung ist abgelaufen. Bitte laden Sie die Seite neu "
                "und versuchen Sie es noch einmal.",
            ),
            400,
        )
