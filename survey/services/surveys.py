"""Building surveys: create (empty, from a template, as a copy), pick and arrange questions, open, close.

A survey holds *copies* of catalogue questions (`SurveyItem.definition`), so later catalogue edits
never reach it. Every change to the questions goes through `require_draft`: once a survey is open
its questions are frozen (only their wording can still be corrected: `services/corrections`).

Order: items are ordered by page, then by position within the page. After every change the
positions are renumbered survey-wide (0, 1, 2 …), so `Survey.items` (ordered by position) and
`SurveyPage.items` agree.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa

from questionnaires import formatting as fmt
from questionnaires.conditions import condition_refs, describe, offered_codes
from questionnaires.kinds import KINDS, NUMBER
from questionnaires.model import Catalogue, Condition, Option, Question, SurveyTemplate
from questionnaires.serialize import condition_from_plain, condition_questions, question_to_dict

from ..extensions import db
from ..models import Invitation, Kommune, Survey, SurveyItem, SurveyPage, SurveyState, User, utc_now
from . import audit
from .kommune import open_placeholders

OWN_PREFIX = "eigene"


def _log(survey: Survey, text: str, action: str = "survey.built", before: dict | None = None,
         after: dict | None = None) -> None:
    """One audit entry about `survey` (builder edits by default)."""
    audit.record(survey.kommune_id, action, text, obj=survey, survey_id=survey.id, before=before, after=after)


def own_kinds() -> list[str]:
    """Kinds a planner may use for an own question ("eigene Frage"): those that say so (`Kind.own`)."""
    return [name for name, kind in KINDS.items() if kind.own]


def page_label(number: int, title: str) -> str:
    """How a page is named in the builder: "Seite 2: Schwerpunkt", but "Seite 1" for an untitled page
    or one still titled "Seite 1" (never "Seite 1: Seite 1")."""
    title = (title or "").strip()
    plain = f"Seite {number}"
    return plain if not title or title.casefold() == plain.casefold() else f"{plain}: {title}"


class SurveyError(ValueError):
    """A rule was broken; the message is German and meant for the planner."""


def survey_of_kommune(kommune_id: int, survey_id: int) -> Survey | None:
    """The survey, if it belongs to the Kommune; None otherwise (callers answer 404)."""
    return db.session.scalar(sa.select(Survey).where(Survey.id == survey_id, Survey.kommune_id == kommune_id))


def surveys_of_kommune(kommune_id: int) -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(Survey.kommune_id == kommune_id).order_by(Survey.id.desc())))


def create_survey(kommune: Kommune, creator: User | None, title: str, **settings: object) -> Survey:
    title = title.strip()
    if not title:
        raise SurveyError("Bitte geben Sie der Befragung einen Titel.")
    survey = Survey(kommune=kommune, title=title, created_by_id=creator.id if creator else None, **settings)
    survey.pages.append(SurveyPage(position=0, title="Seite 1"))
    db.session.add(survey)
    db.session.flush()
    _log(survey, f"Befragung „{survey.title}“ angelegt", "survey.created")
    return survey


def change_settings(survey: Survey, values: dict[str, object]) -> None:
    """Set the survey's title, texts and settings; the audit log keeps what changed, before and after."""
    before = {name: audit.plain(getattr(survey, name)) for name in values}
    for name, value in values.items():
        setattr(survey, name, value)
    old, new = audit.changed_fields(before, {name: audit.plain(getattr(survey, name)) for name in values})
    if new:
        _log(survey, f"Angaben der Befragung „{survey.title}“ geändert", "survey.settings", before=old, after=new)


def require_draft(survey: Survey) -> None:
    if not survey.is_draft:
        raise SurveyError(
            "Die Befragung ist bereits geöffnet; ihre Fragen sind eingefroren, damit sich nichts unter den "
            "Antwortenden ändert. Legen Sie eine Kopie an, um Fragen zu ändern."
        )


# --- order ------------------------------------------------------------------------------------


def _layout(survey: Survey) -> list[tuple[SurveyPage, list[SurveyItem]]]:
    """Pages in order, each with its items in order (from the current in-memory state)."""
    pages = sorted(survey.pages, key=lambda p: p.position)
    by_page: dict[int, list[SurveyItem]] = {id(p): [] for p in pages}
    for item in sorted(survey.items, key=lambda i: i.position):
        by_page.setdefault(id(item.page), []).append(item)
    return [(page, by_page[id(page)]) for page in pages]


