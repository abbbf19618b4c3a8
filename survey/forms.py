"""WTForms for the planner's pages (the respondent form is built from the survey's items)."""

from __future__ import annotations

from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from questionnaires.kinds import KINDS, NUMBER, parse_number

from .form_messages import GermanForm
from .services.surveys import options_from_lines, own_kinds, page_label


class SurveyForm(GermanForm):
    title = StringField("Titel der Befragung",
                        validators=[DataRequired("Bitte geben Sie einen Titel ein."), Length(max=300)])
    introduction = TextAreaField("Einleitung für die Antwortenden (wer fragt, warum, wofür)", validators=[Optional()])
    privacy_notice = TextAreaField(
        "Hinweis zum Datenschutz (wer sieht die Antworten, wie lange werden sie gespeichert)", validators=[Optional()])
    contact_name = StringField("Ansprechperson", validators=[Optional(), Length(max=200)])
    contact_email = EmailField("E-Mail der Ansprechperson (für Rückfragen, als Antwortadresse der Einladung)",
                               validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse eingeben.")])
    contact_phone = StringField("Telefon der Ansprechperson", validators=[Optional(), Length(max=60)])
    deadline = DateField("Antworten erbeten bis", validators=[Optional()],
                         render_kw={"placeholder": "JJJJ-MM-TT"})
    confidential = BooleanField("Vertrauliche Befragung: einzelne Einschätzungen werden nicht namentlich "
                                "weitergegeben")
    rows_for_analysts = BooleanField("Einzeldaten für Auswertende freigeben (pseudonymisiert)")
    rows_free_text = BooleanField("Freitexte einbeziehen")

    def settings(self) -> dict:
        return {
            "introduction": self.introduction.data or "",
            "privacy_notice": self.privacy_notice.data or "",
            "contact_name": self.contact_name.data or "",
            "contact_email": (self.contact_email.data or "").strip().lower(),
            "contact_phone": self.contact_phone.data or "",
            "deadline": self.deadline.data,
        }


class NewSurveyForm(SurveyForm):
    """A new survey: empty or from one of the catalogue's templates (then the title may stay empty)."""

    title = StringField("Titel der Befragung", validators=[Optional(), Length(max=300)])
    start = RadioField("Womit möchten Sie beginnen?", default="", validate_choice=True)

    def set_templates(self, templates) -> None:
        self.start.choices = [SelectChoice("", "Leere Befragung: Fragen selbst aus dem Katalog wählen")] + [
            SelectChoice(t.key, t.title) for t in templates
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.title.data or "").strip() and not self.start.data:
            self.title.errors = ["Bitte geben Sie einen Titel ein oder wählen Sie eine Vorlage."]
            return False
        return ok


class OwnQuestionForm(GermanForm):
    """A planner's own question of one of the simple kinds."""

    kind = SelectField("Art der Frage", choices=lambda: [SelectChoice(k, KINDS[k].label) for k in own_kinds()])
    prompt = TextAreaField("Fragetext",
                           validators=[DataRequired("Bitte geben Sie den Fragetext ein."), Length(max=2000)],
                           render_kw={"rows": 2})
    help = TextAreaField("Hinweis unter der Frage (optional)", validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 2})
    options = TextAreaField("Antwortmöglichkeiten, eine pro Zeile (nur bei Einfach- und Mehrfachauswahl)",
                            validators=[Optional()], render_kw={"rows": 5})
    minimum = StringField("Kleinster erlaubter Wert (nur bei Zahl und Jahr, optional)", validators=[Optional()])
    maximum = StringField("Größter erlaubter Wert (nur bei Zahl und Jahr, optional)", validators=[Optional()])
    integer = BooleanField("Nur ganze Zahlen (bei Zahl)", default=True)
    required = BooleanField("Pflichtfrage")
    page = SelectField("Auf Seite", coerce=int, validate_choice=True)

    def set_pages(self, pages) -> None:
        self.page.choices = [SelectChoice(page.id, page_label(n, page.title)) for n, page in enumerate(pages, start=1)]

    @staticmethod
    def kind_groups() -> dict[str, str]:
        """Which own kinds each group of fields belongs to (space-separated names, asked of the
        registry): the form shows a group only for its kinds (`static/builder.js`)."""
        kinds = {name: KINDS[name] for name in own_kinds()}
        groups = {
            "options": [n for n, k in kinds.items() if k.needs_options and not k.own_scale],
            "scale": [n for n, k in kinds.items() if k.own_scale],
            "bounds": [n for n, k in kinds.items() if k.family == NUMBER],
            "integer": [n for n, k in kinds.items() if k.family == NUMBER and not k.years],
        }
        return {group: " ".join(names) for group, names in groups.items()}

    def bound(self, field) -> float | int | None:
        text = (field.data or "").strip()
        if not text:
            return None
        return parse_number(text, integer=KINDS[self.kind.data].years or bool(self.integer.data))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        kind = KINDS.get(self.kind.data or "")
        if (kind and kind.needs_options and not kind.own_scale
                and len(options_from_lines(self.options.data or "")) < 2):
            self.options.errors = list(self.options.errors) + [
                "Bitte geben Sie mindestens zwei Antwortmöglichkeiten ein, jede in einer eigenen Zeile."]
            ok = False
        if kind and kind.family == NUMBER:
            bounds = []
            for field in (self.minimum, self.maximum):
                try:
                    bounds.append(self.bound(field))
                except ValueError:
                    whole = kind.years or self.integer.data
                    field.errors = list(field.errors) + [
                        "Bitte eine ganze Zahl eingeben, z. B. 0 oder 2020." if whole
                        else "Bitte eine Zahl eingeben, z. B. 0 oder 2,5."]
                    bounds.append(None)
                    ok = False
            low, high = bounds
            if low is not None and high is not None and low > high:
                self.maximum.errors = list(self.maximum.errors) + [
                    "Der größte Wert muss mindestens so groß sein wie der kleinste."]
                ok = False
        return ok


class CorrectionForm(GermanForm):
    """A wording correction of an open survey's question (labels from `option-<code>`/`item-<code>`);
    what counts as a correction is checked by `services.corrections`, which names each problem."""

    prompt = TextAreaField("Fragetext", validators=[Length(max=2000)], render_kw={"rows": 3})
    help = TextAreaField("Hinweis unter der Frage", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    note = StringField("Was haben Sie korrigiert? (Pflichtangabe, kurz)", validators=[Length(max=1000)],
                       render_kw={"placeholder": "z. B. Tippfehler korrigiert: „viele“ statt „vile“"})


class RewordForm(GermanForm):
    """The wording of one question for this survey (option labels are read from `option-<code>` fields)."""

    prompt = TextAreaField("Fragetext",
                           validators=[DataRequired("Der Fragetext darf nicht leer sein."), Length(max=2000)],
                           render_kw={"rows": 3})
    help = TextAreaField("Hinweis unter der Frage", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

