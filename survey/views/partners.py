"""Partner names matched to the register: the planner's page of partners typed by name, with ranked
register suggestions to accept or reject, and the respondent's register search while naming a partner.

The planner's decisions are `PartnerMatch` rows (`services/partner_matching.py`); answers are never
rewritten, the results read them through the decisions. The respondent's search is a JSON endpoint
behind the personal link (token → its Kommune's register only), used by `static/partners.js`; the
same suggestions come without JavaScript from the page's "Im Verzeichnis suchen" button
(`views/respond.py`).
"""

from __future__ import annotations

import time
from collections import deque
from threading import Lock

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS

from ..extensions import csrf, db
from ..services import partner_matching
from ..services.actors import ActorError
from ..services.invitations import find_by_token
from ..services.partner_matching import MatchError
from ..services.results import cache as results_cache
from ..services.results import charts as results_charts
from ..services.results.filters import Filters
from .access import own_survey, planner_required

bp = Blueprint("partners", __name__, url_prefix="/surveys")
respondent_bp = Blueprint("partner_search", __name__, url_prefix="/r")
csrf.exempt(respondent_bp)  # a GET; the token in the URL is the credential (see views/respond.py)


def _figures(survey):
    """The network's key figures as the results page shows them (submitted answers, no filter)."""
    dataset, key = results_cache.dataset_for(survey, False, True)
    filters = Filters()
    view = results_charts.network_view(filters.apply(dataset), (key, filters))
    return view.metrics if view is not None else None


@bp.route("/<int:survey_id>/partner-abgleich")
@planner_required
def index(survey_id: int):
    survey = own_survey(survey_id)
    items = partner_matching.typed_names(survey)
    open_items = partner_matching.unmatched(items)
    return render_template(
        "partners/index.html", survey=survey, open_items=open_items,
        decided=[t for t in items if t.decision is not None], exact=[t for t in items if t.exact is not None
                                                                     and t.decision is None],
        actors=partner_matching.active_actors(survey.kommune_id), figures=_figures(survey),
        has_roster=any(KINDS[q.kind].partners for q in survey.questions()), done=request.args.get("erledigt", ""))


@bp.route("/<int:survey_id>/partner-abgleich", methods=["POST"])
@planner_required
def decide(survey_id: int):
    survey = own_survey(survey_id)
    name = request.form.get("name", "")
    action = request.form.get("_action", "")
    try:
        if action.startswith("accept:") and action[7:].isdigit():
            row = partner_matching.accept(survey, name, int(action[7:]), user=current_user)
            message = f"„{row.raw_name}“ ist jetzt „{row.actor.name}“ zugeordnet." if row.actor else ""
        elif action == "hand":
            actor = partner_matching.register_entry(survey.kommune_id, request.form.get("actor_name", ""))
            row = partner_matching.assign(survey, name, actor.id, user=current_user)
            message = f"„{row.raw_name}“ ist jetzt „{row.actor.name}“ zugeordnet." if row.actor else ""
        elif action == "reject":
            row = partner_matching.reject(survey, name, user=current_user)
            message = f"„{row.raw_name}“ bleibt eine eigene Organisation (nicht im Verzeichnis)."
        elif action == "add":
            row = partner_matching.add_to_register(survey, name, user=current_user)
            message = f"„{row.raw_name}“ ist jetzt im Akteursverzeichnis (Nr. {row.actor_id}) und zugeordnet."
        else:
            abort(400)
    except (MatchError, ActorError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("partners.index", survey_id=survey.id) + "#offen")
    db.session.commit()
    flash(message + " Die Netzwerkzahlen unten sind neu berechnet.", "success")
    return redirect(url_for("partners.index", survey_id=survey.id))


@bp.route("/<int:survey_id>/partner-abgleich/<int:match_id>/aufheben", methods=["POST"])
@planner_required
def undo(survey_id: int, match_id: int):
    survey = own_survey(survey_id)
    try:
        name = partner_matching.undo(survey, match_id)
    except MatchError:
        abort(404)  # none of this Kommune (or taken back already): no hint that it exists
    db.session.commit()
    flash(f"Die Zuordnung von „{name}“ ist aufgehoben; der Name steht wieder unter „Offen“.", "success")
    return redirect(url_for("partners.index", survey_id=survey.id))


# --- the respondent's search (as-you-type) ---------------------------------------------------------

# Per personal link at most SEARCHES_PER_MINUTE searches (per app process): typing sends one request
# per pause, a script hammering the endpoint gets 429 with a German message. The register a
# respondent can search is the one the page already lists, so this guards the server, not secrets.
SEARCHES_PER_MINUTE = 60
_recent: dict[str, deque[float]] = {}
_lock = Lock()


def clock() -> float:
    """The time the limit counts in (tests replace it)."""
    return time.monotonic()


def _allowed(token_key: str) -> bool:
    now = clock()
    with _lock:
        if len(_recent) > 10_000:  # forget quiet links
            for key in [k for k, v in _recent.items() if not v or v[-1] < now - 60]:
                del _recent[key]
        times = _recent.setdefault(token_key, deque())
        while times and times[0] < now - 60:
            times.popleft()
        if len(times) >= SEARCHES_PER_MINUTE:
            return False
        times.append(now)
        return True


@respondent_bp.route("/<token>/partner-suche")
def search(token: str):
    """Register entries like the typed name, best first: [{code, name, meta, score, chosen}]."""
    invitation = find_by_token(token)
    if invitation is None or not (invitation.survey.is_open or (invitation.test and invitation.survey.is_draft)):
        return jsonify(ok=False, message="Dieser Link gilt nicht (mehr)."), 404
    from ..services.tokens import hash_token

    if not _allowed(hash_token(token)):
        return jsonify(ok=False, message="Zu viele Suchanfragen in kurzer Zeit. Bitte einen Moment warten."), 429
    name = request.args.get("name", "").strip()[:300]
    found = partner_matching.respondent_suggestions(invitation, name) if len(name) >= 3 else []
    return jsonify(ok=True, suggestions=[
        {"code": s.actor.code, "name": s.actor.name, "meta": meta, "score": s.score,
         "score_text": fmt.percent(s.score)}
        for s, meta in found])
