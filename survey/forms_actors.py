"""WTForms for the actor register: one organisation's entry (the import has its own preview page)."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from .form_messages import GermanForm
from .services.actors import ActorData


class ActorForm(GermanForm):
    """Name, type, sector, districts and contact of one organisation.

    The rules live in `services.actors.validate` (the import applies the same ones); the form parses
    the post, renders the fields with what was typed, and shows the service's problems under them.
    """

    name = StringField("Name der Organisation")
    provider_type = SelectField("Trägerart", validate_choice=False)
    sector = SelectField("Sektor", validate_choice=False)
    districts = SelectMultipleField(validate_choice=False)
    contact_name = StringField("Hauptansprechperson (erhält die Einladungen)")
    contact_role = StringField("Funktion der Hauptansprechperson", description="z. B. Leitung, Koordination")
    email = EmailField("E-Mail")
    phone = StringField("Telefon")
    notes = TextAreaField("Notizen", render_kw={"rows": 3})
    active = BooleanField("Aktiv (wird zum Einladen angeboten)", default=True)

    def set_choices(self, provider_types, sectors, districts) -> None:
        unset = [SelectChoice("", "– nicht angegeben –")]
        self.provider_type.choices = unset + [SelectChoice(code, text) for code, text in provider_types]
        self.sector.choices = unset + [SelectChoice(code, text) for code, text in sectors]
        self.districts.choices = [SelectChoice(d.code, d.name) for d in districts]

    def actor_data(self) -> ActorData:
        return ActorData(
            name=self.name.data or "", provider_type=self.provider_type.data or "", sector=self.sector.data or "",
            districts=list(self.districts.data or []), contact_name=(self.contact_name.data or "").strip(),
            contact_role=(self.contact_role.data or "").strip(),
            email=(self.email.data or "").strip(), phone=(self.phone.data or "").strip(),
            notes=(self.notes.data or "").strip(), active=bool(self.active.data),
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        """The service's problems, each under its field."""
        for name, problem in problems.items():
            self[name].errors = [problem]
