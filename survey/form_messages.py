"""German messages of the WTForms validators and fields, once for every form: `GermanForm`.

Every form of the app derives from `GermanForm` (tests/test_german_messages.py checks that and submits
too long, empty and invalid values to every form). Its Meta hands WTForms a small catalogue instead of
gettext files: the validators' English texts (WTForms 3) mapped to German, with the same %-placeholders.
A message a form sets itself ("Höchstens 200 Zeichen.") is not translated, it is German already.
Numbers in the messages are written the German way (1.000), like everywhere else (`formatting.py`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from questionnaires import formatting as fmt

MESSAGES = {
    "Invalid field name '%s'.": "Ungültiger Feldname „%s“.",
    "Field must be equal to %(other_name)s.": "Die Eingaben stimmen nicht überein.",
    "Field must be between %(min)d and %(max)d characters long.":
        "Bitte geben Sie %(min)s bis %(max)s Zeichen ein.",
    "Number must be at least %(min)s.": "Bitte geben Sie eine Zahl ab %(min)s ein.",
    "Number must be at most %(max)s.": "Bitte geben Sie eine Zahl bis %(max)s ein.",
    "Number must be between %(min)s and %(max)s.": "Bitte geben Sie eine Zahl von %(min)s bis %(max)s ein.",
    "Date must be at least %(min)s.": "Bitte geben Sie ein Datum ab dem %(min)s ein.",
    "Date must be at most %(max)s.": "Bitte geben Sie ein Datum bis zum %(max)s ein.",
    "Date must be between %(min)s and %(max)s.": "Bitte geben Sie ein Datum vom %(min)s bis zum %(max)s ein.",
    "This field is required.": "Bitte füllen Sie dieses Feld aus.",
    "Invalid input.": "Diese Eingabe ist nicht gültig.",
    "Invalid email address.": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    "Invalid IP address.": "Bitte geben Sie eine gültige IP-Adresse ein.",
    "Invalid Mac address.": "Bitte geben Sie eine gültige MAC-Adresse ein.",
    "Invalid URL.": "Bitte geben Sie eine gültige Webadresse ein (mit https://).",
    "Invalid UUID.": "Bitte geben Sie eine gültige UUID ein.",
    "Invalid value, must be one of: %(values)s.": "Ungültiger Wert; möglich sind: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Ungültiger Wert; nicht möglich sind: %(values)s.",
    "This field cannot be edited.": "Dieses Feld kann nicht geändert werden.",
    "This field is disabled and cannot have a value.": "Dieses Feld ist gesperrt und bleibt leer.",
    "Invalid CSRF Token.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "CSRF token missing.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "CSRF failed.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "CSRF token expired.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "Invalid Choice: could not coerce.": "Bitte wählen Sie einen Eintrag aus der Liste.",
    "Choices cannot be None.": "Für dieses Feld gibt es keine Auswahl.",
    "Not a valid choice.": "Bitte wählen Sie einen Eintrag aus der Liste.",
    "Invalid choice(s): one or more data inputs could not be coerced.":
        "Bitte wählen Sie nur Einträge aus der Liste.",
    "Not a valid datetime value.": "Bitte geben Sie Datum und Uhrzeit ein, z. B. 31.12.2026 14:30.",
    "Not a valid date value.": "Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2026.",
    "Not a valid time value.": "Bitte geben Sie eine gültige Uhrzeit ein, z. B. 14:30.",
    "Not a valid week value.": "Bitte geben Sie eine gültige Kalenderwoche ein.",
    "Not a valid integer value.": "Bitte geben Sie eine ganze Zahl ein.",
    "Not a valid decimal value.": "Bitte geben Sie eine Zahl ein, z. B. 2,5.",
    "Not a valid float value.": "Bitte geben Sie eine Zahl ein, z. B. 2,5.",
    # Flask-WTF raises these itself, untranslated; `GermanForm.validate` replaces them.
    "The CSRF token is missing.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "The CSRF session token is missing.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "The CSRF token has expired.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "The CSRF token is invalid.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
    "The CSRF tokens do not match.": "Das Formular ist abgelaufen. Bitte senden Sie es erneut ab.",
}
PLURALS = {  # singular English text → (German singular, German plural); %(…)d placeholders become %(…)s
    "Field must be at least %(min)d character long.":
        ("Bitte geben Sie mindestens %(min)s Zeichen ein.", "Bitte geben Sie mindestens %(min)s Zeichen ein."),
    "Field cannot be longer than %(max)d character.":
        ("Höchstens %(max)s Zeichen – bitte kürzen Sie den Text.",
         "Höchstens %(max)s Zeichen – bitte kürzen Sie den Text."),
    "Field must be exactly %(max)d character long.":
        ("Bitte geben Sie genau %(max)s Zeichen ein.", "Bitte geben Sie genau %(max)s Zeichen ein."),
    "'%(value)s' is not a valid choice for this field.":
        ("„%(value)s“ steht nicht zur Auswahl.", "„%(value)s“ stehen nicht zur Auswahl."),
}


class _German(str):
    """A German message whose `%` fills numbers in German form (1.000), whatever the placeholder said."""

    def __mod__(self, values):
        if isinstance(values, dict):
            values = {k: fmt.number(v) if isinstance(v, int) and not isinstance(v, bool) else v
                      for k, v in values.items()}
        return str.__mod__(self, values)


class GermanTranslations:
    """The `gettext`/`ngettext` WTForms calls for its messages; unknown texts stay as they are."""

    def gettext(self, string: str) -> str:
        german = MESSAGES.get(string)
        return _German(german) if german is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if singular in PLURALS:
            one, many = PLURALS[singular]
            return _German(one if n == 1 else many)
        return singular if n == 1 else plural


GERMAN = GermanTranslations()


class GermanForm(FlaskForm):
    """The base of every form: WTForms' own messages in German."""

    class Meta:
        def get_translations(self, form):
            return GERMAN

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            field.errors = [MESSAGES.get(e, e) if isinstance(e, str) else e for e in field.errors]
        return valid
