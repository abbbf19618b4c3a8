"""The respondent's side: /r/<token>, answered page by page over as many sittings as needed.

These pages are exempt from the session-based CSRF check. The respondent's credential is the
token in the URL, not a cookie, so a forged cross-site post cannot act as the respondent; and a
session-bound CSRF token would expire under a respondent who left the tab open overnight and
cost them their input. For the same reason nothing here depends on the session cookie: messages
after a redirect travel in the query string, not in flashed session data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from questionnaires import formatting as fmt
from questionnaires.kinds import ENTRY_MAX, KINDS, field_name
from questionnaires.model import Question

from ..extensions import csrf, db
from ..models import Invitation, InvitationStatus, Response, SurveyState
from ..services import behalf, corrections, outbox, partner_matching, rosters
from ..services import delegation as delegation_service
from ..services import follow_up as follow_up_service
from ..services import responses as response_service
from ..services import waves as wave_service
from ..services.invitations import (
    find_by_token,
)
from ..services.survey_pages import answering_minutes, pages_with_questions
from . import behalf as behalf_views
from .access import planner_required

bp = Blueprint("respond", __name__, url_prefix="/r")
csrf.exempt(bp)

# Planner-only actions on a response; a separate blueprint so the planner's CSRF check applies.
admin_bp = Blueprint("respond_admin", __name__, url_prefix="/r-admin")

NAV_ACTIONS = ("back", "save", "next", "review", "confirm")


def _invitation_or_page(token: str) -> tuple[Invitation | None, object | None]:
    """The invitation, or the German page to show instead (unknown link, closed survey, a draft
    unless the invitation is a test invitation of its Probelauf).

    A save that arrives after the survey was closed or the invitation withdrawn stores nothing,
    but its page shows every answer that was posted, so the respondent can copy it: nothing typed
    vanishes. (Autosave gets the same message as JSON; the page keeps its fields.)
    """
    invitation = behalf_views.invitation_of(token) or find_by_token(token)  # a planner's door, else the link
    posted = request.method == "POST"
    if invitation is None:
        passed_on = delegation_service.passed_on_from(token)
        if request.form.get("_autosave") == "1":
            return None, (jsonify(ok=False, closed=True,
                                  message=NOT_STORED_PASSED_ON if passed_on else NOT_STORED_LINK), 410)
        if passed_on is not None:
            return None, _passed_on_page(passed_on, _kept_answers(passed_on.invitation.survey) if posted else None)
        withdrawn = _withdrawn(token) if posted else None
        kept = _kept_answers(withdrawn.survey if withdrawn else None) if posted else None
        return None, (render_template("respond/unknown.html", kept=kept), 404)
    survey = invitation.survey
    # A test invitation of the Probelauf works while the survey is a draft (services/test_run.py).
    if survey.state is not SurveyState.OPEN and not (invitation.test and survey.state is SurveyState.DRAFT):
        submitted = invitation.submitted_at is not None
        if not submitted or survey.state is SurveyState.DRAFT:
            if request.form.get("_autosave") == "1":
                return None, (jsonify(ok=False, closed=True, message=NOT_STORED_CLOSED), 410)
            submitting = posted and request.endpoint == "respond.review"
            if submitting:  # the answers to submit are the saved draft: shown so they can be copied
                response = _existing_response(invitation)
                kept = _kept_answers(survey, response.draft if response else {})
            else:
                kept = _kept_answers(survey) if posted else None
            return None, (render_template("respond/closed.html", survey=survey, kept=kept, submitting=submitting),
                          410 if survey.state is SurveyState.CLOSED else 404)
    return invitation, None


NOT_STORED_CLOSED = ("Nicht gespeichert: Die Befragung ist inzwischen beendet. Ihre Eingaben stehen noch im Formular; "
                     "kopieren Sie sie, bevor Sie die Seite verlassen.")
NOT_STORED_LINK = ("Nicht gespeichert: Dieser Link gilt nicht mehr. Ihre Eingaben stehen noch im Formular; "
                   "kopieren Sie sie, bevor Sie die Seite verlassen.")


NOT_STORED_PASSED_ON = ("Nicht gespeichert: Die Befragung wurde weitergegeben, dieser Link gilt nicht mehr. Ihre "
                        "Eingaben stehen noch im Formular; kopieren Sie sie, bevor Sie die Seite verlassen.")


def _passed_on_page(delegation, kept: list[tuple[str, str]] | None = None):
    """The old link of a survey passed on: to whom (name, masked address) and when; no answers."""
    invitation = delegation.invitation
    return render_template("respond/passed_on.html", delegation=delegation, survey=invitation.survey,
                           invitation=invitation, masked=delegation_service.mask_address(delegation.to_email),
                           just=request.args.get("weitergegeben") == "1", kept=kept), 410


def _withdrawn(token: str) -> Invitation | None:
    """The invitation of a link that was withdrawn (its answers are no longer taken)."""
    from ..models import InvitationStatus
    from ..services.tokens import hash_token

    invitation = db.session.scalar(db.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    return invitation if invitation is not None and invitation.status is InvitationStatus.WITHDRAWN else None


def _kept_answers(survey=None, source: dict[str, list[str]] | None = None) -> list[tuple[str, str]]:
    """The answers a refused save posted (or `source`, a draft), as (question, text) in the order of
    the form, so they can be copied. Codes of choices read as their labels when the survey is known."""
    form = request.form.to_dict(flat=False) if source is None else source
    questions = {}
    if survey is not None:
        for q in survey.questions():
            questions[q.key] = q
    kept: list[tuple[str, str]] = []
    for name, raw in form.items():
        if name.startswith("_"):
            continue
        values = [v.strip() for v in raw if isinstance(v, str) and v.strip()]
        if not values:
            continue
        key, _, rest = name.partition("/")
        q = questions.get(key)
        label = q.prompt if q else name
        if q is not None and rest:
            part = rest.rsplit("/", 1)[-1]
            sub = next((f.prompt for f in q.fields if field_name(f) == part), None)
            row = next((o.label for o in q.items if o.code == part), None)
            label = f"{label} – {sub or row or ('Sonstiges' if part == 'other' else part)}"  # prompts end with ?
        shown = [q.option_label(v) if q is not None and q.options and not rest else v for v in values]
        kept.append((label, "; ".join(shown)))
    return kept


def _pages(invitation: Invitation):
    return pages_with_questions(invitation.survey)


RACE_RETRIES = 4


def retried(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a respondent view again, on fresh data, when a concurrent request won a race.

    Two tabs (or colleagues sharing a link) saving at the same moment: the later UPDATE of the
    response carries the revision it read and matches no row (StaleDataError), so it is rolled back
    and the whole request is handled again against the saved state (a save of another page then
    keeps both pages; the same page from a stale tab shows the conflict). A double first start
    hits the unique invitation id (IntegrityError) and finds the response on the second run; a
    double submit finds it submitted and queues no second confirmation. Respondent views keep no
    state outside the database session (the "saved" note travels in the URL), so a rerun is safe.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(RACE_RETRIES):
            try:
                return view(*args, **kwargs)
            except (StaleDataError, IntegrityError):
                db.session.rollback()
                if attempt == RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    return wrapped


def _existing_response(invitation: Invitation) -> Response | None:
    return db.session.query(Response).filter_by(invitation_id=invitation.id).one_or_none()


def _posted() -> dict[str, list[str]]:
    return request.form.to_dict(flat=False)


def _cut_fields() -> dict[str, int]:
    """Fields the request reader cut off (name → characters received; see survey/request.py)."""
    return dict(getattr(request, "cut_fields", None) or {})


@bp.route("/<token>")
@behalf_views.door  # also a planner's URL: answers entered on behalf
def welcome(token: str):
    invitation, page = _invitation_or_page(token)
    if invitation is None:  # the page to show instead
        return page
    if _submitted(invitation):
        return redirect(url_for("respond.done", token=token))
    return _welcome_page(invitation, token)


def _submitted(invitation: Invitation) -> bool:
    response = _existing_response(invitation)
    return response is not None and response.is_submitted


def _welcome_page(invitation: Invitation, token: str, colleague: delegation_service.Colleague | None = None,
                  problems: dict[str, str] | None = None) -> str:
    response = _existing_response(invitation)
    pages = _pages(invitation)
    question_count = sum(1 for _p, qs in pages for q in qs if KINDS[q.kind].answerable)
    resume = None
    if response and response.saved_at:
        resume = min(response.current_page, len(pages) - 1) + 1
    return render_template("respond/welcome.html", invitation=invitation, survey=invitation.survey,
                           token=token, response=response, question_count=question_count,
                           page_count=len(pages), resume=resume, minutes=answering_minutes(pages),
                           link_state=request.args.get("link"), wait=request.args.get("warten", type=int),
                           declined=invitation.status is InvitationStatus.DECLINED,
                           just_declined=request.args.get("abgesagt") == "1",
                           can_decline=invitation.status in follow_up_service.DECLINE_FROM,
                           can_pass_on=invitation.status not in delegation_service.NOT_FROM,
                           colleague=colleague or delegation_service.Colleague(), pass_on_problems=problems or {},
                           note_max=delegation_service.NOTE_MAX, name_max=delegation_service.NAME_MAX)


@bp.route("/<token>/weitergeben", methods=["POST"])
def pass_on(token: str):
    """"An eine Kollegin/einen Kollegen weitergeben": a new link for the colleague, this one then says where it went."""
    invitation, page = _invitation_or_page(token)
    if invitation is None:  # the page to show instead
        return page
    if _submitted(invitation):
        return redirect(url_for("respond.done", token=token))
    colleague = delegation_service.Colleague(name=request.form.get("name", ""), email=request.form.get("email", ""),
                                             note=request.form.get("note", ""), sender=request.form.get("sender", ""))
    typed = delegation_service.Colleague(colleague.name, colleague.email, colleague.note, colleague.sender)
    try:
        delegation_service.pass_on(invitation, colleague)
    except delegation_service.DelegationError as error:  # raised before anything changed: shown with the input
        return _welcome_page(invitation, token, typed, error.problems), 422
    db.session.commit()
    return redirect(url_for("respond.welcome", token=token, weitergegeben=1) + "#weitergegeben")


DECLINE_REASON_MAX = 1000


@bp.route("/<token>/absagen", methods=["GET", "POST"])
def decline(token: str):
    """"Ich möchte nicht teilnehmen": a confirmation page that says what follows, then "nimmt nicht teil"."""
    invitation, page = _invitation_or_page(token)
    if invitation is None:  # the page to show instead
        return page
    if invitation.status is InvitationStatus.SUBMITTED:
        return redirect(url_for("respond.done", token=token))
    if invitation.status is InvitationStatus.DECLINED:
        return redirect(url_for("respond.welcome", token=token) + "#abgesagt")
    reason = request.form.get("reason", "")
    error = ""
    if request.method == "POST":
        if len(reason.strip()) > DECLINE_REASON_MAX:
            error = (f"Der Grund ist mit {fmt.number(len(reason.strip()))} Zeichen zu lang: höchstens "
                     f"{fmt.number(DECLINE_REASON_MAX)} Zeichen. Bitte kürzen Sie ihn; nichts ist gespeichert.")
        else:
            note = "Über den persönlichen Link abgesagt." + (f" Grund: {reason.strip()}" if reason.strip() else "")
            follow_up_service.mark_declined(invitation, note)
            db.session.commit()
            return redirect(url_for("respond.welcome", token=token, abgesagt=1) + "#abgesagt")
    return render_template("respond/decline.html", invitation=invitation, survey=invitation.survey, token=token,
                           reason=reason, error=error, limit=DECLINE_REASON_MAX), 422 if error else 200


@bp.route("/<token>/start", methods=["POST"])
@retried
def start(token: str):
    invitation, page = _invitation_or_page(token)
    if invitation is None:  # the page to show instead
        return page
    response = response_service.start(invitation)
    db.session.commit()
    last = max(len(_pages(invitation)), 1)
    return redirect(url_for("respond.page", token=token, number=min(response.current_page + 1, last)))


@bp.route("/<token>/link", methods=["POST"])
def send_link(token: str):
    """Mail the link again, to the invited address only, at most once per ten minutes."""
    invitation, page = _invitation_or_page(token)
    if invitation is None:  # the page to show instead
        return page
    wait = response_service.send_link(invitation, token)
    db.session.commit()
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return redirect(url_for("respond.welcome", token=token, link="warten", warten=minutes) + "#link")
    return redirect(url_for("respond.welcome", token=token, link="gesendet") + "#link")


def _destination(action: str, number: int, page_count: int) -> int:
    """The page index the respondent continues on after `action` (also where they resume)."""
    if action in ("next", "confirm") and number < page_count:
        return number
    if action == "back" and number > 1:
        return number - 2
    return number - 1


def _open_response(token: str):
    """The invitation and its started response, or the page to show instead: the German page for an
    unknown link or a closed survey, or for a submitted response its confirmation (JSON for autosave)."""
    invitation, error_page = _invitation_or_page(token)
    if invitation is None:
        return None, None, error_page
    response = response_service.start(invitation)
    if response.is_submitted:
        db.session.commit()
        if request.form.get("_autosave"):
            done = jsonify(ok=False, submitted=True, message="Ihre Antworten sind bereits abgeschickt.")
            return None, None, (done, 409)
        return None, None, redirect(url_for("respond.done", token=token))
    return invitation, response, None


@bp.route("/<token>/seite/<int:number>", methods=["GET", "POST"])
@behalf_views.door  # also a planner's URL: answers entered on behalf
@retried
def page(token: str, number: int):
    invitation, response, other_page = _open_response(token)
    if other_page:
        return other_page
    pages = _pages(invitation)
    if not 1 <= number <= len(pages):
        abort(404)
    survey_page, questions = pages[number - 1]
    raw = response.draft
    conflict = None
    refused: dict[str, str] = {}
    picks: dict[str, list[str]] = {}
    if request.args.get("partner") and request.args.get("name"):  # after "Im Verzeichnis suchen": still typed
        picks[f"_new/{request.args['partner']}"] = [request.args["name"][:ENTRY_MAX]]
    if request.method == "POST":
        posted = _posted()
        action = request.form.get("_action", "save")
        autosave = request.form.get("_autosave") == "1"
        result = response_service.save_page(
            response, questions, posted, number - 1, request.form.get("_revision", type=int),
            force=request.form.get("_force") == "1",
            resume_page=_destination(action, number, len(pages)) if action in NAV_ACTIONS else number - 1,
            base=request.form.get("_base"), cut=_cut_fields(),
        )
        if autosave:
            return _autosave_reply(response, result, response_service.page_fingerprint(response.draft, questions))
        if result.conflict:
            conflict = result.differences
            raw = {**response.draft, **response_service.page_fields(posted, questions)}
            picks = {k: v for k, v in posted.items() if k.startswith(("_pick/", "_new/"))}
        else:
            added = _add_partners(response, questions, posted, number - 1, action)
            too_long = _too_long_partner_names(questions, posted)
            if too_long:  # a typed partner name over its limit: not added, shown back in its field
                result.refused.update(too_long)
                picks = {k: v for k, v in posted.items() if k.startswith("_new/")}
            if action == "confirm" and not result.refused:  # "Seite unverändert bestätigen": saved as shown, then on
                response_service.confirm_page(response, questions, number)
                action = "next" if number < len(pages) else "review"
            db.session.commit()
            if not result.refused:
                return _after_save(token, number, len(pages), questions, response, action, result.errors, added)
            # What fits is saved; the fields over their limit come back as typed, with the limit,
            # and the respondent stays on the page (no step away from the text to shorten).
            refused = result.refused
            raw = {**response.draft, **result.refused_fields}
    db.session.commit()
    shown = response_service.shown_questions(questions, raw)
    errors = response_service.parse(shown, raw).errors
    errors.update(response_service.too_many_entries(shown, raw))
    errors.update(refused)
    return render_template(
        "respond/page.html", invitation=invitation, survey=invitation.survey, token=token, response=response,
        page=survey_page, number=number, page_count=len(pages), questions=questions,
        shown_keys={q.key for q in shown}, raw=raw, errors=errors, conflict=conflict, picks=picks,
        saved=request.args.get("gespeichert") is not None, notice=request.args.get("hinweis", ""),
        rosters=_rosters(invitation, questions, raw, token),
        base=response_service.page_fingerprint(response.draft, questions),
        prefill=wave_service.prefill_info(response.draft), refused=refused,
        corrected=corrections.notes_for(invitation.survey, response),
    ), 409 if conflict is not None else 422 if refused else 200


def _autosave_reply(response: Response, result: response_service.SaveResult, base: str = ""):
    if result.conflict:
        db.session.rollback()
        return jsonify(ok=False, conflict=True, message=(
            "Nicht automatisch gespeichert: Diese Seite wurde inzwischen in einem anderen Fenster geändert. "
            "Klicken Sie auf „Zwischenspeichern“, um beide Fassungen zu vergleichen.")), 409
    db.session.commit()
    time = fmt.time(response.saved_at)
    if result.refused:
        first = next(iter(result.refused.values()))
        return jsonify(ok=True, revision=response.revision, base=base, time=time, refused=list(result.refused),
                       message=f"Automatisch gespeichert um {time}, außer "
                               f"{fmt.counted(len(result.refused), 'Angabe', 'Angaben')} über der "
                               f"Höchstlänge ({first.removeprefix('Nicht gespeichert: ')}). Bitte kürzen.")
    return jsonify(ok=True, revision=response.revision, base=base, time=time,
                   message=f"Automatisch gespeichert um {time}.")


def _too_long_partner_names(questions: list[Question], posted: dict[str, list[str]]) -> dict[str, str]:
    """Rosters whose typed new partner name is over the name's limit (message per roster)."""
    too_long = {}
    for q in questions:
        if KINDS[q.kind].partners:
            longest = max((len(t.strip()) for t in posted.get(f"_new/{q.key}", [])), default=0)
            if longest > ENTRY_MAX:
                too_long[q.key] = (f"Nicht hinzugefügt: Bitte für den Namen höchstens {fmt.number(ENTRY_MAX)} Zeichen "
                                   f"eingeben (jetzt: {fmt.number(longest)} Zeichen).")
    return too_long


