"""The Kommune's settings and its districts: the business rules behind the admin pages.

Districts keep their `code` for life: renaming changes only the name, so answers and register
rows (which store codes) keep their district. Deactivating hides a district from new surveys and
from the register, while surveys opened before keep offering it (see `District.offered_in`).
Functions add and flush; the views commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import District, Kommune, Survey, SurveyState, utc_now
from ..models.kommune import DEFAULT_PRIVACY_TEMPLATE
from ..name_forms import FORM_LABELS, GENDERS, SPATIAL_WORDS
from . import audit
from .accounts import slug


class KommuneError(ValueError):
    """A German message for the admin; nothing was changed."""


@dataclass
class Settings:
    """What the settings form submits (already stripped)."""

    name: str
    type_word: str
    gender: str
    overrides: dict[str, str] = field(default_factory=dict)
    sender_name: str = ""
    office: str = ""
    postal_address: str = ""
    phone: str = ""
    website: str = ""
    signature: str = ""
    contact_block: str = ""
    imprint_url: str = ""
    privacy_url: str = ""
    accessibility_url: str = ""
    feedback_email: str = ""
    accessibility_notes: str = ""
    enforcement_body: str = ""
    privacy_template: str = ""
    spatial_word: str = "Stadtteil"
    strategic_fields: list[str] = field(default_factory=list)


def open_placeholders(text: str) -> list[str]:
    """The [Stellen in eckigen Klammern] of a privacy notice that the planner has not completed yet."""
    return list(dict.fromkeys(re.findall(r"\[[^\[\]\n]{1,120}\]", text)))


def parse_lines(text: str) -> list[str]:
    """Non-empty, stripped lines of a textarea, duplicates dropped (first one kept)."""
    return list(dict.fromkeys(" ".join(line.split()) for line in text.splitlines() if line.strip()))


SETTING_NAMES = ("name", "type_word", "gender", "name_overrides", "sender_name", "office", "postal_address", "phone",
                 "website", "signature", "contact_block", "imprint_url", "privacy_url", "accessibility_url",
                 "feedback_email", "accessibility_notes", "enforcement_body", "privacy_template", "spatial_word",
                 "strategic_fields")


def _snapshot(kommune: Kommune) -> dict[str, object]:
    return {name: audit.plain(getattr(kommune, name)) for name in SETTING_NAMES}


def update_settings(kommune: Kommune, settings: Settings) -> None:
    """Store the settings; raises KommuneError if the name is taken by another Kommune."""
    name = " ".join(settings.name.split())
    other = db.session.scalar(sa.select(Kommune).where(Kommune.name == name, Kommune.id != kommune.id))
    if other is not None:
        raise KommuneError(f"Den Namen „{name}“ trägt schon eine andere Kommune in dieser Installation.")
    if settings.gender not in GENDERS:
        raise KommuneError("Bitte wählen Sie das Geschlecht des Wortes (die, der oder das).")
    if settings.spatial_word not in SPATIAL_WORDS:
        raise KommuneError("Bitte wählen Sie eine der angebotenen Bezeichnungen für die Gebiete.")
    before = _snapshot(kommune)
    kommune.name = name
    kommune.type_word = " ".join(settings.type_word.split())
    kommune.gender = settings.gender
    kommune.name_overrides = {k: " ".join(v.split()) for k, v in settings.overrides.items()
                              if k in FORM_LABELS and v.strip()}
    kommune.sender_name = settings.sender_name.strip()
    kommune.office = " ".join(settings.office.split())
    kommune.postal_address = "\n".join(" ".join(line.split()) for line in settings.postal_address.splitlines()
                                       if line.strip())
    kommune.phone = " ".join(settings.phone.split())
    kommune.website = settings.website.strip()
    kommune.signature = settings.signature.strip()
    kommune.contact_block = settings.contact_block.strip()
    kommune.imprint_url = settings.imprint_url.strip()
    kommune.privacy_url = settings.privacy_url.strip()
    kommune.accessibility_url = settings.accessibility_url.strip()
    kommune.feedback_email = settings.feedback_email.strip()
    kommune.accessibility_notes = settings.accessibility_notes.strip()
    kommune.enforcement_body = settings.enforcement_body.strip()
    template = settings.privacy_template.replace("\r\n", "\n").strip()
    kommune.privacy_template = "" if template == DEFAULT_PRIVACY_TEMPLATE else template
    kommune.spatial_word = settings.spatial_word
    kommune.strategic_fields = list(settings.strategic_fields)
    old, new = audit.changed_fields(before, _snapshot(kommune))
    if new:
        audit.record(kommune.id, "kommune.settings", f"Einstellungen der Kommune geändert ({len(new)} Angaben)",
                     obj=kommune, before=old, after=new)
    db.session.flush()


def open_survey_titles(kommune_id: int) -> list[str]:
    """The titles of the Kommune's open surveys, for the public page that lets invitees check an invitation."""
    return list(db.session.scalars(sa.select(Survey.title).where(
        Survey.kommune_id == kommune_id, Survey.state == SurveyState.OPEN).order_by(Survey.title)))


