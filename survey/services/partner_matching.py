"""Partner names matched to the register (issue 16, point 4).

What lives here: the comparison form of an organisation name and its ranked register suggestions
(rapidfuzz, a score 0–100), used while a respondent types a partner (`suggest`) and on the planner's
page of typed partner names (`typed_names`, `unmatched`); the planner's decisions (`assign`,
`reject`, `add_to_register`, `undo`), stored as `PartnerMatch` rows per Kommune; what a register
merge leaves behind (`merged`); and `PartnerMap`, through which the results bridge reads the
answers — the raw answers are never changed, so a decision can be undone at any time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from questionnaires.kinds import KINDS, PARTNER_ACTOR, PARTNER_NAME
from questionnaires.model import Question

from ..extensions import db
from ..models import Actor, Invitation, Kommune, PartnerMatch, Response, Survey, User
from ..models.base import rowcount
from . import actors as register  # a module import: `actors.merge` calls `merged` here
from . import audit

# Suggestions below this score are not shown; the best ones first, at most LIMIT.
CUTOFF = 60
LIMIT = 5
# Abbreviations planners and respondents write for the same word ("Städt. Kita" = "Städtische Kita").
ABBREVIATIONS = (
    (r"\bstädt\.\s*", "städtische "),
    (r"\bstaedt\.\s*", "städtische "),
    (r"\bkath\.\s*", "katholische "),
    (r"\bev\.(?=\s*\w{3,})\s*", "evangelische "),
    (r"\bevang\.\s*", "evangelische "),
    (r"\bfam\.\s*", "familien"),
    (r"\bzentr\.\s*", "zentrum "),
    (r"\bfz\b", "familienzentrum"),
)


@lru_cache(maxsize=65536)  # the results read every roster entry through it
def match_form(name: str) -> str:
    """The name as compared: abbreviations spelt out, then case, accents, punctuation and "e. V." dropped."""
    text = " ".join(name.split()).casefold()
    for pattern, replacement in ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    return register.normalised_name(text)


def name_key(name: str) -> str:
    return "n:" + match_form(name)


def code_key(code: str) -> str:
    return "a:" + code


@dataclass(frozen=True)
class Suggestion:
    actor: Actor
    score: int  # 0–100, rounded


def suggest(name: str, actors: Sequence[Actor], *, limit: int = LIMIT, cutoff: int = CUTOFF) -> list[Suggestion]:
    """Register actors whose name is like `name`, best first (ties: by name)."""
    query = match_form(name)
    if not query:
        return []
    choices = {i: match_form(a.name) for i, a in enumerate(actors)}
    found = process.extract(query, choices, scorer=fuzz.WRatio, limit=None, score_cutoff=cutoff)
    ranked = sorted(found, key=lambda hit: (-round(hit[1]), actors[hit[2]].name.casefold()))
    return [Suggestion(actors[i], round(score)) for _form, score, i in ranked[:limit]]


def active_actors(kommune_id: int, *, exclude_id: int | None = None) -> list[Actor]:
    return list(db.session.scalars(
        sa.select(Actor).where(Actor.kommune_id == kommune_id, Actor.active.is_(True),
                               Actor.id != (exclude_id or 0)).order_by(Actor.name)))


def respondent_suggestions(invitation: Invitation, name: str) -> list[tuple[Suggestion, str]]:
    """What a respondent typing `name` is offered: the Kommune's active register entries like it (not
    the respondent's own organisation), each with its sector and districts as a short line."""
    kommune = db.session.get(Kommune, invitation.survey.kommune_id)
    assert kommune is not None
    districts = kommune.district_names()
    found = []
    for hit in suggest(name, active_actors(kommune.id, exclude_id=invitation.actor_id)):
        parts = [register.label("sector", hit.actor.sector)] if hit.actor.sector else []
        parts += [", ".join(districts.get(d, d) for d in hit.actor.districts or [])] if hit.actor.districts else []
        found.append((hit, " · ".join(parts)))
    return found


def decisions(kommune_id: int) -> dict[str, PartnerMatch]:
    rows = db.session.scalars(sa.select(PartnerMatch).where(PartnerMatch.kommune_id == kommune_id))
    return {row.key: row for row in rows}


# --- reading answers through the decisions ---------------------------------------------------------