def _add_partners(response: Response, questions: list[Question], posted: dict[str, list[str]],
                  page_index: int, action: str = "") -> int:
    """Add the partners picked from the list or typed in (names within their limit), for every roster on the page.

    "Im Verzeichnis suchen" (`match:<key>`) adds no typed name of that roster: its suggestions come first;
    a suggestion chosen (`choose:<key>:<code>`) is added instead of the typed name."""
    verb, _, rest = action.partition(":")
    action_key, _, action_code = rest.partition(":")
    added = 0
    for q in questions:
        if not KINDS[q.kind].partners:
            continue
        names = {a.code: a.name for a in response_service.actors_of(response.invitation.survey.kommune_id)}
        codes = [c for c in posted.get(f"_pick/{q.key}", []) if c in names]
        typed = [t.strip() for t in posted.get(f"_new/{q.key}", []) if t.strip() and len(t.strip()) <= ENTRY_MAX]
        if verb in ("match", "choose") and action_key == q.key:
            typed = []
            if verb == "choose" and action_code in names and action_code not in codes:
                codes.append(action_code)
        added += response_service.add_partners(response, q, [(c, names[c]) for c in codes] + [("", t) for t in typed],
                                                page_index)
    return added


def _after_save(token: str, number: int, page_count: int, questions: list[Question], response: Response,
                action: str, errors: dict[str, str], added: int):
    here = url_for("respond.page", token=token, number=number)
    if action.startswith(("add:", "edit:", "dup:", "del:", "filter:", "pick:", "keep:", "end:", "match:",
                          "choose:")):
        return _entry_action(token, number, questions, response, action, added)
    if errors and action in ("next", "review"):
        return redirect(url_for("respond.page", token=token, number=number, hinweis="pruefen") + "#fehler")
    if action == "next" and number < page_count:
        return redirect(url_for("respond.page", token=token, number=number + 1))
    if action == "back" and number > 1:
        return redirect(url_for("respond.page", token=token, number=number - 1))
    if action in ("next", "review"):
        return redirect(url_for("respond.review", token=token))
    return redirect(here + "?gespeichert=1#gespeichert" if not errors else here + "?gespeichert=1#fehler")