def _apply(survey: Survey, layout: list[tuple[SurveyPage, list[SurveyItem]]]) -> None:
    """Store `layout`: page positions, each item's page and survey-wide position; then reload."""
    position = 0
    for page_position, (page, items) in enumerate(layout):
        page.position = page_position
        for item in items:
            item.page = page
            item.position = position
            position += 1
    db.session.flush()
    # The ordered relationships were loaded before the change; read them again in the new order.
    db.session.expire(survey, ["items", "pages"])
    for page, _items in layout:
        db.session.expire(page, ["items"])


def ordered_items(survey: Survey) -> list[SurveyItem]:
    return [item for _page, items in _layout(survey) for item in items]


def _page_of(survey: Survey, page: SurveyPage | None) -> SurveyPage:
    if page is None:
        return sorted(survey.pages, key=lambda p: p.position)[-1]
    if page.survey_id != survey.id and page not in survey.pages:
        raise SurveyError("Diese Seite gehört nicht zu der Befragung.")
    return page


# --- adding questions -------------------------------------------------------------------------


def _new_item(question: Question, own: bool) -> SurveyItem:
    return SurveyItem(
        key=question.key,
        kind=question.kind,
        catalogue_version=None if own else question.version,
        prompt=question.prompt,
        required=question.required,
        definition=question_to_dict(question),
        position=0,
    )


def add_question(
    survey: Survey, question: Question, page: SurveyPage | None = None, own: bool = False,
    before: SurveyItem | None = None,
) -> SurveyItem:
    """Copy `question` into the survey: at the end of `page` (default: the last page) or before `before`."""
    require_draft(survey)
    if any(item.key == question.key for item in survey.items):
        raise SurveyError(f"Die Frage „{question.prompt}“ ist bereits in der Befragung.")
    page = before.page if before is not None else _page_of(survey, page)
    layout = _layout(survey)
    item = _new_item(question, own)
    item.page = page
    survey.items.append(item)
    for layout_page, items in layout:
        if layout_page is page:
            items.insert(items.index(before) if before is not None else len(items), item)
    _apply(survey, layout)
    _log(survey, f"Frage „{item.prompt}“ hinzugefügt ({page.title})")
    return item


@dataclasses.dataclass
class Added:
    """What `add_questions` did, for the message to the planner."""

    added: list[SurveyItem] = dataclasses.field(default_factory=list)
    targets: list[tuple[Question, Question]] = dataclasses.field(default_factory=list)  # (target, dependant)
    skipped: list[Question] = dataclasses.field(default_factory=list)  # already in the survey


def add_questions(
    survey: Survey, questions: Iterable[Question], catalogue: Catalogue, page: SurveyPage | None = None
) -> Added:
    """Add catalogue questions in order, skipping those already present.

    A question with a condition is only shown when the question it depends on was answered
    earlier. If that question is missing, it is added too, just before the dependant (a question
    that can never be shown would be a silent trap). The result says what was pulled in.
    """
    require_draft(survey)
    page = _page_of(survey, page)
    result = Added()
    for question in questions:
        present = {item.key: item for item in survey.items}
        if question.key in present:
            result.skipped.append(question)
            continue
        for key in question.condition.questions if question.condition else ():
            target = catalogue.get(key)
            if target is not None and target.key not in present:
                result.added.append(add_question(survey, target, page))
                result.targets.append((target, question))
                present[target.key] = result.added[-1]
        result.added.append(add_question(survey, question, page))
    return result


def dependants(survey: Survey, item: SurveyItem) -> list[SurveyItem]:
    """Items whose condition refers to `item`."""
    return [
        other for other in survey.items
        if item.key in condition_questions(other.definition.get("condition"))
    ]


def remove_item(survey: Survey, item: SurveyItem) -> None:
    require_draft(survey)
    waiting = dependants(survey, item)
    if waiting:
        names = ", ".join(f"„{other.prompt}“" for other in waiting)
        raise SurveyError(
            f"Diese Frage wird noch gebraucht: {names} wird nur abhängig von ihrer Antwort gezeigt. "
            "Entfernen Sie zuerst diese Frage."
        )
    layout = _layout(survey)
    survey.items.remove(item)
    _apply(survey, [(page, [i for i in items if i is not item]) for page, items in layout])
    _log(survey, f"Frage „{item.prompt}“ entfernt")


# --- arranging -----------------------------------------------------------------------------------


