"""The WTForms form of the Probelauf page: which colleagues and which typed addresses get test invitations."""

from __future__ import annotations

from wtforms import SelectMultipleField, TextAreaField

from .form_messages import GermanForm


class TestRunForm(GermanForm):
    """Staff accounts ticked (by id) and addresses typed, one per line or separated by commas."""

    colleague = SelectMultipleField(validate_choice=False)
    addresses = TextAreaField("Weitere E-Mail-Adressen (eine je Zeile, gern mit Namen: „Anna Becker <anna@…>“)")

    def colleague_ids(self) -> list[int]:
        return [int(value) for value in self.colleague.data or [] if value.isdigit()]
