"""WTForms for a survey's invitation pages: the invitation and reminder texts, the pasted addresses
under review, the choice from the actor register."""

from __future__ import annotations

import datetime as dt
import re

from wtforms import BooleanField, Field, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value

from .form_messages import GermanForm
from .services import mail_texts
from .services.address_paste import PastedAddress

MAX_PASTED_ROWS = 5000  # rows one review page may post back

TEXT_FIELDS = ("invitation_subject", "invitation_text", "reminder_subject", "reminder_text")


class MailTextsForm(GermanForm):
    """The invitation's and reminder's subject and text, the automatic reminder day, and the preview's choice.

    Built with the stored texts as data: a post that leaves a field out keeps its stored value.
    """

    invitation_subject = StringField("Betreff")
    invitation_text = TextAreaField("Text", render_kw={"rows": 16})
    reminder_subject = StringField("Betreff")
    reminder_text = TextAreaField("Text", render_kw={"rows": 12})
    remind_days_before = StringField("Automatisch erinnern: Tage vor der Antwortfrist",
                                     render_kw={"inputmode": "numeric", "class": "short"})
    recipient = SelectField("Vorschau für", validate_choice=False)
    kind = SelectField("Welche E-Mail", choices=[SelectChoice("invitation", "Einladung"),
                                                 SelectChoice("reminder", "Erinnerung")], validate_choice=False)

    def __init__(self, *args, deadline: dt.date | None = None, recipients=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.recipient.choices = [SelectChoice(value, text) for value, text in recipients]

    @property
    def preview_kind(self) -> str:
        return "reminder" if self.kind.data == "reminder" else "invitation"

    def texts(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in TEXT_FIELDS}

    def days(self) -> int | None:
        """The reminder day as a number (after a successful validate), None when left empty."""
        text = (self.remind_days_before.data or "").strip()
        return int(text) if text else None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name in TEXT_FIELDS:
            text = self[name].data or ""
            problems = mail_texts.check_template(text, require_link=name.endswith("_text") and bool(text.strip()))
            if problems:
                self[name].errors = list(self[name].errors) + problems
                ok = False
        days = (self.remind_days_before.data or "").strip()
        if days and (not days.isdigit() or int(days) > 90):
            self.remind_days_before.errors = ["Bitte eine ganze Zahl von 0 bis 90 eingeben (oder leer lassen)."]
            ok = False
        elif days and self.deadline is None:
            self.remind_days_before.errors = [
                "Die Befragung hat noch keine Antwortfrist. Tragen Sie zuerst eine Frist ein."]
            ok = False
        return ok


class PastedRowsField(Field):
    """The rows of the review table, posted as `row-<i>-address`, `row-<i>-organisation`, `row-<i>-name`,
    `row-<i>-unsure` (a name found in the paste but not taken as a person) and `row-<i>-drop`; its data is
    {i: {part: value}} for at most MAX_PASTED_ROWS rows.

    One field instead of a FieldList of sub-forms: reading 5,000 rows that way takes seconds."""

    PARTS = ("address", "organisation", "name", "unsure", "drop")
    KEY = re.compile(r"row-(\d{1,5})-(address|organisation|name|unsure|drop)")

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors: list[str] = []
        self.raw_data: list[str] = []
        self.object_data = data
        rows: dict[int, dict[str, str]] = {}
        for key in formdata or ():
            match = self.KEY.fullmatch(key)
            if match and (int(match.group(1)) in rows or len(rows) < MAX_PASTED_ROWS):
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = formdata.get(key, "")
        self.data = dict(sorted(rows.items()))


class PastedRowsForm(GermanForm):
    """The review of pasted addresses: every row as corrected, and whether new ones go into the register."""

    row = PastedRowsField()
    add_to_register = BooleanField("Neue Organisationen ins Akteursverzeichnis übernehmen")

    def entries(self) -> list[PastedAddress]:
        """The rows not dropped and not left empty, numbered as on the page."""
        entries = []
        for index, row in self.row.data.items():
            if row.get("drop"):
                continue
            address, organisation, name = row.get("address", ""), row.get("organisation", ""), row.get("name", "")
            if not (address.strip() or organisation.strip() or name.strip()):
                continue
            # A name the planner typed is taken as the contact person; an unsure one stays a question.
            unsure = "" if name.strip() else " ".join(row.get("unsure", "").split())
            entries.append(PastedAddress(line=index + 1, raw=address, address=address.strip(),
                                         name=" ".join(name.split()), organisation=" ".join(organisation.split()),
                                         unsure_name=unsure))
        return entries


class RegisterChoiceForm(GermanForm):
    """The organisations ticked on "Aus dem Verzeichnis einladen"."""

    actor = SelectMultipleField(validate_choice=False)

    def actor_ids(self) -> list[int]:
        return [int(value) for value in self.actor.data or [] if value.isdigit()]