@dataclass
class PartnerMap:
    """How the results read partner references: a typed name or a merged entry's code → actor code.

    A typed name whose comparison form equals a register actor's is that actor without any decision
    (the register spells it the same way); a planner's decision comes before that."""

    codes: dict[str, str] = field(default_factory=dict)   # old code → code
    names: dict[str, str] = field(default_factory=dict)   # name key → code ("" = its own organisation)

    def target(self, entry: Mapping[str, Any]) -> str | None:
        """The code the entry stands for, if it differs from what the answer says."""
        code = str(entry.get(PARTNER_ACTOR) or "").strip()
        if code:
            return self.codes.get(code)
        name = str(entry.get(PARTNER_NAME) or "").strip()
        return self.names.get(name_key(name)) or None if name else None

    def values(self, values: Mapping[str, Any], roster_keys: Iterable[str]) -> Mapping[str, Any]:
        """`values` with roster entries pointing at their register actor (a copy only where one changes)."""
        changed: dict[str, Any] = {}
        for key in roster_keys:
            entries = values.get(key)
            if not entries or not isinstance(entries, list):
                continue
            new = []
            for entry in entries:
                target = self.target(entry) if isinstance(entry, Mapping) else None
                new.append({**entry, PARTNER_ACTOR: target} if target else entry)
            if any(a is not b for a, b in zip(new, entries, strict=True)):
                changed[key] = new
        return {**values, **changed} if changed else values


def partner_map(kommune_id: int) -> PartnerMap:
    """The Kommune's decisions and register names as a `PartnerMap` (two queries)."""
    result = PartnerMap()
    for actor_id, name in db.session.execute(
            sa.select(Actor.id, Actor.name).where(Actor.kommune_id == kommune_id).order_by(Actor.id)):
        result.names.setdefault(name_key(name), f"a{actor_id}")
    for row in decisions(kommune_id).values():
        code = f"a{row.actor_id}" if row.actor_id is not None else ""
        if row.key.startswith("a:"):
            if code:
                result.codes[row.key[2:]] = code
        else:
            result.names[row.key] = code
    return result


def stamp(kommune_id: int) -> tuple[Any, ...]:
    """Changes whenever a decision does (part of the results' data stamp)."""
    query = sa.select(sa.func.count(PartnerMatch.id), sa.func.max(PartnerMatch.id),
                      sa.func.sum(sa.func.coalesce(PartnerMatch.actor_id, 0))).where(
        PartnerMatch.kommune_id == kommune_id)
    return tuple(db.session.execute(query).one())


# --- the planner's list of typed names -------------------------------------------------------------


@dataclass
class TypedName:
    key: str
    name: str  # the most frequent spelling
    spellings: dict[str, int] = field(default_factory=dict)
    respondents: int = 0
    decision: PartnerMatch | None = None
    exact: Actor | None = None  # a register actor spelt the same way
    suggestions: list[Suggestion] = field(default_factory=list)


def _roster_questions(survey: Survey) -> list[Question]:
    return [q for q in survey.questions() if KINDS[q.kind].partners]


def _typed_in(values: Mapping[str, Any], rosters: Sequence[Question]) -> Iterable[str]:
    for q in rosters:
        for entry in values.get(q.key) or ():
            if isinstance(entry, Mapping) and not str(entry.get(PARTNER_ACTOR) or "").strip():
                name = " ".join(str(entry.get(PARTNER_NAME) or "").split())
                if name:
                    yield name


def typed_names(survey: Survey) -> list[TypedName]:
    """Every partner typed by name (not picked from the register) in the survey's responses, submitted
    or in progress, grouped by comparison form, with the decision taken and the suggestions."""
    rosters = _roster_questions(survey)
    if not rosters:
        return []
    found: dict[str, TypedName] = {}
    rows = db.session.execute(sa.select(Response.submitted_at, Response.answers, Response.draft)
                              .where(Response.survey_id == survey.id).order_by(Response.id))
    for submitted_at, answers, draft in rows:
        if submitted_at is not None:
            values: Mapping[str, Any] = answers or {}
        else:
            values = {}
            for q in rosters:
                values.update(KINDS[q.kind].parse(q, draft or {}, q.key).values)
        seen: set[str] = set()
        for name in _typed_in(values, rosters):
            key = name_key(name)
            item = found.setdefault(key, TypedName(key=key, name=name))
            item.spellings[name] = item.spellings.get(name, 0) + 1
            if key not in seen:
                item.respondents += 1
                seen.add(key)
    actors = active_actors(survey.kommune_id)
    by_key: dict[str, Actor] = {}
    for actor in sorted(actors, key=lambda a: a.id):
        by_key.setdefault(name_key(actor.name), actor)
    taken = decisions(survey.kommune_id)
    for item in found.values():
        item.name = max(item.spellings, key=lambda s: (item.spellings[s], s))
        item.decision = taken.get(item.key)
        item.exact = by_key.get(item.key)
        if item.decision is None and item.exact is None:
            item.suggestions = suggest(item.name, actors)
    return sorted(found.values(), key=lambda t: (-t.respondents, t.name.casefold()))