def move_item(survey: Survey, item: SurveyItem, step: int) -> None:
    """Move `item` one place up (-1) or down (+1); at a page's edge it moves to the neighbouring page."""
    require_draft(survey)
    layout = _layout(survey)
    for number, (_page, items) in enumerate(layout):
        if item not in items:
            continue
        index = items.index(item)
        target = index + step
        if 0 <= target < len(items):
            items[index], items[target] = items[target], items[index]
        elif 0 <= number + step < len(layout):
            items.remove(item)
            neighbour = layout[number + step][1]
            if step < 0:
                neighbour.append(item)
            else:
                neighbour.insert(0, item)
        else:
            return  # already first (or last) of the survey
        break
    _apply(survey, layout)
    _log(survey, f"Frage „{item.prompt}“ {'nach oben' if step < 0 else 'nach unten'} verschoben")


def move_to_page(survey: Survey, item: SurveyItem, page: SurveyPage) -> None:
    """Put `item` at the end of `page`."""
    require_draft(survey)
    page = _page_of(survey, page)
    layout = _layout(survey)
    for _layout_page, items in layout:
        if item in items:
            items.remove(item)
    for layout_page, items in layout:
        if layout_page is page:
            items.append(item)
    _apply(survey, layout)
    _log(survey, f"Frage „{item.prompt}“ auf die Seite „{page.title}“ verschoben")


def set_required(survey: Survey, item: SurveyItem, required: bool) -> None:
    require_draft(survey)
    if required and not KINDS[item.kind].answerable:
        raise SurveyError("Ein Hinweistext hat keine Antwort und kann keine Pflichtfrage sein.")
    item.required = required
    _log(survey, f"Frage „{item.prompt}“ {'ist jetzt Pflicht' if required else 'ist jetzt freiwillig'}")
    db.session.flush()


def add_page(survey: Survey, title: str) -> SurveyPage:
    require_draft(survey)
    title = title.strip() or f"Seite {len(survey.pages) + 1}"
    page = SurveyPage(position=max((p.position for p in survey.pages), default=-1) + 1, title=title[:300])
    survey.pages.append(page)
    db.session.flush()
    _log(survey, f"Seite „{page.title}“ angelegt")
    return page


def rename_page(survey: Survey, page: SurveyPage, title: str) -> None:
    require_draft(survey)
    title = title.strip()
    if not title:
        raise SurveyError("Bitte geben Sie der Seite einen Titel; die Antwortenden sehen ihn als Überschrift.")
    before = page.title
    page.title = title[:300]
    _log(survey, f"Seite „{before}“ umbenannt in „{page.title}“", before={"Titel": before}, after={"Titel": page.title})
    db.session.flush()


def delete_page(survey: Survey, page: SurveyPage) -> None:
    require_draft(survey)
    if page.items:
        raise SurveyError("Die Seite enthält noch Fragen. Verschieben oder entfernen Sie diese zuerst.")
    if len(survey.pages) <= 1:
        raise SurveyError("Eine Befragung braucht mindestens eine Seite.")
    layout = [(p, items) for p, items in _layout(survey) if p is not page]
    survey.pages.remove(page)
    db.session.delete(page)
    _apply(survey, layout)
    _log(survey, f"Seite „{page.title}“ gelöscht")


# --- wording -------------------------------------------------------------------------------------


def _wording(definition: dict) -> dict:
    added = set(definition.get("added") or ())  # options this survey added are not catalogue wording
    return {
        "prompt": definition.get("prompt", ""),
        "help": definition.get("help", ""),
        "options": [dict(o) for o in definition.get("options", []) if o["code"] not in added],
        "items": [dict(o) for o in definition.get("items", [])],
    }


def catalogue_wording(item: SurveyItem) -> dict:
    """The wording as copied from the catalogue (before any change for this survey)."""
    return item.definition.get("original") or _wording(item.definition)


def reword(
    survey: Survey, item: SurveyItem, prompt: str, help: str = "",
    option_labels: dict[str, str] | None = None, item_labels: dict[str, str] | None = None,
) -> None:
    """Change the wording of `item` for this survey only. Key and option codes stay, so answers stay comparable."""
    require_draft(survey)
    before, after = apply_wording(item, prompt, help, option_labels, item_labels)
    _log(survey, f"Wortlaut der Frage „{item.prompt}“ geändert", before=before, after=after)
    db.session.flush()


