"""The actor register: edit, import (CSV/XLSX with preview), export, find and merge duplicates.

Provider types and sectors use the codes of the catalogue questions `akteur.traegerart` and
`akteur.sektor`, so the register, the answers and the analysis speak the same language. Imports
accept the code, the label or an everyday word (`questionnaires/data/synonyms.toml`); districts by name
or code. An import is checked first (`preview_import`) and only written by `apply_import`, which checks
every row again; rows match entries by Verzeichnis-Nr. or e-mail, never silently by name.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from analysis.csvdialect import neutralise, stream_rows
from questionnaires.synonyms import load_synonyms, normalised_word

from ..extensions import db
from ..models import Actor, ActorContact, Invitation, Kommune, utc_now
from ..name_forms import SPATIAL_WORDS
from . import audit, partner_matching
from .address_paste import check_address

COLUMNS = [  # (field, German header in exports, accepted headers in imports)
    ("name", "Name",
     ("name", "organisation", "einrichtung", "akteur", "name der einrichtung", "organisation/einrichtung")),
    ("provider_type", "Trägerart", ("trägerart", "traegerart", "träger", "art des trägers", "provider_type")),
    ("sector", "Sektor", ("sektor", "handlungsfeld", "bereich", "sector")),
    # Any spatial word a Kommune can choose (singular or plural: "Stadtbezirk", "Quartiere" …) names this column,
    # so a file headed with the word the preview itself shows is understood.
    ("districts", "Stadtteile", ("districts", *sorted({w.lower() for pair in SPATIAL_WORDS.items() for w in pair}))),
    ("contact_name", "Ansprechperson", ("ansprechperson", "ansprechpartner", "ansprechpartnerin", "kontakt",
                                        "kontaktperson", "contact_name")),
    ("email", "E-Mail", ("e-mail", "email", "e-mail-adresse", "mail", "emailadresse")),
    ("phone", "Telefon", ("telefon", "tel", "tel.", "telefonnummer", "phone")),
    ("contact_role", "Funktion", ("funktion", "rolle", "position", "funktion der ansprechperson", "contact_role")),
    ("notes", "Notizen", ("notizen", "notiz", "bemerkungen", "bemerkung", "anmerkungen", "notes")),
    ("active", "Aktiv", ("aktiv", "active")),
]
HEADER_OF = {key: header for key, header, _accepted in COLUMNS}
FALSE_WORDS = {"nein", "no", "false", "0", "inaktiv", "n"}


class ActorError(ValueError):
    """German message for the planner."""


def options(key: str) -> list[tuple[str, str]]:
    """(code, label) of the catalogue question behind a register field (provider type, sector)."""
    question = current_app.extensions["catalogue"].get({"provider_type": "akteur.traegerart",
                                                        "sector": "akteur.sektor"}[key])
    return [(o.code, o.label) for o in question.options] if question else []


def label(key: str, code: str) -> str:
    return dict(options(key)).get(code, code)


def normalised_name(name: str) -> str:
    """A name for comparison: case, accents, punctuation, "e. V." and spacing do not matter."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\be\.?\s*v\.?$", "", text.strip())
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def actors_of_kommune(kommune_id: int, *, search: str = "", sector: str = "", provider_type: str = "",
                      district: str = "", active: str = "") -> list[Actor]:
    query = (sa.select(Actor).where(Actor.kommune_id == kommune_id).order_by(sa.func.lower(Actor.name), Actor.id)
             .options(selectinload(Actor.contacts)))
    if sector:
        query = query.where(Actor.sector == sector)
    if provider_type:
        query = query.where(Actor.provider_type == provider_type)
    if active in ("1", "0"):
        query = query.where(Actor.active.is_(active == "1"))
    actors = list(db.session.scalars(query))
    if district:
        actors = [a for a in actors if district in (a.districts or [])]
    if search:
        terms = search.casefold().split()
        actors = [a for a in actors
                  if all(t in _searchable(a) for t in terms)]
    return actors