def unmatched(items: Sequence[TypedName]) -> list[TypedName]:
    return [t for t in items if t.decision is None and t.exact is None]


# --- decisions -------------------------------------------------------------------------------------


class MatchError(ValueError):
    """German message for the planner."""


def _survey_name(raw_name: str) -> str:
    name = " ".join(raw_name.split())
    if not name or len(name) > 300:
        raise MatchError("Dieser Name ist nicht (mehr) in den Antworten.")
    return name


def _store(survey: Survey, raw_name: str, actor: Actor | None, score: float | None, user: User | None,
           key: str | None = None) -> PartnerMatch:
    key = key or name_key(raw_name)
    row = db.session.scalar(sa.select(PartnerMatch).where(PartnerMatch.kommune_id == survey.kommune_id,
                                                          PartnerMatch.key == key))
    if row is None:
        row = PartnerMatch(kommune_id=survey.kommune_id, key=key, raw_name=raw_name[:300])
        db.session.add(row)
    row.actor_id = actor.id if actor is not None else None
    row.score = score
    row.survey_id = survey.id
    row.decided_by_id = user.id if user is not None else None
    db.session.flush()
    return row


def assign(survey: Survey, raw_name: str, actor_id: int, *, score: float | None = None,
           user: User | None = None) -> PartnerMatch:
    """The typed name stands for the register actor `actor_id` (of the survey's Kommune)."""
    name = _survey_name(raw_name)
    actor = db.session.scalar(sa.select(Actor).where(Actor.id == actor_id, Actor.kommune_id == survey.kommune_id))
    if actor is None:
        raise MatchError("Bitte wählen Sie eine Organisation aus dem Akteursverzeichnis.")
    row = _store(survey, name, actor, score, user)
    how = f"Vorschlag mit {round(score)} % Ähnlichkeit angenommen" if score is not None else "von Hand gewählt"
    audit.record(survey.kommune_id, "partner.assigned",
                 f"Partnername „{name}“ „{actor.name}“ (Nr. {actor.id}) zugeordnet ({how})", obj=row,
                 survey_id=survey.id, after={"Name": name, "Verzeichnis-Nr.": actor.id,
                        "Ähnlichkeit": f"{round(score)} %" if score is not None else "von Hand"})
    return row


def register_entry(kommune_id: int, text: str) -> Actor:
    """The active register entry a planner typed or picked from the page's list ("Name (Nr. 12)", or
    just a name the register has once)."""
    text = " ".join(text.split())
    number = re.search(r"\(Nr\.\s*(\d+)\)$", text)
    actors = active_actors(kommune_id)
    if number:
        found = [a for a in actors if a.id == int(number.group(1))]
    else:
        found = [a for a in actors if a.name.casefold() == text.casefold()]
    if len(found) != 1:
        raise MatchError(f"„{text}“ steht so nicht im Akteursverzeichnis: Bitte einen Namen aus der Liste wählen."
                         if text else "Bitte wählen Sie eine Organisation aus dem Akteursverzeichnis.")
    return found[0]


def accept(survey: Survey, raw_name: str, actor_id: int, *, user: User | None = None) -> PartnerMatch:
    """A suggestion accepted: `assign` with the suggestion's score (computed here, not taken from the form)."""
    actor = db.session.scalar(sa.select(Actor).where(Actor.id == actor_id, Actor.kommune_id == survey.kommune_id))
    hits = suggest(raw_name, [actor], cutoff=0) if actor is not None else []
    return assign(survey, raw_name, actor_id, score=hits[0].score if hits else None, user=user)