def apply_wording(
    item: SurveyItem, prompt: str, help: str = "",
    option_labels: dict[str, str] | None = None, item_labels: dict[str, str] | None = None,
) -> tuple[dict, dict]:
    """Store a new wording of `item` (empty labels keep theirs), keeping the catalogue wording in
    `original` and `modified` set while they differ; returns the changed parts (before, after).
    Shared by `reword` (drafts) and `corrections.correct` (open surveys), which each record it."""
    prompt = prompt.strip()
    if not prompt:
        raise SurveyError("Der Fragetext darf nicht leer sein.")
    definition = copy.deepcopy(item.definition)
    original = definition.pop("original", None) or _wording(definition)
    definition["prompt"] = prompt
    definition["help"] = help.strip()
    for name, labels in (("options", option_labels or {}), ("items", item_labels or {})):
        for option in definition.get(name, []):
            label = (labels.get(option["code"]) or "").strip()
            if label:
                option["label"] = label
    if _wording(definition) != original:
        definition["original"] = original
    before = _wording(item.definition)
    item.definition = definition  # a new dict, so the JSON column sees the change
    item.prompt = prompt
    item.modified = item.catalogue_version is not None and "original" in definition
    db.session.flush()
    return audit.changed_fields(before, _wording(definition))


def reset_wording(survey: Survey, item: SurveyItem) -> None:
    """Go back to the catalogue wording the item was copied with."""
    require_draft(survey)
    definition = copy.deepcopy(item.definition)
    original = definition.pop("original", None)
    if original:
        added = set(definition.get("added") or ())
        definition.update(original)
        definition["options"] += [o for o in item.definition.get("options", []) if o["code"] in added]
    item.definition = definition
    item.prompt = definition["prompt"]
    item.modified = False
    _log(survey, f"Wortlaut der Frage „{item.prompt}“ auf den Katalog zurückgesetzt")
    db.session.flush()


# --- own questions --------------------------------------------------------------------------------


def option_code(label: str) -> str:
    text = label.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40].strip("_")


# An own Likert question's scale when the catalogue has no `zustimmung_5` list.
ZUSTIMMUNG_5 = (
    Option("trifft_gar_nicht_zu", "Trifft gar nicht zu"),
    Option("trifft_eher_nicht_zu", "Trifft eher nicht zu"),
    Option("teils_teils", "Teils, teils"),
    Option("trifft_eher_zu", "Trifft eher zu"),
    Option("trifft_voll_zu", "Trifft voll zu"),
)


def agreement_scale(catalogue: Catalogue) -> tuple[Option, ...]:
    """The catalogue's `zustimmung_5` list (lists.toml), the scale of an own Likert question."""
    return catalogue.lists.get("zustimmung_5") or ZUSTIMMUNG_5


def options_from_lines(text: str) -> tuple[Option, ...]:
    """One option per non-empty line; codes derived from the labels, made unique."""
    options: list[Option] = []
    seen: set[str] = set()
    for number, line in enumerate((line.strip() for line in text.splitlines() if line.strip()), start=1):
        code = option_code(line) or f"option_{number}"
        if code == "other":
            code = "sonstiges"
        base, suffix = code, 2
        while code in seen:
            code = f"{base}_{suffix}"
            suffix += 1
        seen.add(code)
        options.append(Option(code, line))
    return tuple(options)


def next_own_key(survey: Survey) -> str:
    numbers = [
        int(item.key.split(".", 1)[1]) for item in survey.items
        if item.key.startswith(OWN_PREFIX + ".") and item.key.split(".", 1)[1].isdigit()
    ]
    return f"{OWN_PREFIX}.{max(numbers, default=0) + 1}"


def add_own_question(
    survey: Survey, kind: str, prompt: str, *, help: str = "", options: tuple[Option, ...] = (),
    minimum: float | None = None, maximum: float | None = None, integer: bool = True, required: bool = False,
    page: SurveyPage | None = None,
) -> SurveyItem:
    """Add a planner's own question with the survey-local key `eigene.<n>` (no catalogue version)."""
    require_draft(survey)
    if kind not in own_kinds():
        raise SurveyError("Diese Art von Frage kann nicht als eigene Frage angelegt werden.")
    prompt = prompt.strip()
    if not prompt:
        raise SurveyError("Bitte geben Sie den Fragetext ein.")
    question = Question(
        key=next_own_key(survey), kind=kind, prompt=prompt, version=1, module=OWN_PREFIX, section="Eigene Fragen",
        help=help.strip(), required=required,
        options=options if KINDS[kind].needs_options else (),
        minimum=minimum if KINDS[kind].family == NUMBER else None,
        maximum=maximum if KINDS[kind].family == NUMBER else None,
        integer=integer if KINDS[kind].family == NUMBER and not KINDS[kind].years else True,
    )
    problems = KINDS[kind].check_definition(question)
    if problems:
        raise SurveyError("Die Frage ist so nicht vollständig: " + "; ".join(problems))
    return add_question(survey, question, page, own=True)