def _entry_action(token: str, number: int, questions: list[Question], response: Response, action: str, added: int):
    """Buttons of the entry lists: the page was saved first, so nothing typed on it is lost."""
    verb, _, rest = action.partition(":")
    key, _, index = rest.partition(":")
    question = next((q for q in questions if q.key == key and response_service.has_entries(q)), None)
    if question is None:
        abort(400)
    if verb == "match":  # the register's suggestions for the typed name, which stays in its field
        typed = " ".join(request.form.get(f"_new/{key}", "").split())[:ENTRY_MAX]
        return redirect(url_for("respond.page", token=token, number=number, partner=key, name=typed)
                        + f"#{_anchor(key)}-vorschlaege")
    if verb == "choose":
        verb = "pick"
    if verb == "filter":
        args: dict[str, Any] = {k: request.form.get(f"_{k}/{key}", "").strip()[:200]
                                for k in ("suche", "sektor", "stadtteil")}
        return redirect(url_for("respond.page", token=token, number=number, **{k: v for k, v in args.items() if v})
                        + f"#{_anchor(key)}-auswahl")
    if verb == "pick":
        hint = "partner" if added else "keinpartner"
        return redirect(url_for("respond.page", token=token, number=number, hinweis=hint) + f"#{_anchor(key)}")
    if verb == "add":
        new = response_service.next_entry_number(response.draft, question)
        return redirect(url_for("respond.entry", token=token, number=number, key=key, index=new))
    if not index.isdigit():
        abort(400)
    entry_index = int(index)
    if verb == "edit":
        return redirect(url_for("respond.entry", token=token, number=number, key=key, index=entry_index))
    if verb in ("keep", "end"):  # a pre-filled entry: unchanged, or ended
        response_service.confirm_entry(response, question, entry_index, number - 1, ended=verb == "end")
        db.session.commit()
        return redirect(url_for("respond.page", token=token, number=number, hinweis=f"eintrag-{verb}")
                        + f"#{_anchor(key)}-{entry_index}")
    if verb == "dup":
        copy = response_service.duplicate_entry(response, question, entry_index, number - 1)
        db.session.commit()
        return redirect(url_for("respond.entry", token=token, number=number, key=key, index=copy, kopie=1))
    return redirect(url_for("respond.remove_entry", token=token, number=number, key=key, index=entry_index))