def _searchable(actor: Actor) -> str:
    further = " ".join(f"{c.name} {c.email} {c.role}" for c in actor.contacts)
    return f"{actor.name} {actor.contact_name} {actor.email} {actor.notes} {further}".casefold()


def actor_of_kommune(kommune_id: int, actor_id: int) -> Actor | None:
    return db.session.scalar(sa.select(Actor).where(Actor.id == actor_id, Actor.kommune_id == kommune_id))


@dataclass
class ActorData:
    name: str = ""
    provider_type: str = ""
    sector: str = ""
    districts: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_role: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    active: bool = True


def validate(kommune: Kommune, data: ActorData, actor_id: int | None = None) -> dict[str, str]:
    """Problems per field (German); empty when the data may be saved. Normalises the e-mail in place."""
    problems: dict[str, str] = {}
    data.name = " ".join(data.name.split())
    if not data.name:
        problems["name"] = "Bitte geben Sie den Namen der Organisation ein."
    elif len(data.name) > 300:
        problems["name"] = "Der Name ist zu lang (höchstens 300 Zeichen)."
    if data.email.strip():
        email, reason = check_address(data.email)
        if reason:
            problems["email"] = f"„{data.email.strip()}“ ist keine gültige E-Mail-Adresse: {reason}"
        else:
            data.email = email
            clash = db.session.scalar(sa.select(Actor).where(
                Actor.kommune_id == kommune.id, sa.func.lower(Actor.email) == email,
                Actor.id != (actor_id or 0)))
            if clash is not None:
                problems["email"] = f"Diese Adresse gehört schon zu „{clash.name}“ im Verzeichnis."
    else:
        data.email = ""
    if data.provider_type and data.provider_type not in dict(options("provider_type")):
        problems["provider_type"] = "Bitte wählen Sie eine Trägerart aus der Liste."
    if data.sector and data.sector not in dict(options("sector")):
        problems["sector"] = "Bitte wählen Sie einen Sektor aus der Liste."
    known = kommune.district_names()
    unknown = [d for d in data.districts if d not in known]
    if unknown:
        problems["districts"] = f"Unbekannte {kommune.spatial_plural}: " + ", ".join(unknown)
    for key, limit in (("contact_name", 200), ("contact_role", 200), ("phone", 60)):
        if len(getattr(data, key)) > limit:
            problems[key] = f"Höchstens {limit} Zeichen."
    return problems


def save(kommune: Kommune, data: ActorData, actor: Actor | None = None) -> Actor:
    problems = validate(kommune, data, actor.id if actor else None)
    if problems:
        raise ActorError(" ".join(problems.values()))
    new = actor is None
    if actor is None:
        actor = Actor(kommune_id=kommune.id)
        db.session.add(actor)
    # Organisation facts before/after; the contact person's name, address and phone are not copied
    # into the log (it is append-only, and a data subject's erasure must reach every copy).
    facts = ("name", "provider_type", "sector", "notes", "active")
    before = {key: getattr(actor, key) for key in facts} | {"districts": list(actor.districts or [])}
    for key in ("name", "provider_type", "sector", "contact_name", "contact_role", "email", "phone", "notes",
                "active"):
        setattr(actor, key, getattr(data, key))
    actor.districts = list(data.districts)
    actor.contact_confirmed_at = utc_now()  # the planner saved the entry: its contact counts as confirmed
    db.session.flush()
    old, changed = audit.changed_fields(before, {key: getattr(actor, key) for key in facts}
                                        | {"districts": list(actor.districts)})
    audit.record(kommune.id, "actor.changed",
                 f"„{actor.name}“ {'ins Akteursverzeichnis aufgenommen' if new else 'im Akteursverzeichnis geändert'}",
                 obj=actor, before=None if new else old, after=changed)
    return actor


# --- import ----------------------------------------------------------------------------------------