# --- templates and copies ----------------------------------------------------------------------------


def create_from_template(
    kommune: Kommune, creator: User | None, template: SurveyTemplate, catalogue: Catalogue,
    title: str = "", **settings: object,
) -> Survey:
    """A new draft with the template's pages and questions."""
    survey = create_survey(kommune, creator, title.strip() or template.title, **settings)
    survey.confidential = template.confidential
    for number, (page_title, keys) in enumerate(template.pages):
        if number == 0:
            page = survey.pages[0]
            page.title = page_title or page.title
        else:
            page = add_page(survey, page_title)
        add_questions(survey, [q for key in keys if (q := catalogue.get(key)) is not None], catalogue, page)
    return survey


def copy_survey(source: Survey, creator: User | None, title: str | None = None,
                previous: Survey | None = None) -> Survey:
    """A new draft with the same pages, questions (own ones and wording changes included) and settings.

    With `previous` the draft is the next wave of that survey (`previous_id`); a plain copy has none.
    """
    today = dt.datetime.now(fmt.BERLIN).date()
    survey = Survey(
        kommune_id=source.kommune_id, title=(title or f"Kopie von {source.title}").strip()[:300],
        created_by_id=creator.id if creator else None,
        previous_id=previous.id if previous is not None else None,
        invitation_subject=source.invitation_subject if previous is not None else "",
        invitation_text=source.invitation_text if previous is not None else "",
        reminder_subject=source.reminder_subject if previous is not None else "",
        reminder_text=source.reminder_text if previous is not None else "",
        remind_days_before=source.remind_days_before if previous is not None else None,
        introduction=source.introduction, privacy_notice=source.privacy_notice,
        contact_name=source.contact_name, contact_email=source.contact_email, contact_phone=source.contact_phone,
        # A deadline that has passed belongs to the old survey; the copy needs a new one.
        deadline=source.deadline if source.deadline and source.deadline >= today else None,
        district_scope=list(source.district_scope or []),
        # A copy keeps the promise its texts make; sharing rows with analysts is decided anew.
        confidential=source.confidential,
    )
    db.session.add(survey)
    position = 0
    for page, items in _layout(source):
        new_page = SurveyPage(position=page.position, title=page.title)
        survey.pages.append(new_page)
        for item in items:
            survey.items.append(SurveyItem(
                page=new_page, position=position, key=item.key, kind=item.kind,
                catalogue_version=item.catalogue_version, prompt=item.prompt, required=item.required,
                modified=item.modified, definition=copy.deepcopy(item.definition),
            ))
            position += 1
    db.session.flush()
    kind = "Folgebefragung" if previous is not None else "Kopie"
    _log(survey, f"Befragung „{survey.title}“ angelegt ({kind} von „{source.title}“)", "survey.created")
    return survey


# --- checks, opening, closing --------------------------------------------------------------------------


def condition_problems(survey: Survey) -> list[str]:
    """Conditions that cannot work as arranged: a question they depend on is missing or comes later,
    or an answer they name is not (or no longer) offered by it."""
    order = {item.key: n for n, item in enumerate(ordered_items(survey))}
    by_key = {item.key: item for item in survey.items}
    problems = []
    for item in ordered_items(survey):
        condition = condition_from_plain(item.definition.get("condition"))
        for target in condition.questions if condition else ():
            if target not in order:
                problems.append(f"„{item.prompt}“ wird nur abhängig von einer Frage gezeigt, die nicht in der "
                                "Befragung ist; so würde sie nie angezeigt. Fügen Sie die Frage hinzu oder ändern "
                                "Sie die Bedingung.")
            elif order[target] > order[item.key]:
                problems.append(f"„{item.prompt}“ hängt von der Antwort auf „{by_key[target].prompt}“ ab und muss "
                                "danach kommen. Verschieben Sie sie nach unten.")
        for target, codes in condition_refs(item.to_question()) if condition else ():
            if target not in by_key:
                continue
            question = by_key[target].to_question(survey.district_options())
            missing = [code for code in codes if code not in offered_codes(question)]
            if missing:
                names = ", ".join(f"„{question.option_label(code)}“" for code in missing)
                problems.append(f"Die Bedingung von „{item.prompt}“ nennt bei „{question.prompt}“ {names}; diese "
                                "Antwort wird dort nicht (mehr) angeboten. Bitte ändern Sie die Bedingung.")
    return problems


