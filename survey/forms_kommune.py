"""WTForms for the Kommune's pages: the admin's settings and district list, the public feedback form."""

from __future__ import annotations

from urllib.parse import urlparse

from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from .form_messages import GermanForm
from .models.kommune import DEFAULT_PRIVACY_TEMPLATE
from .name_forms import FORM_LABELS, GENDERS, SPATIAL_WORDS, TYPE_WORDS
from .services.kommune import Settings, parse_lines


def web_address(form: GermanForm, field: StringField) -> None:
    """A full web address (https://…), so the link on respondent pages leads somewhere."""
    value = (field.data or "").strip()
    if not value:
        return
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
        raise ValidationError("Bitte eine vollständige Webadresse eingeben, die mit https:// beginnt, "
                              "z. B. https://www.beispielstadt.de/impressum.")


class KommuneSettingsForm(GermanForm):
    name = StringField("Name der Kommune", description="So, wie er in Überschriften steht, z. B. „Stadt Wuppertal“ "
                       "oder „Kreis Düren“.",
                       validators=[DataRequired("Bitte geben Sie den Namen der Kommune ein."),
                                   Length(max=200, message="Der Name darf höchstens 200 Zeichen lang sein.")])
    type_word = StringField("Art der Kommune", description="Das Wort vor dem Namen, z. B. Stadt, Kreis, Gemeinde, "
                            "Städteregion, Stadtbezirk.",
                            validators=[
                                DataRequired("Bitte geben Sie die Art der Kommune ein (z. B. Stadt oder Kreis)."),
                                Length(max=60, message="Höchstens 60 Zeichen.")],
                            render_kw={"list": "type-words", "autocomplete": "off"})
    gender = RadioField("Artikel", choices=[SelectChoice(k, v) for k, v in GENDERS.items()], default="",
                        validators=[Optional()])
    form_nominative = StringField(FORM_LABELS["nominative"], validators=[Optional(), Length(max=250)])
    form_initial = StringField(FORM_LABELS["initial"], validators=[Optional(), Length(max=250)])
    form_genitive = StringField(FORM_LABELS["genitive"], validators=[Optional(), Length(max=250)])
    form_accusative = StringField(FORM_LABELS["accusative"], validators=[Optional(), Length(max=250)])
    form_von = StringField(FORM_LABELS["von"], validators=[Optional(), Length(max=250)])
    form_bei = StringField(FORM_LABELS["bei"], validators=[Optional(), Length(max=250)])
    sender_name = StringField("Absendername der E-Mails", description="Steht im Postfach der Empfänger als Absender, "
                              "z. B. „Kreis Düren – Präventionskette“. Leer: der Name der Kommune.",
                              validators=[Optional(), Length(max=200, message="Höchstens 200 Zeichen.")])
    office = StringField("Amt oder Fachbereich", description="Steht mit dem Namen der Kommune in der Signatur jeder "
                         "E-Mail, z. B. „Amt für Kinder, Jugend und Familie“.",
                         validators=[Optional(), Length(max=200, message="Höchstens 200 Zeichen.")])
    postal_address = TextAreaField("Anschrift", description="Straße und Ort, so wie sie in der Signatur stehen sollen.",
                                   validators=[Optional(), Length(max=500, message="Höchstens 500 Zeichen.")],
                                   render_kw={"rows": 2})
    phone = StringField("Telefon", description="Eine Nummer, unter der Eingeladene nachfragen können, ob eine "
                        "Einladung echt ist (am besten die aus dem Telefonverzeichnis der Kommune).",
                        validators=[Optional(), Length(max=60, message="Höchstens 60 Zeichen.")])
    website = StringField("Website der Kommune", description="Z. B. https://www.kreis-dueren.de – dort können "
                          "Eingeladene die Telefonnummer selbst nachschlagen.",
                          validators=[Optional(), web_address, Length(max=500)])
    signature = TextAreaField("Weitere Zeilen der Signatur", description="Erscheinen unter Amt, Anschrift, Telefon "
                              "und Website, z. B. Sprechzeiten.",
                              validators=[Optional(), Length(max=2000, message="Höchstens 2.000 Zeichen.")])
    contact_block = TextAreaField("Kontakt", description="Wen Antwortende bei Fragen erreichen, wenn eine Befragung "
                                  "keine eigene Ansprechperson nennt.",
                                  validators=[Optional(), Length(max=2000, message="Höchstens 2.000 Zeichen.")])
    imprint_url = StringField("Impressum (Webadresse)", validators=[Optional(), web_address, Length(max=500)])
    privacy_url = StringField("Datenschutzerklärung (Webadresse)",
                              validators=[Optional(), web_address, Length(max=500)])
    feedback_email = EmailField("E-Mail-Adresse für Rückmeldungen zur Barrierefreiheit",
                                description="Hierhin gehen Meldungen über das Formular der Erklärung zur "
                                "Barrierefreiheit. Leer: an alle Administratorinnen und Administratoren.",
                                validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse eingeben."),
                                            Length(max=200)])
    accessibility_notes = TextAreaField(
        "Eigene Ergänzungen zur Erklärung zur Barrierefreiheit",
        description="Zum Beispiel bekannte Einschränkungen Ihrer eigenen Texte oder Anhänge; erscheint auf der "
                    "Erklärung unter den Einschränkungen der Befragungsseiten.",
        validators=[Optional(), Length(max=5000, message="Höchstens 5.000 Zeichen.")])
    enforcement_body = TextAreaField(
        "Durchsetzungsverfahren",
        description="Leer: die Ombudsstelle für barrierefreie Informationstechnik des Landes NRW. Außerhalb von "
                    "NRW die zuständige Stelle Ihres Landes.",
        validators=[Optional(), Length(max=3000, message="Höchstens 3.000 Zeichen.")])
    accessibility_url = StringField("Erklärung zur Barrierefreiheit Ihrer übrigen Website (Webadresse)",
                                    validators=[Optional(), web_address, Length(max=500)])
    privacy_template = TextAreaField(
        "Vorlage für den Datenschutzhinweis jeder Befragung",
        description="Wird in jede neue Befragung übernommen; die Planenden ergänzen die Stellen in [eckigen Klammern]. "
                    "{Kommune_nominativ} und {Kommune_genitiv} werden durch den Namen ersetzt, "
                    "{Löschfrist} durch die Frist, nach der Kontaktdaten gelöscht werden.",
        validators=[Optional(), Length(max=10000, message="Höchstens 10.000 Zeichen.")], render_kw={"rows": 12})
    spatial_word = SelectField("Bezeichnung der Gebiete", choices=[SelectChoice(w, w) for w in SPATIAL_WORDS],
                               description="Steht in Fragen, Listen und Meldungen, z. B. „Stadtteil“ oder „Gemeinde“.")
    strategic_fields = TextAreaField("Eigene strategische Handlungsfelder", description="Eines pro Zeile.",
                                     validators=[Optional(), Length(max=5000, message="Höchstens 5.000 Zeichen.")],
                                     render_kw={"rows": 7})

    OVERRIDES = ("nominative", "initial", "genitive", "accusative", "von", "bei")

    @property
    def type_words(self) -> list[str]:
        return list(TYPE_WORDS)

    def override_fields(self) -> list:
        return [getattr(self, f"form_{key}") for key in self.OVERRIDES]

    def fill_from(self, kommune) -> None:
        """Show the stored settings (on GET)."""
        self.name.data = kommune.name
        self.type_word.data = kommune.type_word
        self.gender.data = kommune.gender
        for key in self.OVERRIDES:
            getattr(self, f"form_{key}").data = (kommune.name_overrides or {}).get(key, "")
        for key in ("sender_name", "office", "postal_address", "phone", "website", "signature", "contact_block",
                    "imprint_url", "privacy_url", "accessibility_url",
                    "feedback_email", "accessibility_notes", "enforcement_body",
                    "spatial_word"):
            getattr(self, key).data = getattr(kommune, key)
        self.privacy_template.data = kommune.privacy_template or DEFAULT_PRIVACY_TEMPLATE
        self.strategic_fields.data = "\n".join(kommune.strategic_fields or [])

    def settings(self) -> Settings:
        return Settings(
            name=self.name.data or "", type_word=self.type_word.data or "", gender=self.gender.data or "",
            overrides={key: getattr(self, f"form_{key}").data or "" for key in self.OVERRIDES},
            sender_name=self.sender_name.data or "", office=self.office.data or "",
            postal_address=self.postal_address.data or "", phone=self.phone.data or "",
            website=self.website.data or "", signature=self.signature.data or "",
            contact_block=self.contact_block.data or "", imprint_url=self.imprint_url.data or "",
            privacy_url=self.privacy_url.data or "", accessibility_url=self.accessibility_url.data or "",
            feedback_email=self.feedback_email.data or "", accessibility_notes=self.accessibility_notes.data or "",
            enforcement_body=self.enforcement_body.data or "",
            privacy_template=self.privacy_template.data or "", spatial_word=self.spatial_word.data or "Stadtteil",
            strategic_fields=parse_lines(self.strategic_fields.data or ""),
        )