ID_HEADER = "Verzeichnis-Nr."  # the export writes it; an import matches a row by it before the e-mail
ID_ACCEPTED = ("verzeichnis-nr.", "verzeichnis-nr", "verzeichnisnummer", "nr. im verzeichnis", "id", "register-id")
LIST_OF = {"provider_type": "traegerarten", "sector": "sektoren"}  # register field → catalogue list
WHAT = {"provider_type": "Trägerart", "sector": "Sektor"}


def _map_header(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        cell = cell.strip().lower().rstrip(":")
        if cell in ID_ACCEPTED and "id" not in mapping:
            mapping["id"] = index
        for key, _header, accepted in COLUMNS:
            if cell in accepted and key not in mapping:
                mapping[key] = index
    return mapping


def synonyms(key: str) -> dict[str, str]:
    """Normalised everyday word → code for a register field (`questionnaires/data/synonyms.toml`)."""
    catalogue = current_app.extensions["catalogue"]
    cache = current_app.extensions.setdefault("catalogue_synonyms", {})
    if id(catalogue) not in cache:
        cache.clear()
        cache[id(catalogue)] = load_synonyms(current_app.config["CATALOGUE_DIR"], catalogue.lists)
    return cache[id(catalogue)].get(LIST_OF[key], {})


def _code(key: str, value: str) -> tuple[str, str]:
    """(code, problem) for a provider type/sector given as code, label or an everyday word."""
    value = value.strip()
    if not value:
        return "", ""
    wanted = normalised_word(value)
    for code, text in options(key):
        if wanted in (normalised_word(code), normalised_word(text), normalised_word(text.split(" (")[0])):
            return code, ""
    meant = synonyms(key).get(wanted, "")
    if meant in dict(options(key)):
        return meant, ""
    valid = "; ".join(text for _code, text in options(key))
    return "", f"{WHAT[key]} „{value}“ ist unbekannt. Möglich sind: {valid}."


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    state: str = "new"  # new, update, unchanged, rejected, possible (same name only), skipped
    reason: str = ""
    actor_id: int | None = None
    actor_name: str = ""
    data: ActorData | None = None
    unknown_districts: list[str] = field(default_factory=list)  # the page links to the districts page
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new) of an update
    possible_id: int | None = None  # an entry with the same name: updated only if the planner says so
    possible_name: str = ""
    matched_by: str = ""  # "Verzeichnis-Nr.", "E-Mail" or "Name (gewählt)"


STATE_LABELS = {"new": "Neu", "update": "Aktualisiert", "unchanged": "Unverändert", "rejected": "Abgelehnt",
                "possible": "Möglicherweise vorhanden", "skipped": "Ausgelassen"}
CHOICES = ("skip", "update", "new")  # a row's choice: leave it out; update the same-named entry; add it anyway


def _known_districts(kommune: Kommune) -> str:
    names = [d.name for d in kommune.active_districts]
    if not names:
        return f"Es sind noch keine {kommune.spatial_plural} angelegt."
    shown = ", ".join(names[:25]) + (f" und {len(names) - 25} weitere" if len(names) > 25 else "")
    return f"Bekannt sind: {shown}."


def _row_data(kommune: Kommune, values: dict[str, str],
              unknown: list[str] | None = None) -> tuple[ActorData, list[str]]:
    problems = []
    data = ActorData(name=values.get("name", ""), contact_name=values.get("contact_name", ""),
                     contact_role=values.get("contact_role", ""), email=values.get("email", ""),
                     phone=values.get("phone", ""), notes=values.get("notes", ""))
    data.active = values.get("active", "").strip().lower() not in FALSE_WORDS
    for key in ("provider_type", "sector"):
        code, problem = _code(key, values.get(key, ""))
        setattr(data, key, code)
        if problem:
            problems.append(problem)
    by_name = {normalised_name(n): c for c, n in kommune.district_names().items()}
    codes = kommune.district_names()
    for part in re.split(r"[,;|/\n]", values.get("districts", "")):
        part = part.strip()
        if not part:
            continue
        district = part if part in codes else by_name.get(normalised_name(part))
        if district is None:
            problems.append(f"{kommune.spatial_word} „{part}“ ist unbekannt. {_known_districts(kommune)}")
            if unknown is not None:
                unknown.append(part)
        elif district not in data.districts:
            data.districts.append(district)
    return data, problems


