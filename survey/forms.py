"""WTForms for the planner's pages (the respondent form is built from the survey's items)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class SurveyForm(FlaskForm):
    title = StringField("Titel der Befragung", validators=[DataRequired("Bitte geben Sie einen Titel ein."), Length(max=300)])
    introduction = TextAreaField("Einleitung für die Antwortenden (wer fragt, warum, wofür)", validators=[Optional()])
    privacy_notice = TextAreaField("Hinweis zum Datenschutz (wer sieht die Antworten, wie lange werden sie gespeichert)",
                                   validators=[Optional()])
    contact_name = StringField("Ansprechperson", validators=[Optional(), Length(max=200)])
    contact_email = EmailField("E-Mail der Ansprechperson (für Rückfragen, als Antwortadresse der Einladung)",
                               validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse eingeben.")])
    contact_phone = StringField("Telefon der Ansprechperson", validators=[Optional(), Length(max=60)])
    deadline = DateField("Antworten erbeten bis", validators=[Optional()],
                         render_kw={"placeholder": "JJJJ-MM-TT"})

    def settings(self) -> dict:
        return {
            "introduction": self.introduction.data or "",
            "privacy_notice": self.privacy_notice.data or "",
            "contact_name": self.contact_name.data or "",
            "contact_email": (self.contact_email.data or "").strip().lower(),
            "contact_phone": self.contact_phone.data or "",
            "deadline": self.deadline.data,
        }


class InviteForm(FlaskForm):
    addresses = TextAreaField(
        "E-Mail-Adressen (eine pro Zeile)",
        validators=[DataRequired("Bitte geben Sie mindestens eine E-Mail-Adresse ein.")],
    )