class DistrictForm(GermanForm):
    """Add one district, or rename one (same field)."""

    name = StringField("Name", validators=[DataRequired("Bitte geben Sie einen Namen ein."),
                                           Length(max=200, message="Der Name darf höchstens 200 Zeichen lang sein.")])


class PasteDistrictsForm(GermanForm):
    names = TextAreaField("Liste einfügen (ein Name pro Zeile)", render_kw={"rows": 8},
                          validators=[DataRequired("Bitte fügen Sie mindestens einen Namen ein.")])


class FeedbackForm(GermanForm):
    """A barrier reported from the accessibility statement (no account needed)."""

    message = TextAreaField("Was hat nicht funktioniert?", description="Zum Beispiel: welche Seite, was Sie tun "
                            "wollten, welches Hilfsmittel Sie nutzen (Bildschirmleser, Vergrößerung, Tastatur).",
                            validators=[DataRequired("Bitte beschreiben Sie, was nicht funktioniert hat."),
                                        Length(max=5000, message="Höchstens 5.000 Zeichen.")],
                            render_kw={"rows": 6})
    name = StringField("Ihr Name (freiwillig)",
                       validators=[Optional(), Length(max=200, message="Höchstens 200 Zeichen.")])
    email = EmailField("Ihre E-Mail-Adresse, wenn Sie eine Antwort möchten (freiwillig)",
                       validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse eingeben, z. B. "
                                                     "name@beispiel.de, oder das Feld leer lassen."),
                                   Length(max=200)])
    page = HiddenField()
