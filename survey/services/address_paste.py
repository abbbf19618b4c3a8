"""Parsing what planners paste into the invitation box: Outlook lists, spreadsheet rows, plain lines.

Flask-free and database-free: `parse_paste` turns text into entries (address, name, organisation,
line number), `check_address` validates one address (syntax only, no DNS) with a German reason.
A name that does not read like a person ("Langerwehe", "Sekretariat") is not taken as the contact
person (the salutation falls back to "Guten Tag,") but kept in `unsure_name` for the preview to ask;
what tidying changed in an address (a trailing dot removed) is kept in `notes` for the preview to say.
Matching against the register and existing invitations happens in `services.invitations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

# Characters that ride along when copying from web pages, Word or Outlook.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009"), " ")
_ANGLE = re.compile(r"^(?P<name>.*?)[<\[](?P<address>[^<>\[\]]*)[>\]]\s*$")
_PAREN = re.compile(r"^(?P<address>\S+@\S+)\s*\((?P<name>[^()]*)\)\s*$")
_HEADER_WORDS = {
    "email": ("e-mail", "email", "mail", "adresse", "e-mail-adresse"),
    "organisation": ("organisation", "einrichtung", "träger", "traeger", "institution", "firma",
                     "name der einrichtung"),
    "name": ("name", "ansprechperson", "ansprechpartner", "ansprechpartnerin", "kontakt", "kontaktperson",
             "vorname nachname"),
}
# Words that mark a display name as an organisation rather than a person.
_ORG_WORDS = re.compile(
    r"\b(e\.\s?v\.|gmbh|ggmbh|verein|verband|kita|schule|zentrum|amt|stelle|dienst|träger|stadt|kreis|gemeinde|"
    r"beratung|praxis|caritas|diakonie|awo|drk|jobcenter|agentur|team|info|büro|buero|haus|stiftung|werk|"
    r"familienzentrum|jugend|bibliothek|verwaltung|polizei|kirche|pfarr\w*|netzwerk|e\.v\.)",
    re.IGNORECASE,
)


@dataclass
class PastedAddress:
    """One entry found in the paste, exactly as typed (`raw`) and split into its parts."""

    line: int
    raw: str
    address: str
    name: str = ""
    organisation: str = ""
    unsure_name: str = ""  # found where a name stands, but maybe a place or a unit: not used as the contact
    notes: list[str] = field(default_factory=list)  # what tidying changed, in German, for the preview


def _clean(text: str) -> str:
    return text.translate(_INVISIBLE).translate(_SPACES)


def _unquote(text: str) -> str:
    text = text.strip().strip("'\"„“”‚‘’«»").strip()
    return " ".join(text.split())


def _tidy_address(address: str, notes: list[str] | None = None) -> str:
    address = address.strip().strip("'\"„“”<>[](),;:").strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    address = re.sub(r"\s*@\s*", "@", address)  # "anna.becker @ caritas.de"
    address = re.sub(r"\s*\.\s*(?=[^@]*$)", ".", address)  # spaces around dots in the domain
    tidy = address.strip().rstrip(".")
    if notes is not None and tidy != address.strip():
        notes.append("Der Punkt am Ende der Adresse ist entfernt (er gehört meist zum Satz, nicht zur Adresse).")
    return tidy


_TITLES = {"dr.", "prof.", "frau", "herr", "dipl.", "dipl.-päd.", "mag."}
_PARTICLES = {"von", "van", "de", "der", "den", "zu", "vom", "al", "el", "da", "di", "la", "le", "ten", "ter"}
_PLACE_WORDS = {"bad", "sankt", "st.", "alt", "neu", "ober", "unter", "groß", "gross", "klein", "hohen", "nieder"}
_NAME_WORD = re.compile(r"^[A-ZÄÖÜ][a-zäöüßéèáàóòúùçñ'’]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàóòúùçñ'’]+)*\.?$")


def looks_like_person(name: str) -> bool:
    """True for "Anna Becker", "Dr. Anna-Lena von Berg", "Frau Becker"; False for one word ("Langerwehe",
    "Sekretariat"), places ("Bad Honnef"), capitals only ("NORDSTADT") or anything with digits."""
    words = name.split()
    titled = bool(words) and words[0].lower() in _TITLES
    while words and words[0].lower() in _TITLES:
        words = words[1:]
    if not words or words[0].lower() in _PLACE_WORDS:
        return False
    core = [w for w in words if w.lower() not in _PARTICLES]
    if not core or not all(_NAME_WORD.match(w) for w in core):
        return False
    return len(core) >= 2 or titled


def _split_outside_quotes(line: str, separators: str) -> list[str]:
    """Split at separators that are not inside quotes or angle brackets."""
    parts, current, quote, angle = [], [], "", 0
    for char in line:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "\"„“":
            quote = "\"" if char == "\"" else "“"
            current.append(char)
        elif char == "<":
            angle += 1
            current.append(char)
        elif char == ">":
            angle = max(angle - 1, 0)
            current.append(char)
        elif char in separators and not angle:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _split_list(line: str) -> list[str]:
    """Split a comma/semicolon list; glue "Müller, Anna <anna@…>" back together."""
    chunks = [c for c in _split_outside_quotes(line, ";,") if c.strip()]
    merged: list[str] = []
    for chunk in chunks:
        if merged and "@" not in merged[-1] and ("<" in chunk or "[" in chunk):
            merged[-1] = f"{merged[-1]},{chunk}"
        else:
            merged.append(chunk)
    # Whitespace-separated bare addresses on one line ("a@x.de b@y.de").
    result: list[str] = []
    for chunk in merged:
        words = chunk.split()
        if len(words) > 1 and all("@" in w for w in words) and "<" not in chunk:
            result.extend(words)
        else:
            result.append(chunk)
    return result


def _looks_like_organisation(name: str) -> bool:
    return bool(_ORG_WORDS.search(name))


def _person_name(name: str) -> str:
    """"Müller, Anna" (Outlook's Nachname, Vorname) → "Anna Müller"."""
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first and len(first.split()) <= 2 and len(last.split()) <= 2:
            return f"{first} {last}"
    return name


def _entry(line_no: int, chunk: str) -> PastedAddress | None:
    raw = " ".join(chunk.split())
    if not raw:
        return None
    name = ""
    match = _ANGLE.match(raw) or _PAREN.match(raw)
    if match:
        address, name = match["address"], _unquote(match["name"])
    else:
        address = raw
        # "Kita Sonnenschein kita@…" (name and address separated by spaces only)
        words = raw.split()
        at_words = [w for w in words if "@" in w]
        before = " ".join(w for w in words if w is not (at_words[0] if at_words else None))
        # "team koordination@…" is more likely a mistyped address than a name: only a name that
        # looks like one (capital letter or several words) is split off.
        looks_like_name = len(before.split()) > 1 or any(c.isupper() for c in before)
        if len(words) > 1 and len(at_words) == 1 and not re.search(r"\s@|@\s", raw) and looks_like_name:
            address = at_words[0]
            name = _unquote(before)
    entry = PastedAddress(line=line_no, raw=raw, address="")
    entry.address = _tidy_address(address, entry.notes)
    if name:
        if _looks_like_organisation(name):
            entry.organisation = name
        else:
            entry.name = _person_name(name)
    return entry


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """Column positions when `cells` is a header row (no address, known column titles)."""
    lowered = [c.strip().lower().rstrip(":") for c in cells]
    if any("@" in c for c in lowered):
        return None
    columns: dict[str, int] = {}
    for index, cell in enumerate(lowered):
        for key, words in _HEADER_WORDS.items():
            if cell in words and key not in columns:
                columns[key] = index
                break
    return columns if "email" in columns else None


def _tab_row(line_no: int, cells: list[str], columns: dict[str, int] | None) -> PastedAddress | None:
    cells = [_unquote(c) for c in cells]
    if not any(cells):
        return None
    raw = "\t".join(cells).strip()
    if columns:
        def cell(key: str) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        address = cell("email")
        entry = _entry(line_no, address) if address else None
        entry = entry or PastedAddress(line=line_no, raw=raw, address="")
        entry.raw = raw
        entry.organisation = cell("organisation") or entry.organisation
        entry.name = cell("name") or entry.name
        return entry
    with_at = [c for c in cells if "@" in c]
    others = [c for c in cells if c and "@" not in c]
    if not with_at:
        return PastedAddress(line=line_no, raw=raw, address=" ".join(others))
    entry = _entry(line_no, with_at[0]) or PastedAddress(line=line_no, raw=raw, address="")
    entry.raw = raw
    # Without a header: a cell that reads like an organisation is one, the other is the contact.
    for other in others:
        if not entry.organisation and (_looks_like_organisation(other) or entry.name):
            entry.organisation = other
        elif not entry.name:
            entry.name = _person_name(other)
        elif not entry.organisation:
            entry.organisation = other
    return entry


def parse_paste(text: str) -> list[PastedAddress]:
    """Every entry in the pasted text, in order; nothing is dropped, invalid ones included."""
    entries: list[PastedAddress] = []
    columns: dict[str, int] | None = None
    for line_no, line in enumerate(_clean(text).splitlines(), start=1):
        if not line.strip():
            continue
        if "\t" in line:
            cells = line.split("\t")
            header = _header_columns(cells)
            if header is not None:
                columns = header
                continue
            entry = _tab_row(line_no, cells, columns)
            if entry:
                entries.append(entry)
            continue
        if "@" not in line and _header_columns(_split_outside_quotes(line, ";,")) is not None:
            continue  # a header line of a CSV paste
        for chunk in _split_list(line):
            entry = _entry(line_no, chunk)
            if entry:
                entries.append(entry)
    for entry in entries:
        if entry.name and not looks_like_person(_person_name(entry.name)):
            entry.unsure_name, entry.name = entry.name, ""
    return entries


_REASONS = [
    ("must have an @-sign", "Das @-Zeichen fehlt."),
    ("something after the @-sign", "Nach dem @ fehlt der Teil mit der Domain (z. B. traeger.de)."),
    ("something before the @-sign", "Vor dem @ fehlt der Name des Postfachs."),
    ("should have a period", "Nach dem @ fehlt die Endung der Domain (z. B. .de)."),
    ("two periods in a row", "Die Adresse enthält zwei Punkte hintereinander."),
    ("cannot end with a period", "Die Adresse endet mit einem Punkt."),
    ("cannot start with a period", "Die Adresse beginnt mit einem Punkt."),
    ("SPACE", "Die Adresse enthält ein Leerzeichen."),
    ("invalid characters after the @-sign: '@'", "Die Adresse enthält mehr als ein @-Zeichen."),
    ("contains invalid characters: '@'", "Die Adresse enthält mehr als ein @-Zeichen."),
    ("invalid characters", "Die Adresse enthält Zeichen, die in E-Mail-Adressen nicht erlaubt sind"),
    ("too long", "Die Adresse ist zu lang."),
    ("special-use", "Diese Domain ist für Tests reserviert und kann keine E-Mails empfangen."),
    ("not a valid top-level domain", "Die Endung der Domain gibt es nicht."),
]


def german_reason(error: EmailNotValidError) -> str:
    """A short German explanation of why email-validator rejected an address."""
    message = str(error)
    for needle, reason in _REASONS:
        if needle in message:
            if reason.endswith("erlaubt sind"):
                found = message.rsplit(":", 1)[-1].strip().rstrip(".")
                return f"{reason}: {found}." if found else f"{reason}."
            return reason
    return "Das ist keine gültige E-Mail-Adresse."


def check_address(address: str) -> tuple[str, str]:
    """(normalised lower-case address, "") if valid, else (address as typed, German reason)."""
    address = address.strip()
    if not address:
        return "", "Keine E-Mail-Adresse angegeben."
    try:
        return validate_email(address, check_deliverability=False).normalized.lower(), ""
    except EmailNotValidError as error:
        return address, german_reason(error)