def _anchor(key: str) -> str:
    from ..question_types import dom_id

    return dom_id(key)


def _rosters(invitation: Invitation, questions: list[Question], raw, token: str) -> dict[str, dict]:
    """For each partner roster on the page: the Kommune's actors, filtered as asked (server side), the
    URL of the as-you-type register search (not through a planner's door), and after "Im Verzeichnis
    suchen" the register's suggestions for the typed name."""
    found = rosters.rosters(
        invitation.survey.kommune, questions, current_app.extensions["catalogue"],
        exclude_actor_id=invitation.actor_id, search=request.args.get("suche", "").strip(),
        sector=request.args.get("sektor", "").strip(), district=request.args.get("stadtteil", "").strip(), raw=raw)
    door = behalf_views.current_door()
    for key, info in found.items():
        info["search_url"] = "" if door else url_for("partner_search.search", token=token, frage=key)
    key, name = request.args.get("partner", ""), " ".join(request.args.get("name", "").split())[:ENTRY_MAX]
    if key in found and name:
        found[key]["match_name"] = name
        found[key]["suggestions"] = partner_matching.respondent_suggestions(invitation, name)
    return found


def _entry_question(invitation: Invitation, number: int, key: str):
    pages = _pages(invitation)
    if not 1 <= number <= len(pages):
        abort(404)
    survey_page, questions = pages[number - 1]
    question = next((q for q in questions if q.key == key and response_service.has_entries(q)), None)
    if question is None:
        abort(404)
    return pages, survey_page, question