def preview_import(kommune: Kommune, rows: list[list[str]],
                   choices: dict[int, str] | None = None) -> list[ImportRow]:
    """What an import would do with each row; nothing is written.

    A row matches an entry by its Verzeichnis-Nr. or its e-mail address. A row whose name only equals
    an entry's is "possible": it is left out unless `choices[line]` says "update" (that entry) or "new".
    `choices[line] == "skip"` leaves any row out.
    """
    choices = choices or {}
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ActorError("Die Datei enthält keine Zeilen.")
    mapping = _map_header(rows[0])
    if "name" not in mapping:
        raise ActorError("In der ersten Zeile fehlt die Spalte „Name“ (oder „Organisation“). Erwartet werden die "
                         "Spalten: " + ", ".join(h for _k, h, _a in COLUMNS) + ".")
    if len(rows) < 2:
        raise ActorError("Die Datei enthält nur die Kopfzeile und keine Einträge: es gibt nichts zu übernehmen.")
    existing = list(db.session.scalars(sa.select(Actor).where(Actor.kommune_id == kommune.id)))
    by_id = {a.id: a for a in existing}
    by_email = {a.email.lower(): a for a in existing if a.email}
    by_name = {normalised_name(a.name): a for a in existing}
    seen_email: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    seen_id: dict[int, int] = {}
    result = []
    for line, cells in enumerate(rows[1:], start=2):
        values = {k: (cells[i].strip() if i < len(cells) else "") for k, i in mapping.items()}
        row = ImportRow(line=line, values=values)
        result.append(row)
        data, problems = _row_data(kommune, values, row.unknown_districts)
        if not data.name.strip():
            problems.insert(0, "Der Name fehlt.")
        if data.email.strip():
            email, reason = check_address(data.email)
            if reason:
                problems.append(f"E-Mail „{data.email}“: {reason}")
            data.email = email if not reason else data.email
        by_number = None
        number = values.get("id", "")
        if number:
            by_number = by_id.get(int(number)) if number.isdigit() else None
            if by_number is None:
                problems.append(f"Die {ID_HEADER} „{number}“ gibt es in Ihrem Verzeichnis nicht.")
            elif by_number.id in seen_id:
                problems.append(f"Dieselbe {ID_HEADER} steht schon in Zeile {seen_id[by_number.id]}.")
        key = normalised_name(data.name)
        if data.email and data.email in seen_email:
            problems.append(f"Dieselbe E-Mail-Adresse steht schon in Zeile {seen_email[data.email]}.")
        elif key and key in seen_name:
            problems.append(f"Derselbe Name steht schon in Zeile {seen_name[key]}.")
        if problems:
            row.state, row.reason = "rejected", " ".join(problems)
            continue
        seen_email.setdefault(data.email, line) if data.email else None
        seen_name.setdefault(key, line)
        if by_number is not None:
            seen_id[by_number.id] = line
        row.data = data
        by_address = by_email.get(data.email) if data.email else None
        match = by_number or by_address
        if match is not None and by_address is not None and by_address.id != match.id:
            row.state, row.reason = "rejected", f"Die E-Mail-Adresse gehört schon zu „{by_address.name}“."
            continue
        row.matched_by = ID_HEADER if by_number else "E-Mail" if match else ""
        if match is None and key in by_name:
            row.possible_id, row.possible_name = by_name[key].id, by_name[key].name
            if choices.get(line) == "update":
                match, row.matched_by = by_name[key], "Name (gewählt)"
            elif choices.get(line) != "new":
                row.state = "possible"
                row.reason = f"Möglicherweise dasselbe wie „{by_name[key].name}“ (gleicher Name)."
                continue
        if choices.get(line) == "skip":
            row.state = "skipped"
            continue
        if match is None:
            row.state = "new"
            continue
        row.actor_id, row.actor_name = match.id, match.name
        row.changes = _changes(kommune, match, data, mapping)
        row.state = "update" if row.changes else "unchanged"
        row.reason = ", ".join(header for header, _old, _new in row.changes)
    return result