# --- districts ------------------------------------------------------------------------------------


def district_of(kommune_id: int, district_id: int) -> District | None:
    """The district if it belongs to the Kommune (callers answer 404 otherwise)."""
    district = db.session.get(District, district_id)
    return district if district is not None and district.kommune_id == kommune_id else None


def _clean(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise KommuneError("Bitte geben Sie einen Namen ein.")
    if len(name) > 200:
        raise KommuneError(f"Der Name ist zu lang (höchstens 200 Zeichen, eingegeben: {len(name)}).")
    return name


def _same_name(kommune: Kommune, name: str, except_id: int | None = None) -> District | None:
    wanted = name.casefold()
    return next((d for d in kommune.districts if d.name.casefold() == wanted and d.id != except_id), None)


def _free_code(kommune: Kommune, name: str) -> str:
    """A code for a new district: its slug, numbered if an earlier (perhaps renamed) district has it."""
    taken = {d.code for d in kommune.districts}
    base = slug(name)[:56]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _log(district: District, text: str) -> None:
    audit.record(district.kommune_id, "kommune.district", text, obj=district)


def add_district(kommune: Kommune, name: str) -> District:
    """A new district at the end of the list; refuses a name the Kommune already has."""
    word = kommune.spatial_word
    name = _clean(name)
    existing = _same_name(kommune, name)
    if existing is not None:
        state = "" if existing.active else " (stillgelegt – in der Liste oben wieder aktivieren)"
        raise KommuneError(f"{word} „{name}“ gibt es schon{state}.")
    district = District(code=_free_code(kommune, name), name=name,
                        position=max((d.position for d in kommune.districts), default=-1) + 1)
    kommune.districts.append(district)
    db.session.flush()
    _log(district, f"{word} „{name}“ angelegt")
    return district


def rename_district(district: District, name: str) -> None:
    """A new name; the code stays, so old answers and register rows keep their district."""
    kommune = district.kommune
    name = _clean(name)
    if _same_name(kommune, name, except_id=district.id) is not None:
        raise KommuneError(f"{kommune.spatial_word} „{name}“ gibt es schon.")
    before = district.name
    district.name = name
    _log(district, f"{kommune.spatial_word} „{before}“ umbenannt in „{name}“")
    db.session.flush()


def move_district(district: District, step: int) -> None:
    """Move one place up (-1) or down (+1) in the list."""
    ordered = list(district.kommune.districts)
    index = ordered.index(district)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, d in enumerate(ordered):
        d.position = position
    _log(district, f"„{district.name}“ {'nach oben' if step < 0 else 'nach unten'} verschoben")
    db.session.flush()


def deactivate_district(district: District) -> None:
    """New surveys and the register no longer offer it; surveys opened before keep it."""
    if district.deactivated_at is None:
        district.deactivated_at = utc_now()
        _log(district, f"„{district.name}“ stillgelegt")
        db.session.flush()


def reactivate_district(district: District) -> None:
    district.deactivated_at = None
    _log(district, f"„{district.name}“ wieder aktiviert")
    db.session.flush()


@dataclass
class PasteReport:
    """What a pasted list did: districts added, and lines skipped with their German reason."""

    added: list[District] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)


def paste_districts(kommune: Kommune, text: str) -> PasteReport:
    """Add one district per line; duplicates (in the list or already there) and blank lines are reported."""
    report = PasteReport()
    word = kommune.spatial_word
    seen: dict[str, int] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():  # the newline after the last name is no blank line
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        name = " ".join(raw.split()).strip(" ,;\t")
        if not name:
            report.blank_lines.append(number)
            continue
        if len(name) > 200:
            report.skipped.append(f"Zeile {number}: Der Name ist zu lang (höchstens 200 Zeichen).")
            continue
        key = name.casefold()
        if key in seen:
            report.skipped.append(f"Zeile {number}: „{name}“ steht schon in Zeile {seen[key]}.")
            continue
        seen[key] = number
        existing = _same_name(kommune, name)
        if existing is not None:
            state = "" if existing.active else " (stillgelegt)"
            report.skipped.append(f"Zeile {number}: {word} „{name}“ gibt es schon{state}.")
            continue
        report.added.append(add_district(kommune, name))
    return report
