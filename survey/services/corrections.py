"""Corrections after opening: wording-only edits of an open survey's questions.

A planner may correct the question text, the help text and the labels of answer options and matrix
rows of an open survey. Kind, option codes, the number of options, the required flag and the
condition stay as they are; a change that alters numbers, adds or drops a negation or rewrites a
text beyond a correction is refused, each with a German reason. Every correction carries a short
note, is stored with its item (`SurveyItem.corrections`), recorded in the audit log and raises the
survey's `wording_revision` (the cached respondent pages and the results' data stamp include it).

Who sees the note: the respondents who had saved (or submitted) the page holding the question when
the correction was made (`seen_by`, fixed at that moment); respondents who start later read only the
new wording. Key and `version` stay, so wave comparisons still treat the question as the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from analysis.dataset import Correction
from questionnaires.kinds import KINDS
from questionnaires.model import Question

from ..extensions import db
from ..models import Response, Survey, SurveyItem, utc_now
from . import audit, waves
from .responses import belongs_to
from .survey_pages import pages_with_questions
from .surveys import SurveyError, apply_wording

NOTE_MAX = 300
# A text at least this long must keep this share of its characters (difflib's ratio) to count as
# corrected rather than rewritten; shorter labels are checked for numbers and negations only.
SIMILAR_FROM = 20
SIMILAR_RATIO = 0.6
NEGATIONS = frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals",
                       "ohne", "weder", "nichts", "niemand"})
PARTS = {"prompt": "Fragetext", "help": "Hinweis", "option": "Antwort", "item": "Zeile"}
MEANING = ("Nach dem Start sind nur sprachliche Korrekturen möglich (Tippfehler, Grammatik, eine klarere "
           "Formulierung desselben Inhalts). Für eine inhaltliche Änderung legen Sie eine Kopie der Befragung an.")


class CorrectionRefused(SurveyError):
    """The proposed change is more than a correction; `problems` are German sentences, one per problem."""

    def __init__(self, problems: list[str], fields: dict[str, list[str]] | None = None) -> None:
        self.fields = fields or {}  # form field → its problems (also in `problems`)
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclasses.dataclass(frozen=True)
class Proposal:
    """What the planner typed: texts, and labels by code in the order posted (`kind` if posted)."""

    prompt: str
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    items: tuple[tuple[str, str], ...] = ()
    kind: str | None = None


@dataclasses.dataclass(frozen=True)
class Note:
    """A correction as a respondent who saw the old wording is told about it."""

    at: dt.datetime
    note: str


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)*", text)


def _negations(text: str) -> list[str]:
    return sorted(w for w in re.findall(r"\w+", text.casefold()) if w in NEGATIONS)


def _part_name(part: str, old: str) -> str:
    return f"{PARTS[part]} „{old}“" if part in ("option", "item") else PARTS[part]


def meaning_problems(part: str, old: str, new: str) -> list[str]:
    """Why the change of one text is more than a correction (empty: it is one)."""
    name = _part_name(part, old)
    found = []
    if _numbers(old) != _numbers(new):
        found.append(f"{name}: Die Zahlen ändern sich ({', '.join(_numbers(old)) or 'keine'} → "
                     f"{', '.join(_numbers(new)) or 'keine'}); damit ändert sich, wonach gefragt wird.")
    if _negations(old) != _negations(new):
        found.append(f"{name}: Eine Verneinung („nicht“, „kein“ …) kommt hinzu oder fällt weg; das kehrt den "
                     "Sinn um.")
    if len(old) >= SIMILAR_FROM and difflib.SequenceMatcher(None, old, new).ratio() < SIMILAR_RATIO:
        found.append(f"{name}: Die neue Fassung weicht zu stark von der bisherigen ab, um als sprachliche "
                     "Korrektur zu gelten.")
    return found


def _labels(name: str, stored: Iterable[Any], posted: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], list[str]]:
    """Posted labels by code, and the problems when codes or their number differ from the stored ones."""
    stored_codes = [o.code for o in stored]
    word, plural = ("Antwortmöglichkeit", "Antwortmöglichkeiten") if name == "option" else ("Zeile", "Zeilen")
    labels = {code: label.strip() for code, label in posted}
    given = [code for code, label in labels.items() if label]
    problems = []
    if len(given) != len(stored_codes) or len(labels) != len(posted):
        problems.append(
            f"Die Zahl der {plural} lässt sich nach dem Start nicht ändern (bisher {len(stored_codes)}, jetzt "
            f"{len(given)}): wer schon geantwortet hat, hatte nur die bisherigen zur Wahl. Jede {word} braucht "
            "weiterhin einen Text; korrigieren Sie nur dessen Worte.")
    elif set(given) != set(stored_codes):
        problems.append(
            f"Die Codes der {plural} lassen sich nach dem Start nicht ändern: an ihnen hängen die gespeicherten "
            "Antworten und der Vergleich mit anderen Befragungen.")
    return labels, problems


def _changes(question: Question, proposal: Proposal, options: Mapping[str, str],
             rows: Mapping[str, str]) -> list[dict[str, str]]:
    changes = []
    for part, old, new in (("prompt", question.prompt, proposal.prompt.strip()),
                           ("help", question.help, proposal.help.strip())):
        if old != new:
            changes.append({"part": part, "code": "", "old": old, "new": new})
    for part, stored, labels in (("option", question.options, options), ("item", question.items, rows)):
        for option in stored:
            new = labels.get(option.code, option.label)
            if new != option.label:
                changes.append({"part": part, "code": option.code, "old": option.label, "new": new})
    return changes


def check(survey: Survey, item: SurveyItem, proposal: Proposal, note: str) -> list[dict[str, str]]:
    """The changes `proposal` makes to `item`, or `CorrectionRefused` with every reason at once."""
    if not survey.is_open:
        raise CorrectionRefused([
            "Die Befragung ist noch ein Entwurf: ändern Sie die Formulierung dort unter „Formulierung“."
            if survey.is_draft else
            "Die Befragung ist abgeschlossen; ihre Fragen bleiben so, wie sie beantwortet wurden."])
    question = item.to_question()
    problems = []
    if proposal.kind is not None and proposal.kind != item.kind:
        new_kind = KINDS[proposal.kind].label if proposal.kind in KINDS else proposal.kind
        problems.append(
            f"Die Art der Frage („{KINDS[item.kind].label}“) lässt sich nach dem Start nicht in „{new_kind}“ "
            "ändern: die schon gegebenen Antworten passten sonst nicht mehr zur Frage.")
    options, option_problems = _labels("option", question.options, proposal.options)
    rows, row_problems = _labels("item", question.items, proposal.items)
    problems += option_problems + row_problems
    fields: dict[str, list[str]] = {}
    if not proposal.prompt.strip():
        fields["prompt"] = ["Der Fragetext darf nicht leer sein."]
    if not note.strip():
        fields["note"] = ["Bitte beschreiben Sie kurz, was Sie korrigiert haben (z. B. „Tippfehler korrigiert: "
                          "viele statt vile“); wer die Frage schon beantwortet hat, liest diesen Hinweis."]
    elif len(note.strip()) > NOTE_MAX:
        fields["note"] = [f"Der Hinweis zur Korrektur ist mit {len(note.strip())} Zeichen zu lang: höchstens "
                          f"{NOTE_MAX} Zeichen."]
    # Whether a text says something else is judged once kind and options fit (every reason at once).
    changes = [] if problems else _changes(question, proposal, options, rows)
    problems += [p for found in fields.values() for p in found]
    meaning = [p for c in changes if c["new"] or c["part"] != "prompt"
               for p in meaning_problems(c["part"], c["old"], c["new"])]
    if problems or meaning:
        raise CorrectionRefused(problems + meaning + ([MEANING] if meaning else []), fields)
    if not changes:
        raise CorrectionRefused(["Sie haben an der Formulierung nichts geändert; es ist keine Korrektur gespeichert."])
    return changes


def _saw_page(response: Response, page_index: int, page_questions: list[Question]) -> bool:
    """Had the respondent saved (or submitted) the page `page_index` (0-based, respondent numbering)?

    Submitted, gone past it, confirmed it unchanged (a follow-up wave), or the draft holds a field of
    one of its questions that was not merely pre-filled from the previous wave.
    """
    if response.submitted_at is not None:
        return True
    if response.saved_at is None:
        return False
    draft = response.draft or {}
    if response.current_page > page_index or str(page_index + 1) in draft.get(waves.PAGES, []):
        return True
    prefilled = set(draft.get(waves.TAKEN, []))
    own = [q for q in page_questions if q.key not in prefilled]
    return any(not name.startswith("_") and any(belongs_to(name, q) for q in own) for name in draft)


def _seen_by(survey: Survey, item: SurveyItem) -> list[int]:
    pages = pages_with_questions(survey)
    found = next(((n, qs) for n, (_page, qs) in enumerate(pages) if any(q.key == item.key for q in qs)), None)
    if found is None:
        return []
    page_index, questions = found
    responses = db.session.scalars(sa.select(Response).where(
        Response.survey_id == survey.id, sa.or_(Response.saved_at.is_not(None), Response.submitted_at.is_not(None))))
    return sorted(r.id for r in responses if _saw_page(r, page_index, questions))


def correct(survey: Survey, item: SurveyItem, proposal: Proposal, note: str,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """Apply a wording correction to `item` of the open `survey` (refused: `CorrectionRefused`).

    Returns the stored correction. Records it in the audit log; raises `survey.wording_revision`.
    """
    changes = check(survey, item, proposal, note)
    seen_by = _seen_by(survey, item)  # before the change: the pages as the respondents saw them
    options = {c["code"]: c["new"] for c in changes if c["part"] == "option"}
    rows = {c["code"]: c["new"] for c in changes if c["part"] == "item"}
    apply_wording(item, proposal.prompt, proposal.help, options, rows)
    who = audit.acting()
    entry = {"at": (now or utc_now()).isoformat(), "by": who.label, "by_id": who.user_id, "note": note.strip(),
             "changes": changes, "seen_by": seen_by}
    item.corrections = [*(item.corrections or []), entry]
    survey.wording_revision = (survey.wording_revision or 0) + 1
    short = item.prompt if len(item.prompt) <= 80 else item.prompt[:79] + "…"
    audit.record(
        survey.kommune_id, "survey.corrected",
        f"Frage „{short}“ der Befragung „{survey.title}“ nach dem Start sprachlich korrigiert: {note.strip()}",
        obj=item, survey_id=survey.id,
        before={_part_name(c["part"], c["old"]): c["old"] for c in changes},
        after={**{_part_name(c["part"], c["old"]): c["new"] for c in changes}, "Hinweis zur Korrektur": note.strip()},
    )
    db.session.flush()
    return entry


def _when(entry: Mapping[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(entry["at"])


def notes_for(survey: Survey, response: Response | None) -> dict[str, list[Note]]:
    """Question key → the corrections this respondent is told about (they had seen the old wording)."""
    if response is None or not survey.wording_revision:
        return {}
    rows = db.session.execute(sa.select(SurveyItem.key, SurveyItem.corrections)
                              .where(SurveyItem.survey_id == survey.id))
    found: dict[str, list[Note]] = {}
    for key, entries in rows:
        for entry in entries or ():
            if response.id in entry.get("seen_by", ()):
                found.setdefault(key, []).append(Note(_when(entry), entry["note"]))
    return found


def history(item: SurveyItem) -> list[tuple[dt.datetime, str, str, list[dict[str, str]]]]:
    """(when, who, note, changes) of each correction of `item`, oldest first (for the builder)."""
    return [(_when(e), e.get("by", ""), e["note"], list(e.get("changes", ()))) for e in item.corrections or ()]


def dataset_corrections(survey: Survey) -> tuple[Correction, ...]:
    """Every change of every correction of the survey, for the codebook (no names of staff)."""
    if not survey.wording_revision:
        return ()
    items = db.session.scalars(sa.select(SurveyItem).where(SurveyItem.survey_id == survey.id)
                               .order_by(SurveyItem.position))
    return tuple(
        Correction(key=item.key, part=change["part"], code=change["code"], at=_when(entry), old=change["old"],
                   new=change["new"], note=entry["note"])
        for item in items for entry in item.corrections or () for change in entry.get("changes", ())
    )