def summary(preview: list[ImportRow]) -> dict[str, int]:
    """How many rows are in each state (every state present, 0 if none)."""
    counts = dict.fromkeys(STATE_LABELS, 0)
    for row in preview:
        counts[row.state] += 1
    return counts


KEEP_WHEN_EMPTY = ("provider_type", "sector", "email", "phone", "contact_name", "contact_role", "notes")


def _shown(kommune: Kommune, key: str, value) -> str:
    """A register value as the confirmation page writes it."""
    if key in ("provider_type", "sector"):
        return label(key, value) if value else "–"
    if key == "districts":
        names = kommune.district_names()
        return ", ".join(names.get(d, d) for d in value) if value else "–"
    if key == "active":
        return "ja" if value else "nein"
    return value or "–"


def _changes(kommune: Kommune, actor: Actor, data: ActorData,
             mapping: dict[str, int]) -> list[tuple[str, str, str]]:
    """(German field name, old, new) an import row would change (only columns present in the file)."""
    changed = []
    for key, header, _accepted in COLUMNS:
        if key not in mapping:
            continue
        new, old = getattr(data, key), getattr(actor, key)
        if key in KEEP_WHEN_EMPTY and new == "":
            continue  # an empty cell does not erase what the register knows
        if key == "districts":
            old = list(old or [])
            if new and sorted(new) != sorted(old):
                changed.append((header, _shown(kommune, key, old), _shown(kommune, key, new)))
        elif new != old:
            changed.append((header, _shown(kommune, key, old), _shown(kommune, key, new)))
    return changed


def apply_import(kommune: Kommune, rows: list[list[str]],
                 choices: dict[int, str] | None = None) -> dict[str, int]:
    """Check the rows again and write the chosen ones; returns the counts per state (see `summary`).

    Refuses (ActorError) when no row would be written, so "0 Zeilen übernommen" never "succeeds".
    """
    preview = preview_import(kommune, rows, choices)
    counts = summary(preview)
    if not counts["new"] and not counts["update"]:
        raise ActorError("Es wird keine Zeile übernommen: "
                         + ("alle Zeilen sind abgelehnt, unverändert oder ausgelassen."
                            if not counts["possible"] else
                            "wählen Sie bei „Möglicherweise vorhanden“, ob der vorhandene Eintrag aktualisiert "
                            "oder ein neuer angelegt wird."))
    mapping = _map_header([r for r in rows if any(c.strip() for c in r)][0])
    for row in preview:
        if row.state not in ("new", "update") or row.data is None:
            continue
        if row.state == "new":
            actor = Actor(kommune_id=kommune.id)
            db.session.add(actor)
        else:
            found = db.session.get(Actor, row.actor_id)
            assert found is not None, row.actor_id  # the preview matched it in this Kommune
            actor = found
        for key, _header, _accepted in COLUMNS:
            if key not in mapping and row.state == "update":
                continue
            value = getattr(row.data, key)
            if row.state == "update" and value in ("", []) and key != "active":
                continue
            setattr(actor, key, list(value) if key == "districts" else value)
        actor.contact_confirmed_at = utc_now()  # an imported row is the planner's current list
        db.session.flush()
    left_out = counts["skipped"] + counts["possible"]
    audit.record(kommune.id, "actor.imported",
                 f"Akteursverzeichnis importiert: {counts['new']} neu, {counts['update']} aktualisiert, "
                 f"{counts['rejected']} abgelehnt, {left_out} ausgelassen",
                 after={"aktualisiert": [r.actor_name for r in preview if r.state == "update"]} if counts["update"]
                 else None)
    return counts


# --- export ----------------------------------------------------------------------------------------