def condition_text(condition: Condition, items: dict[str, SurveyItem], catalogue: Catalogue) -> str:
    """"Nur wenn „…“ mit „Ja“ beantwortet ist": a condition as the builder and the paper form say it
    (the questions it names as the survey has them, else as the catalogue has them)."""
    def question(key: str) -> Question | None:
        item = items.get(key)
        return item.to_question() if item is not None else catalogue.get(key)

    return describe(condition, question)


def condition_texts(survey: Survey, catalogue: Catalogue) -> dict[str, str]:
    """item key -> "Nur wenn „…“ mit „Ja“ beantwortet ist" for the items that have a condition."""
    by_key = {item.key: item for item in survey.items}
    texts = {}
    for item in survey.items:
        condition = condition_from_plain(item.definition.get("condition"))
        if condition:
            texts[item.key] = condition_text(condition, by_key, catalogue)
    return texts


def newer_in_catalogue(survey: Survey, catalogue: Catalogue) -> dict[int, int]:
    """item id -> catalogue version, for items copied from an older version of their question."""
    newer = {}
    for item in survey.items:
        question = catalogue.get(item.key)
        if item.catalogue_version is not None and question is not None and question.version > item.catalogue_version:
            newer[item.id] = question.version
    return newer


PRIVACY_MISSING = ("Die Befragung hat noch keinen Hinweis zum Datenschutz. Ohne ihn erfahren die Antwortenden nicht, "
                   "wer ihre Angaben sieht und wie lange sie gespeichert werden. Bitte ergänzen Sie ihn unter "
                   "„Angaben bearbeiten“, bevor Sie die Befragung öffnen.")


def opening_refusals(survey: Survey) -> list[str]:
    """Why the survey cannot be opened yet (German, one sentence group each); empty when it can."""
    refusals = []
    if not any(KINDS[item.kind].answerable for item in survey.items):
        refusals.append("Die Befragung braucht mindestens eine Frage, bevor sie geöffnet werden kann.")
    problems = condition_problems(survey)
    if problems:
        refusals.append("Die Befragung kann so noch nicht geöffnet werden: " + " ".join(problems))
    if not (survey.privacy_notice or "").strip():
        refusals.append(PRIVACY_MISSING)
    # The Kommune's privacy template leaves [Stellen] to complete.
    gaps = open_placeholders(survey.privacy_notice or "")
    if gaps:
        refusals.append("Im Hinweis zum Datenschutz sind noch Stellen offen: " + ", ".join(gaps)
                        + ". Bitte ergänzen Sie sie unter „Angaben bearbeiten“, bevor Sie die Befragung öffnen.")
    return refusals


def open_survey(survey: Survey) -> None:
    """Open the survey for answers; from now on its questions are frozen."""
    require_draft(survey)
    refusals = opening_refusals(survey)
    if refusals:
        raise SurveyError(refusals[0])
    left = sa.select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.test.is_(True)).limit(1)
    if db.session.scalar(left) is not None:  # services/test_run.discard comes first, with its confirmation
        raise SurveyError("Der Probelauf ist noch nicht verworfen; öffnen Sie die Befragung über die Bestätigung, "
                          "die die Test-Antworten löscht.")
    survey.state = SurveyState.OPEN
    survey.opened_at = utc_now()
    _log(survey, f"Befragung „{survey.title}“ gestartet", "survey.opened")
    db.session.flush()


def close_survey(survey: Survey, now: dt.datetime | None = None, automatic: bool = False) -> None:
    """Close an open survey (`automatic`: at its deadline, by the worker). `closed_at` is set by every
    closing: the retention of contact data (services/retention.py) counts from the last one, so a
    survey opened again starts the clock anew."""
    if survey.state is not SurveyState.OPEN:
        raise SurveyError("Nur eine offene Befragung kann abgeschlossen werden.")
    survey.state = SurveyState.CLOSED
    survey.closed_at = now or utc_now()
    deadline = fmt.date(survey.deadline) if survey.deadline else ""
    _log(survey, f"Befragung „{survey.title}“ automatisch beendet: die Frist ({deadline}) ist abgelaufen"
         if automatic else f"Befragung „{survey.title}“ beendet", "survey.closed")
    db.session.flush()
