"""WTForms for entering answers on behalf of an organisation: where the answers come from."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from .form_messages import GermanForm
from .services.behalf import SOURCES


class BehalfStartForm(GermanForm):
    """Before a planner enters an organisation's answers: paper form, phone call or something else."""

    source = RadioField("Woher stammen die Antworten?",
                        choices=[SelectChoice(key, label) for key, label in SOURCES.items()],
                        validate_choice=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok and self.source.errors:
            self.source.errors = ["Bitte wählen Sie, woher die Antworten stammen."]
        return ok