FURTHER_CONTACTS = "Weitere Ansprechpersonen"  # export only: "Name (Funktion) <Adresse> Tel. …; …"


def contact_text(contact: ActorContact) -> str:
    """One further contact person as the export writes it."""
    text = contact.name + (f" ({contact.role})" if contact.role else "")
    text += f" <{contact.email}>" if contact.email else ""
    return (text + (f" Tel. {contact.phone}" if contact.phone else "")).strip()


def _export_rows(kommune: Kommune, actors: Iterable[Actor]) -> list[list[str]]:
    districts = kommune.district_names()
    rows = [[header for _k, header, _a in COLUMNS] + [ID_HEADER, FURTHER_CONTACTS]]
    for actor in actors:
        rows.append([
            actor.name, label("provider_type", actor.provider_type) if actor.provider_type else "",
            label("sector", actor.sector) if actor.sector else "",
            ", ".join(districts.get(d, d) for d in actor.districts or []),
            actor.contact_name, actor.email, actor.phone, actor.contact_role, actor.notes,
            "ja" if actor.active else "nein", str(actor.id), "; ".join(contact_text(c) for c in actor.contacts),
        ])
    return rows


def export_csv(kommune: Kommune, actors: Iterable[Actor]) -> bytes:
    """Semicolon-separated UTF-8 with BOM (`excel_de`): opens correctly in German Excel; formula-like
    cells neutralised (`csvdialect.neutralise`)."""
    return b"".join(stream_rows(_export_rows(kommune, actors), "excel_de"))