@bp.route("/<token>/seite/<int:number>/eintrag/<key>/<int:index>", methods=["GET", "POST"])
@behalf_views.door  # also a planner's URL: answers entered on behalf
@retried
def entry(token: str, number: int, key: str, index: int):
    """One entry of a repeatable group or partner roster, edited on its own (stays quick with 40)."""
    invitation, response, other_page = _open_response(token)
    if other_page:
        return other_page
    pages, survey_page, question = _entry_question(invitation, number, key)
    raw = response.draft
    conflict = None
    refused: dict[str, str] = {}
    numbers = response_service.entry_numbers(raw, question)
    if request.method == "POST":
        posted = _posted()
        result = response_service.save_entry(response, question, index, posted, number - 1,
                                             request.form.get("_revision", type=int),
                                             force=request.form.get("_force") == "1", base=request.form.get("_base"),
                                             cut=_cut_fields())
        if request.form.get("_autosave") == "1":
            return _autosave_reply(response, result,
                                   response_service.entry_fingerprint(response.draft, question, index))
        if result.conflict:
            conflict = result.differences
            raw = {**response.draft, **response_service.entry_fields(posted, question, index)}
        elif result.refused:  # what fits is saved; the rest comes back as typed, with the limit
            db.session.commit()
            refused = result.refused
            raw = {**response.draft, **result.refused_fields}
            numbers = response_service.entry_numbers(response.draft, question)
        else:
            db.session.commit()
            action = request.form.get("_action", "list")
            if action == "another":
                new = response_service.next_entry_number(response.draft, question)
                return redirect(url_for("respond.entry", token=token, number=number, key=key, index=new,
                                        gespeichert=1))
            if action == "save":
                return redirect(url_for("respond.entry", token=token, number=number, key=key, index=index,
                                        gespeichert=1) + ("#fehler" if result.errors else "#gespeichert"))
            return redirect(url_for("respond.page", token=token, number=number, gespeichert=1)
                            + f"#{_anchor(key)}-{index}")
    db.session.commit()
    fields = response_service.entry_fields(raw, question, index)
    errors = response_service.KINDS[question.kind].parse(question, fields, question.key).errors if fields else {}
    errors.update(refused)
    position = numbers.index(index) + 1 if index in numbers else len(numbers) + 1
    full = (question.max_entries is not None and index not in numbers and len(numbers) >= question.max_entries)
    return render_template(
        "respond/entry.html", invitation=invitation, survey=invitation.survey, token=token, response=response,
        page=survey_page, number=number, page_count=len(pages), question=question, index=index,
        position=position, is_new=index not in numbers, raw=raw, errors=errors, conflict=conflict,
        saved=request.args.get("gespeichert") is not None, copied=request.args.get("kopie") is not None,
        full=full, base=response_service.entry_fingerprint(response.draft, question, index),
        prefill=wave_service.prefill_info(response.draft),
        prefilled=str(index) in response.draft.get(wave_service.entries_key(key), []),
        unfit=[f for f in question.fields
               if field_name(f) in response.draft.get(wave_service.entry_changed_key(key, index), [])],
        actor_names={a.code: a.name for a in response_service.actors_of(invitation.survey.kommune_id)},
        refused=refused,
    ), 409 if conflict is not None else 422 if refused else 200


