"""Friendly German error pages (404, 403, 500, expired form)."""

from flask import Flask, render_template, request

from ..extensions import db
from . import kept_input

MESSAGES = {
    403: ("Kein Zugriff",
          "Für diese Seite fehlen Ihnen die Rechte. Wenden Sie sich bei Fragen an Ihre Administration."),
    404: ("Seite nicht gefunden",
          "Diese Seite gibt es nicht (mehr). Prüfen Sie die Adresse oder gehen Sie zur Startseite."),
    405: ("Nicht möglich", "Diese Aktion ist auf dieser Seite nicht möglich."),
    413: ("Datei zu groß", "Die hochgeladene Datei ist zu groß (höchstens 16 MB). Gehen Sie mit der Zurück-Taste "
                           "Ihres Browsers zum Formular zurück und wählen Sie eine kleinere Datei, zum Beispiel nur "
                           "die Tabelle mit den Akteuren als .csv."),
    500: ("Ein Fehler ist aufgetreten", "Das hat nicht geklappt. Bitte versuchen Sie es in einigen Minuten erneut."),
}


# A respondent post beyond RESPONDENT_MAX_POST (64 MB): every field up to that is read and kept
# (survey/bounded_form.py), so only a post of that size arrives here; the browser still has the form.
RESPONDENT_TOO_LARGE = ("Zu viel auf einmal gesendet",
                        "Diese Seite hat mehr als 64 MB Text gesendet; das ist weit mehr als "
                        "jedes Antwortfeld aufnimmt, und es wurde nichts gespeichert. Gehen Sie mit der Zurück-Taste "
                        "Ihres Browsers zum Formular, kürzen Sie den sehr langen Text und speichern Sie erneut.")


def register(app: Flask) -> None:
    def render(code: int):
        # A failed statement leaves the session unusable (PendingRollbackError); the error page
        # itself may query (the menu reads the user), so roll back first.
        db.session.rollback()
        title, text = MESSAGES[code]
        if code == 413 and request.blueprint == "respond":
            title, text = RESPONDENT_TOO_LARGE
        return render_template("error.html", title=title, text=text, code=code), code

    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: render(code))

    kept_input.register(app)  # the expired form and the ended session keep what was posted