def export_xlsx(kommune: Kommune, actors: Iterable[Actor]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = "Akteure"
    for row in _export_rows(kommune, actors):
        sheet.append([neutralise(c) for c in row])
    for column, width in zip("ABCDEFGHIJKL", (40, 28, 28, 28, 24, 32, 18, 24, 30, 8, 14, 48), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- duplicates ------------------------------------------------------------------------------------


def duplicate_groups(kommune_id: int) -> list[list[Actor]]:
    """Groups of actors with the same e-mail or the same normalised name (connected, oldest first)."""
    actors = list(db.session.scalars(sa.select(Actor).where(Actor.kommune_id == kommune_id).order_by(Actor.id)))
    parent = {a.id: a.id for a in actors}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for actor in actors:
        keys = ["n:" + normalised_name(actor.name)] + (["e:" + actor.email.lower()] if actor.email else [])
        for key in keys:
            if key in first:
                parent[root(actor.id)] = root(first[key])
            else:
                first[key] = actor.id
    groups: dict[int, list[Actor]] = {}
    for actor in actors:
        groups.setdefault(root(actor.id), []).append(actor)
    return [g for g in groups.values() if len(g) > 1]


@dataclass
class MergePlan:
    """What a merge will do, for the confirmation page (and what `merge` then does)."""

    keep: Actor
    others: list[Actor]
    filled: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, value, from which entry)
    main_contact: tuple[str, str] | None = None  # (name, address) taken over as the main contact
    further: list[tuple[str, str, str]] = field(default_factory=list)  # (name, address, from) kept as further contacts
    districts: list[str] = field(default_factory=list)  # district codes added
    invitations: int = 0
    partner_mentions: int = 0  # answers naming one of the others as a partner


FILL_LABELS = {"provider_type": "Trägerart", "sector": "Sektor"}
MAIN_CONTACT = ("contact_name", "contact_role", "email", "phone")


def _merge_entries(kommune_id: int, keep_id: int, other_ids: Iterable[int]) -> tuple[Actor, list[Actor]]:
    keep = actor_of_kommune(kommune_id, keep_id)
    others = [a for a in (actor_of_kommune(kommune_id, i) for i in sorted(set(other_ids) - {keep_id}))
              if a is not None]
    if keep is None or not others:
        raise ActorError("Bitte wählen Sie aus, welcher Eintrag bleibt und welche zusammengeführt werden.")
    return keep, others


def merge_plan(kommune_id: int, keep_id: int, other_ids: Iterable[int]) -> MergePlan:
    """What merging `other_ids` into `keep_id` would change (nothing is changed)."""
    keep, others = _merge_entries(kommune_id, keep_id, other_ids)
    plan = MergePlan(keep, others)
    values = {key: getattr(keep, key) for key in FILL_LABELS}
    has_main = bool(keep.contact_name or keep.email)
    known = {(keep.contact_name.casefold(), keep.email.lower())} | {(c.name.casefold(), c.email.lower())
                                                                    for c in keep.contacts}
    districts = list(keep.districts or [])
    phone_taken = False
    for other in others:
        for key, label_text in FILL_LABELS.items():
            if not values[key] and getattr(other, key):
                values[key] = getattr(other, key)
                plan.filled.append((label_text, label(key, values[key]), other.name))
        if not (other.contact_name or other.email) and other.phone and not keep.phone and not phone_taken:
            plan.filled.append(("Telefon", other.phone, other.name))
            phone_taken = True
        persons = [(other.contact_name, other.email)] + [(c.name, c.email) for c in other.contacts]
        for name, email in persons:
            if not (name or email) or (name.casefold(), email.lower()) in known:
                continue
            known.add((name.casefold(), email.lower()))
            if not has_main:
                plan.main_contact, has_main = (name, email), True
            else:
                plan.further.append((name, email, other.name))
        plan.districts += [d for d in other.districts or [] if d not in districts and d not in plan.districts]
    plan.invitations = db.session.scalar(sa.select(sa.func.count(Invitation.id)).where(
        Invitation.actor_id.in_([o.id for o in others]))) or 0
    mentions = partner_matching.references(kommune_id, others)
    plan.partner_mentions = sum(mentions.values())
    return plan


def merge(kommune_id: int, keep_id: int, other_ids: Iterable[int]) -> Actor:
    """Merge `other_ids` into `keep_id` (as `merge_plan` says): invitations move over, empty fields are
    filled, the others' contact persons are kept (the first as main contact if the kept entry has none,
    the rest as further contacts), partner references to them stand for the kept entry from now on
    (`partner_matching.merged`: the answers stay as given), and the others go."""
    keep, others = _merge_entries(kommune_id, keep_id, other_ids)
    for other in others:
        for key in FILL_LABELS:
            if not getattr(keep, key) and getattr(other, key):
                setattr(keep, key, getattr(other, key))
        if not (keep.contact_name or keep.email) and (other.contact_name or other.email):
            # The whole person, never a name from one entry with the address of another.
            for key in MAIN_CONTACT:
                setattr(keep, key, getattr(other, key))
            keep.contact_confirmed_at = other.contact_confirmed_at
        elif not (other.contact_name or other.email) and other.phone and not keep.phone:
            keep.phone = other.phone  # a number without a person: the organisation's own
        keep.districts = list(dict.fromkeys((keep.districts or []) + (other.districts or [])))
        if other.notes and other.notes not in keep.notes:
            keep.notes = f"{keep.notes}\n{other.notes}".strip()
        keep.active = keep.active or other.active
        db.session.execute(sa.update(Invitation).where(Invitation.actor_id == other.id).values(actor_id=keep.id))
        _merge_contacts(keep, other)
    references = partner_matching.merged(keep, others)
    for other in others:
        db.session.delete(other)
    names = ", ".join(f"„{other.name}“ (Nr. {other.id})" for other in others)
    audit.record(kommune_id, "actor.merged", f"{names} zusammengeführt in „{keep.name}“ (Nr. {keep.id})", obj=keep,
                 before={"zusammengeführt": [other.id for other in others]},
                 after={"Partnerverweise": references} if references else None)
    db.session.flush()
    return keep


def _merge_contacts(keep: Actor, other: Actor) -> None:
    """The other entry's contact persons become further contacts of the kept one (none twice)."""
    known = {(keep.contact_name.casefold(), keep.email.lower())}
    known |= {(c.name.casefold(), c.email.lower()) for c in keep.contacts}
    candidates = [(other.contact_name, other.contact_role, other.email, other.phone)]
    candidates += [(c.name, c.role, c.email, c.phone) for c in other.contacts]
    for name, role, email, phone in candidates:
        if (name or email) and (name.casefold(), email.lower()) not in known:
            keep.contacts.append(ActorContact(name=name, role=role, email=email, phone=phone))
            known.add((name.casefold(), email.lower()))
    other.contacts.clear()
    db.session.flush()


# --- further contact persons -----------------------------------------------------------------------


@dataclass
class ContactData:
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""


def check_contact(actor: Actor, data: ContactData) -> dict[str, str]:
    """Problems per field of a further contact person (German); normalises the data in place."""
    problems: dict[str, str] = {}
    data.name, data.role, data.phone = (" ".join(v.split()) for v in (data.name, data.role, data.phone))
    if not data.name and not data.email.strip():
        problems["name"] = "Bitte geben Sie einen Namen oder eine E-Mail-Adresse ein."
    for key, limit in (("name", 200), ("role", 200), ("phone", 60)):
        if len(getattr(data, key)) > limit:
            problems[key] = f"Höchstens {limit} Zeichen."
    if data.email.strip():
        email, reason = check_address(data.email)
        if reason:
            problems["email"] = f"„{data.email.strip()}“ ist keine gültige E-Mail-Adresse: {reason}"
        elif email in {actor.email.lower()} | {c.email.lower() for c in actor.contacts}:
            problems["email"] = "Diese Adresse steht bei dieser Organisation schon."
        else:
            data.email = email
    else:
        data.email = ""
    return problems


def add_contact(actor: Actor, data: ContactData) -> ActorContact:
    """A further contact person for the entry; ActorError with the problems."""
    problems = check_contact(actor, data)
    if problems:
        raise ActorError(" ".join(problems.values()))
    contact = ActorContact(name=data.name, role=data.role, email=data.email, phone=data.phone)
    actor.contacts.append(contact)
    actor.contact_confirmed_at = utc_now()  # the planner entered the person just now
    db.session.flush()
    audit.record(actor.kommune_id, "actor.changed", f"Weitere Ansprechperson bei „{actor.name}“ eingetragen.",
                 obj=actor)
    return contact


def _contact_of(actor: Actor, contact_id: int) -> ActorContact:
    contact = next((c for c in actor.contacts if c.id == contact_id), None)
    if contact is None:
        raise ActorError("Diese Ansprechperson gibt es bei dieser Organisation nicht (mehr).")
    return contact


def remove_contact(actor: Actor, contact_id: int) -> None:
    actor.contacts.remove(_contact_of(actor, contact_id))
    db.session.flush()
    audit.record(actor.kommune_id, "actor.changed", f"Weitere Ansprechperson bei „{actor.name}“ entfernt.", obj=actor)


def make_main(actor: Actor, contact_id: int) -> None:
    """The further contact becomes the main one (invitations go to them); the former main one a further one."""
    contact = _contact_of(actor, contact_id)
    if contact.email:
        clash = db.session.scalar(sa.select(Actor).where(
            Actor.kommune_id == actor.kommune_id, sa.func.lower(Actor.email) == contact.email.lower(),
            Actor.id != actor.id))
        if clash is not None:
            raise ActorError(f"Die Adresse {contact.email} gehört schon zu „{clash.name}“ im Verzeichnis.")
    main = (actor.contact_name, actor.contact_role, actor.email, actor.phone)
    actor.contact_name, actor.contact_role, actor.email, actor.phone = (contact.name, contact.role, contact.email,
                                                                        contact.phone)
    if main[0] or main[2]:
        contact.name, contact.role, contact.email, contact.phone = main
    else:
        actor.contacts.remove(contact)
    actor.contact_confirmed_at = utc_now()
    db.session.flush()
    audit.record(actor.kommune_id, "actor.changed", f"Hauptansprechperson von „{actor.name}“ gewechselt.", obj=actor)