@bp.route("/<token>/seite/<int:number>/eintrag/<key>/<int:index>/entfernen", methods=["GET", "POST"])
@behalf_views.door  # also a planner's URL: answers entered on behalf
@retried
def remove_entry(token: str, number: int, key: str, index: int):
    """Ask before removing an entry (works without JavaScript; nothing disappears by a slip)."""
    invitation, response, other_page = _open_response(token)
    if other_page:
        return other_page
    pages, survey_page, question = _entry_question(invitation, number, key)
    if index not in response_service.entry_numbers(response.draft, question):
        db.session.commit()
        return redirect(url_for("respond.page", token=token, number=number) + f"#{_anchor(key)}")
    if request.method == "POST":
        response_service.remove_entry(response, question, index, number - 1)
        db.session.commit()
        return redirect(url_for("respond.page", token=token, number=number, hinweis="entfernt") + f"#{_anchor(key)}")
    db.session.commit()
    from ..question_types import entry_title

    return render_template("respond/remove.html", invitation=invitation, survey=invitation.survey, token=token,
                           response=response, page=survey_page, number=number, question=question, index=index,
                           title=entry_title(question, response.draft, index))


@bp.route("/<token>/pruefen", methods=["GET", "POST"])
@behalf_views.door  # also a planner's URL: answers entered on behalf
@retried
def review(token: str):
    invitation, response, other_page = _open_response(token)
    if other_page:
        return other_page
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = response_service.submit(response)
        if not errors:
            if behalf.confirmation_wanted():  # a planner entering on behalf sends it only if ticked
                _queue_confirmation(invitation, response)
            db.session.commit()
            return redirect(url_for("respond.done", token=token))
    db.session.commit()
    sheet = _answer_sheet(invitation, response)
    pending = {}  # required questions still open, shown before the respondent tries to submit
    for _number, _page, rows in sheet["sheet"]:
        for q, values in rows:
            pending.update(response_service.missing_required([q], values))
    return render_template("respond/review.html", **sheet, token=token, errors=errors, pending=pending,
                           corrected=corrections.notes_for(invitation.survey, response)), 200 if not errors else 422


