"""Read our own "Rohdaten" CSV export (either dialect) back into a `Dataset`.

How a question's cells become typed values is the kind's business (`Kind.from_cells`,
`Group.entry_from_cells` in `questionnaires.kinds`); this module reads the files, the codebook and
the fixed columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from questionnaires.kinds import SPLIT, Group, kind_of
from questionnaires.model import Option, Question
from questionnaires.serialize import codebook_values, origin_values

from . import keys
from .csvdialect import Dialect, read_header, read_rows
from .dataset import ActorRecord, Dataset, ResponseRecord
from .export import (
    CODEBOOK_COLUMNS,
    CORRECTIONS_COLUMN,
    META_KEYS,
    ORIGIN_COLUMN,
    ROLE_ITEM,
    ROLE_OPTION,
    ROLE_QUESTION,
    entries_header,
)


def _split(text: str) -> list[str]:
    return [part for part in text.split(SPLIT) if part] if text else []


def cells_to_values(question: Question, row: Mapping[str, str], dialect: Dialect) -> dict[str, Any]:
    """The typed value(s) of `question` read from a row of export cells (key → value)."""
    return kind_of(question).from_cells(question, row, dialect.decimal)


def _read(path: str | Path) -> tuple[Dialect, list[dict[str, str]]]:
    return read_rows(Path(path).read_bytes())


def read_codebook(rows: list[dict[str, str]]) -> tuple[tuple[Question, ...], dict[str, Any]]:
    """Questions (with group fields nested) and the meta entries (title, vocabularies)."""
    optional = {CORRECTIONS_COLUMN, ORIGIN_COLUMN, "condition"}  # codebooks written before these columns existed
    missing = set(CODEBOOK_COLUMNS) - optional - set(rows[0] if rows else CODEBOOK_COLUMNS)
    if missing:
        raise ValueError(f"kein Codebuch dieses Werkzeugs: Spalten fehlen ({', '.join(sorted(missing))})")
    heads: dict[str, dict[str, str]] = {}
    options: dict[str, list[Option]] = {}
    items: dict[str, list[Option]] = {}
    origins: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["role"] == ROLE_QUESTION:
            heads[row["key"]] = row
        elif row["role"] == ROLE_OPTION:
            options.setdefault(row["key"], []).append(Option(row["code"], row["label"]))
            origins.setdefault(row["key"], {})[row["code"]] = row.get(ORIGIN_COLUMN) or ""
        elif row["role"] == ROLE_ITEM:
            items.setdefault(row["key"], []).append(Option(row["code"], row["label"]))

    def build(key: str) -> Question:
        head = heads[key]
        added, hidden = origin_values(origins.get(key, {}))
        return Question(
            key=key,
            kind=head["kind"],
            prompt=head["prompt"],
            options=tuple(options.get(key, ())),
            items=tuple(items.get(key, ())),
            fields=tuple(build(k) for k, h in heads.items() if h["parent"] == key),
            added=added,
            hidden=hidden,
            **codebook_values(head),
        )

    questions = tuple(build(k) for k, h in heads.items() if not h["parent"] and h["kind"] != "meta")
    meta = {
        "title": heads.get(META_KEYS["title"], {}).get("prompt", ""),
        **{name: tuple(options.get(META_KEYS[name], ())) for name in ("districts", "sectors", "provider_types")},
    }
    return questions, meta


def _read_entries(path: str | Path, questions: tuple[Question, ...]) -> tuple[str, dict[int, list[dict[str, Any]]]]:
    """Entries of one group/roster question from an entries CSV, by response id."""
    data = Path(path).read_bytes()
    dialect, rows = read_rows(data)
    columns = read_header(data)
    group = next(
        (q for q in questions if kind_of(q).family == "entries" and entries_header(q) == columns),
        None,
    )
    if group is None:
        raise ValueError(f"{path}: keine Gruppenfrage des Codebuchs passt zu den Spalten")
    found: dict[int, list[dict[str, Any]]] = {}
    kind = kind_of(group)
    assert isinstance(kind, Group)  # the kinds with an entries export
    for row in rows:
        entry = kind.entry_from_cells(group, row, dialect.decimal)
        found.setdefault(int(row["response_id"]), []).append(entry)
    return group.key, found


def _parse_time(text: str) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_dataset(
    responses_csv: str | Path,
    codebook_csv: str | Path,
    *,
    entries: Iterable[str | Path] = (),
    actors_csv: str | Path | None = None,
) -> Dataset:
    """The `Dataset` of our own export files (see `export` for their layouts)."""
    _dialect, codebook = _read(codebook_csv)
    questions, meta = read_codebook(codebook)
    groups = dict(_read_entries(p, questions) for p in entries)
    dialect, rows = _read(responses_csv)
    header = read_header(Path(responses_csv).read_bytes())
    if "id" not in header or "submitted_at" not in header:
        raise ValueError(f"{responses_csv}: keine Rohdaten-Datei dieses Werkzeugs (die Fassung „lesbar“ lässt sich "
                         "nicht zurücklesen; bitte „Rohdaten“ herunterladen)")
    responses = []
    for row in rows:
        response_id = int(row["id"])
        values: dict[str, Any] = {}
        for question in questions:
            if kind_of(question).family == "entries":
                if question.key in groups:
                    values[question.key] = groups[question.key].get(response_id, [])
                continue
            values.update(cells_to_values(question, row, dialect))
        responses.append(
            ResponseRecord(
                id=response_id,
                status=row["status"],
                submitted_at=_parse_time(row["submitted_at"]),
                actor=row.get("actor") or None,
                organisation=row["organisation"],
                values=values,
                on_behalf=row.get("entered_on_behalf") or "",
            )
        )
    if actors_csv is not None:
        actors = tuple(
            ActorRecord(r["code"], r["name"], r["sector"], r["provider_type"], tuple(_split(r["districts"])))
            for r in _read(actors_csv)[1]
        )
    else:
        actors = _actors_from_responses(responses)
    return Dataset(
        questions=questions,
        responses=tuple(responses),
        actors=actors,
        districts=meta["districts"],
        sectors=meta["sectors"],
        provider_types=meta["provider_types"],
        title=meta["title"],
    )


def _actors_from_responses(responses: list[ResponseRecord]) -> tuple[ActorRecord, ...]:
    """Without an actors file, the respondents describe themselves through the akteur questions."""
    actors: dict[str, ActorRecord] = {}
    for response in responses:
        if response.actor and response.actor not in actors:
            values = response.values
            actors[response.actor] = ActorRecord(
                code=response.actor,
                name=response.organisation,
                sector=values.get(keys.SECTOR) or "",
                provider_type=values.get(keys.PROVIDER_TYPE) or "",
                districts=tuple(values.get(keys.DISTRICTS) or ()),
            )
    return tuple(actors.values())