def reject(survey: Survey, raw_name: str, *, user: User | None = None) -> PartnerMatch:
    """No suggestion fits: the typed name is an organisation of its own (not in the register)."""
    name = _survey_name(raw_name)
    row = _store(survey, name, None, None, user)
    audit.record(survey.kommune_id, "partner.rejected",
                 f"Vorschläge für den Partnernamen „{name}“ abgelehnt: eigene Organisation", obj=row,
                 survey_id=survey.id, after={"Name": name, "Steht für": "eigene Organisation"})
    return row


def add_to_register(survey: Survey, raw_name: str, *, user: User | None = None) -> PartnerMatch:
    """The typed name becomes a new register entry (name only), and the name is assigned to it."""
    name = _survey_name(raw_name)
    kommune = db.session.get(Kommune, survey.kommune_id)
    assert kommune is not None
    actor = register.save(kommune, register.ActorData(name=name))  # records its own entry as well
    row = _store(survey, name, actor, None, user)
    audit.record(survey.kommune_id, "partner.assigned",
                 f"Partnername „{name}“ ins Akteursverzeichnis aufgenommen (Nr. {actor.id}) und zugeordnet",
                 obj=row, survey_id=survey.id,
                 after={"Name": name, "Verzeichnis-Nr.": actor.id, "Neu im Verzeichnis": True})
    return row


def undo(survey: Survey, match_id: int) -> str:
    """Take a decision back: the name is listed as unmatched again. Returns the name."""
    row = db.session.scalar(sa.select(PartnerMatch).where(PartnerMatch.id == match_id,
                                                          PartnerMatch.kommune_id == survey.kommune_id,
                                                          PartnerMatch.key.startswith("n:")))
    if row is None:
        raise MatchError("Diese Zuordnung gibt es nicht (mehr).")
    name, before = row.raw_name, {"Name": row.raw_name, "Verzeichnis-Nr.": row.actor_id}
    audit.record(survey.kommune_id, "partner.undone", f"Zuordnung des Partnernamens „{name}“ aufgehoben",
                 obj=row, survey_id=survey.id, before=before)
    db.session.delete(row)
    db.session.flush()
    return name


def merged(keep: Actor, others: Sequence[Actor]) -> int:
    """After a register merge: every reference to an `other` entry stands for `keep` — its code in
    answers, its name typed by respondents, and the decisions that pointed to it. The answers are
    not changed. Returns how many decisions were written or moved (audited by the merge itself)."""
    ids = [o.id for o in others]
    moved = rowcount(db.session.execute(sa.update(PartnerMatch).where(PartnerMatch.actor_id.in_(ids))
                                        .values(actor_id=keep.id).execution_options(synchronize_session=False)))
    taken = set(db.session.scalars(sa.select(PartnerMatch.key).where(PartnerMatch.kommune_id == keep.kommune_id)))
    written = 0
    for other in others:
        for key in (code_key(other.code), name_key(other.name)):
            if key not in taken and key != name_key(keep.name):
                db.session.add(PartnerMatch(kommune_id=keep.kommune_id, key=key, raw_name=other.name[:300],
                                            actor_id=keep.id))
                taken.add(key)
                written += 1
    db.session.flush()
    return moved + written


def references(kommune_id: int, actors: Sequence[Actor]) -> dict[int, int]:
    """Per actor: in how many submitted responses of the Kommune it is named as a partner (picked from
    the register, or typed and assigned)."""
    codes = {a.code: a.id for a in actors}
    counts = dict.fromkeys(codes.values(), 0)
    pmap = partner_map(kommune_id)
    surveys = {s.id: s for s in db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id))}
    rosters = {sid: [q.key for q in _roster_questions(s)] for sid, s in surveys.items()}
    query = (sa.select(Response.survey_id, Response.answers)
             .where(Response.survey_id.in_(list(surveys)), Response.submitted_at.isnot(None)))
    for survey_id, answers in db.session.execute(query):
        named: set[str] = set()
        for key in rosters.get(survey_id, ()):
            for entry in (answers or {}).get(key) or ():
                if isinstance(entry, Mapping):
                    named.add(pmap.target(entry) or str(entry.get(PARTNER_ACTOR) or ""))
        for code in named & set(codes):
            counts[codes[code]] += 1
    return counts