def _answer_sheet(invitation: Invitation, response: Response) -> dict:
    """Every shown question with its answer as text, grouped by page (for review, confirmation, mail)."""
    sheet = []
    for number, (page, questions) in enumerate(_pages(invitation), start=1):
        shown = response_service.shown_questions(questions, response.draft)
        values = response_service.parse(shown, response.draft).values
        sheet.append((number, page, [(q, values) for q in shown]))
    return {"invitation": invitation, "survey": invitation.survey, "response": response, "sheet": sheet,
            "actor_names": {a.code: a.name for a in response_service.actors_of(invitation.survey.kommune_id)}}


def _queue_confirmation(invitation: Invitation, response: Response) -> None:
    outbox.enqueue(
        "confirmation", invitation.email, "confirmation", reply_to=invitation.survey.contact_email,
        invitation_id=invitation.id, **_answer_sheet(invitation, response),
    )


@bp.route("/<token>/fertig")
@behalf_views.door  # also a planner's URL: answers entered on behalf
def done(token: str):
    invitation, error_page = _invitation_or_page(token)
    if invitation is None:
        return error_page
    response = _existing_response(invitation)
    if response is None or not response.is_submitted:
        return redirect(url_for("respond.welcome", token=token))
    return render_template("respond/done.html", **_answer_sheet(invitation, response), token=token,
                           corrected=corrections.notes_for(invitation.survey, response),
                           confirmation_sent=behalf.confirmation_queued(response))


@admin_bp.route("/<int:invitation_id>/reopen", methods=["POST"])
@planner_required
def reopen(invitation_id: int):
    """Reopen a submitted response on the respondent's request (planner of the same Kommune only)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.survey.kommune_id != current_user.kommune_id:
        abort(404)
    response = _existing_response(invitation)
    back = url_for("invitations.index", survey_id=invitation.survey_id)
    if response is None or not response.is_submitted:
        flash("Diese Antwort ist nicht abgeschickt; sie kann bereits bearbeitet werden.", "info")
        return redirect(back)
    if not invitation.survey.is_open:
        flash("Die Befragung ist abgeschlossen; Antworten können nicht mehr geöffnet werden.", "error")
        return redirect(back)
    response_service.reopen(response)
    db.session.commit()
    who = invitation.organisation or invitation.email
    flash(f"Die Antwort von {who} ist wieder geöffnet. Der bisherige Link gilt weiter.", "success")
    return redirect(back)
