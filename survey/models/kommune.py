"""The tenant (Kommune) with its settings, and its ordered, renameable districts.

Everything other parts need to know about the Kommune lives here, in one place: the name and its
German forms (type word, gender, overrides), the mail sender's display name and signature (office,
address, phone, website and own lines), the contact block, the links shown on every respondent page, the default privacy notice, the spatial
word (Stadtteil, Sozialraum …) and the Kommune's own strategic fields.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..name_forms import NameForms, name_forms, spatial_plural
from .base import UTCDateTime, utc_now

# The default privacy notice (GDPR Art. 13); [in Klammern] is what the planner completes per survey.
DEFAULT_PRIVACY_TEMPLATE = """Verantwortlich für diese Befragung ist {Kommune_nominativ}, [Amt/Fachbereich, Anschrift]. Datenschutzbeauftragte Person: [Name, E-Mail].
Zweck: Wir erfassen Angebote und Netzwerke vor Ort, um Lücken in der Präventionskette zu erkennen und die Planung darauf auszurichten (Rechtsgrundlage: [z. B. Art. 6 Abs. 1 lit. e DSGVO]).
Wer Ihre Antworten sieht: die Mitarbeitenden {Kommune_genitiv}, die diese Befragung planen und auswerten. Veröffentlicht werden nur zusammengefasste Ergebnisse, aus denen sich keine Einzelpersonen ablesen lassen.
Speicherdauer: Namen und E-Mail-Adressen von Ansprechpersonen löschen wir {Löschfrist} nach Ende der Befragung; Ihre Antworten bleiben ohne sie erhalten.
Ihre Rechte: Sie können Auskunft, Berichtigung, Löschung und Einschränkung der Verarbeitung verlangen und sich bei der Aufsichtsbehörde beschweren ([zuständige Aufsichtsbehörde]). Die Teilnahme ist freiwillig."""


class Kommune(db.Model):
    """A city, a Kreis or a member municipality; every other record belongs to one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The official designation as users type it ("Kreis Düren"); with or without the type word.
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Stadt, Kreis, Gemeinde …; "" = the name's first word if it is a type word, else "Stadt".
    type_word: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    # f, m, n; "" = the usual gender of the type word (name_forms.TYPE_WORDS).
    gender: Mapped[str] = mapped_column(sa.String(1), default="", server_default="")
    # Form key (nominative, initial, genitive, accusative, von, bei) -> the admin's own wording.
    name_overrides: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    sender_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The office that asks (Amt, Fachbereich), its postal address, phone and website: the mail signature.
    office: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    postal_address: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    website: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # Further lines under the mails (opening hours, a note); free text.
    signature: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    contact_block: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    imprint_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    privacy_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    accessibility_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The accessibility statement of these pages (services/accessibility.py): where feedback goes ("" = the
    # admins), the Kommune's own known limits, and the enforcement body ("" = the NRW default).
    feedback_email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    accessibility_notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    enforcement_body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Empty means DEFAULT_PRIVACY_TEMPLATE.
    privacy_template: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    spatial_word: Mapped[str] = mapped_column(sa.String(60), default="Stadtteil", server_default="Stadtteil")
    strategic_fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")

    districts: Mapped[list[District]] = relationship(
        back_populates="kommune", order_by="District.position", cascade="all, delete-orphan"
    )

    @property
    def forms(self) -> NameForms:
        """The name with article in every case a sentence needs ("vom Kreis Düren")."""
        return name_forms(self.name, self.type_word or "", self.gender or "", self.name_overrides or {})

    @property
    def display_name(self) -> str:
        """The name as a heading or label shows it, without article ("Kreis Düren")."""
        return self.forms.plain

    @property
    def mail_sender_name(self) -> str:
        """The display name in the From header of every mail."""
        return self.sender_name.strip() or self.forms.plain

    @property
    def website_shown(self) -> str:
        """The website as people read it aloud: "www.kreis-dueren.de" (no https://, no trailing slash)."""
        web = self.website.strip()
        return web.split("://", 1)[-1].rstrip("/") if web else ""

    @property
    def mail_signature(self) -> str:
        """The signature under every mail: name and office, address, phone and website, then the own lines.

        Without office, address, phone and website it is the own lines alone (as typed before these fields existed).
        """
        address = [" ".join(line.split()) for line in self.postal_address.splitlines() if line.strip()]
        reach = [part for part in (f"Tel. {self.phone.strip()}" if self.phone.strip() else "",
                                   self.website_shown) if part]
        own = self.signature.strip()
        if not (self.office.strip() or address or reach):
            return own
        lines = [" · ".join(part for part in (self.forms.plain, self.office.strip()) if part), *address]
        if reach:
            lines.append(" · ".join(reach))
        return "\n".join(lines + ([own] if own else []))

    @property
    def spatial_plural(self) -> str:
        return spatial_plural(self.spatial_word or "Stadtteil")

    @property
    def privacy_default(self) -> str:
        """The default privacy notice with the Kommune's name and the retention period
        (`CONTACT_RETENTION_DAYS`, as `retention.period_text`) filled in; [Klammern] remain for the planner."""
        from ..services.retention import period_text  # the one place that words the period

        forms = self.forms
        return ((self.privacy_template or DEFAULT_PRIVACY_TEMPLATE)
                .replace("{Kommune_nominativ}", forms.nominative).replace("{Kommune_genitiv}", forms.genitive)
                .replace("{Kommune}", forms.plain).replace("{Löschfrist}", period_text()))

    @property
    def active_districts(self) -> list[District]:
        return [d for d in self.districts if d.active]

    def district_names(self) -> dict[str, str]:
        return {d.code: d.name for d in self.districts}


class District(db.Model):
    """A Sozialraum, Stadtteil or member municipality; `code` stays stable when renamed.

    A deactivated district (`deactivated_at` set) is no longer offered to new surveys, but surveys
    opened before that moment keep it as an option, and old answers keep their label.
    """

    __table_args__ = (sa.UniqueConstraint("kommune_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_id: Mapped[int] = mapped_column(sa.ForeignKey("kommune.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    edit_version: Mapped[int] = mapped_column(default=0, server_default="0")

    kommune: Mapped[Kommune] = relationship(back_populates="districts")

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    def offered_in(self, opened_at: dt.datetime | None) -> bool:
        """Whether a survey opened at `opened_at` (None: not yet opened) offers this district."""
        return self.deactivated_at is None or (opened_at is not None and opened_at < self.deactivated_at)

