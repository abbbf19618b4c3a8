"""Two planners (or two tabs) editing the same thing: the later save over a newer version gets the
conflict notice with both texts, never a silent overwrite.

The cases come from `app.url_map`: every POST route of the planner and admin pages is either listed
in NOT_EDITS (actions that create, delete, move or send) or is an edit form, and then the test opens
its form in two tabs, saves a change in one and posts the other, stale one. A new edit form is
covered untouched, and fails here until it carries `_version` and calls `edit_conflicts.claim`.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict

from factories import login, make_survey, make_user
from survey.extensions import db
from survey.models import Actor, District, Survey, User
from survey.services import invitations
from survey.services.actors import ActorData
from survey.services.actors import save as save_actor

# Respondent pages are not planner forms (their two-tab conflict is the draft fingerprint, see test_races).
RESPONDENT = {"respond"}
# POST routes that do not edit a stored row's text: they add, remove, move, toggle, send or log in.
NOT_EDITS = {
    "/results/<int:survey_id>/vorbereiten/<was>": "starts preparing a download",
    "/surveys/ruecklaeufer/<int:report_id>/erledigt": "marks an unclear bounce as dealt with",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/unzustellbar": "a state change (marks undeliverable)",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/nimmt-nicht-teil": "a state change (declined)",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/vermerk-zuruecknehmen": "a state change (undo a mark)",
    "/actors/new": "creates an actor",
    "/actors/<int:actor_id>/kontakte": "adds a further contact person",
    "/actors/<int:actor_id>/kontakte/<int:contact_id>/entfernen": "removes a further contact person",
    "/actors/<int:actor_id>/kontakte/<int:contact_id>/hauptkontakt": "makes a further contact the main one",
    "/barrierefreiheit/<int:kommune_id>": "sends a feedback mail (public, no stored row to edit)",
    "/admin/auskunft": "searches, exports or deletes one person's data (no form of a stored row)",
    "/actors/import": "creates actors from a file",
    "/actors/duplicates": "merges duplicates",
    "/surveys/<int:survey_id>/partner-abgleich": "assigns a typed partner name (a choice, no text to compare)",
    "/surveys/<int:survey_id>/partner-abgleich/<int:match_id>/aufheben": "takes a partner assignment back",
    "/admin/stadtteile/neu": "adds a district",
    "/admin/stadtteile/liste": "adds districts",
    "/admin/stadtteile/<int:district_id>/verschieben": "moves a district",
    "/admin/stadtteile/<int:district_id>/stilllegen": "deactivates",
    "/admin/stadtteile/<int:district_id>/reaktivieren": "reactivates",
    "/admin/benutzer": "invites a colleague",
    "/admin/benutzer/<int:user_id>/rolle": "sets a role (the chosen value, no text)",
    "/admin/benutzer/<int:user_id>/deaktivieren": "deactivates",
    "/admin/benutzer/<int:user_id>/reaktivieren": "reactivates",
    "/admin/benutzer/<int:user_id>/einladung": "sends a new link",
    "/login": "logs in", "/logout": "logs out", "/passwort-vergessen": "sends a link",
    "/passwort/<token>": "sets a password", "/konto/passwort": "changes the password (no text to compare)",
    "/surveys/new": "creates a survey",
    "/surveys/<int:survey_id>/copy": "creates a copy",
    "/surveys/<int:survey_id>/probelauf": "sends test invitations (Probelauf)",
    "/surveys/<int:survey_id>/kodieren/<key>/kategorie": "adds a coding category",
    "/surveys/<int:survey_id>/kodieren/<key>/kategorie/<int:category_id>/umbenennen":
        "renames one short category name (the log keeps both names; a rename to a taken name is refused)",
    "/surveys/<int:survey_id>/kodieren/<key>/kategorie/<int:category_id>/loeschen": "deletes a coding category",
    "/surveys/<int:survey_id>/kodieren/<key>/zuordnen": "assigns ticked texts to a category (a choice, no text)",
    "/surveys/<int:survey_id>/kodieren/<key>/vorschlag": "accepts or rejects a coding suggestion",
    "/surveys/<int:survey_id>/kontaktdaten-loeschen": "deletes contact data (retention, after a confirmation page)",
    "/actors/<int:actor_id>/kontakt-bestaetigen": "confirms a register contact (no text)",
    "/surveys/<int:survey_id>/items": "adds a question",
    "/surveys/<int:survey_id>/items/section": "adds questions",
    "/surveys/<int:survey_id>/items/mehrere": "adds the ticked questions",
    "/surveys/<int:survey_id>/items/<int:item_id>/delete": "removes a question",
    "/surveys/<int:survey_id>/items/<int:item_id>/move": "moves a question",
    "/surveys/<int:survey_id>/items/<int:item_id>/page": "moves a question",
    "/surveys/<int:survey_id>/items/<int:item_id>/required": "sets required (the chosen value)",
    "/surveys/<int:survey_id>/items/<int:item_id>/bedingung":
        "sets a condition (chosen questions and answers, no text; a stale save comes back on its own page, "
        "tests/test_builder_conditions.py)",
    "/surveys/<int:survey_id>/items/<int:item_id>/reset": "restores the catalogue wording (raises the version)",
    "/surveys/<int:survey_id>/pages": "adds a page",
    "/surveys/<int:survey_id>/pages/<int:page_id>/delete": "deletes a page",
    "/surveys/<int:survey_id>/eigene-frage": "creates a question",
    "/surveys/<int:survey_id>/open": "opens", "/surveys/<int:survey_id>/close": "closes",
    "/surveys/<int:survey_id>/wieder-oeffnen": "reopens (a choice and a date, after its confirmation page)",
    "/surveys/<int:survey_id>/archivieren": "archives", "/surveys/<int:survey_id>/aus-dem-archiv": "unarchives",
    "/surveys/<int:survey_id>/loeschen/endgueltig": "deletes a survey (the typed title confirms)",
    "/surveys/<int:survey_id>/invitations": "invites",
    "/surveys/<int:survey_id>/invitations/check": "previews addresses",
    "/surveys/<int:survey_id>/invitations/register": "invites from the register",
    "/surveys/<int:survey_id>/invitations/remind": "sends reminders",
    "/surveys/<int:survey_id>/invitations/fehlgeschlagen": "resends failed invitations",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/resend": "resends",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/withdraw": "withdraws",
    "/r-admin/<int:invitation_id>/reopen": "reopens a response",
    "/surveys/<int:survey_id>/invitations/<int:invitation_id>/erfassen":
        "starts entering answers on behalf (a chosen source; the answers' pages have the draft's own conflict check)",
    "/waves/<int:survey_id>/folgebefragung": "creates a follow-up survey",
    "/waves/<int:survey_id>/einladungen": "invites for a follow-up",
}
# POST-only edit routes: the page that shows their form.
FORM_PAGES = {
    "planner.rename_page": "planner.detail",
    "admin.rename_district": "admin.districts",
    "invitations.correct_address": "invitations.detail",
}


class _Forms(HTMLParser):
    """The forms of a page: action and the fields a browser would send (first named submit button too)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": [], "texts": [], "submit": None}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append([name, a.get("value", "on")])
            elif kind == "submit":
                self._submit((name, a.get("value", "")), a)
            else:
                self._form["fields"].append([name, a.get("value", "")])
                if kind in ("text", "email"):
                    self._form["texts"].append((name, kind))
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append([name, ""])
            self._form["texts"].append((name, "textarea"))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"].append([self._select, a.get("value", "")])
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._submit((name, a.get("value", "")), a)

    def _submit(self, pair, attrs):
        """The button a planner saves with: the primary one, else the first."""
        if self._form["submit"] is None or "primary" in (attrs.get("class") or ""):
            self._form["submit"] = pair

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][-1][1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._textarea and self._form and self._form["fields"][-1][1].startswith("\n"):
                self._form["fields"][-1][1] = self._form["fields"][-1][1][1:]
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def _form_for(html: str, action: str, page: str | None = None) -> dict:
    """The form posting to `action` (a form without action posts to its page)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        target = form["action"].split("?")[0].split("#")[0] or page or action
        if target == action:
            return form
    raise AssertionError(f"no form posting to {action}")


def _with(form: dict, text: str) -> list[tuple[str, str]]:
    """The form's fields with `text` added to its first long text (else its first text field; an
    address replaces an e-mail field), so what the form requires stays in place."""
    name, kind = next((t for t in form["texts"] if t[1] == "textarea"), form["texts"][0])
    old = dict(form["fields"])[name]
    value = f"{text.lower().replace(' ', '.')}@beispiel.example" if kind == "email" else f"{old} {text}".strip()
    fields = [(n, value if n == name else v) for n, v in form["fields"]]
    if form["submit"]:
        fields.append(form["submit"])
    return fields, value


@pytest.fixture
def world(app):
    admin_id, email = make_user(app, "admin")
    colleague_id, _ = make_user(app, "planner")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        admin.kommune.type_word = "Stadt"  # the settings form asks for it before a first save
        draft = make_survey(admin_id, keys=["netzwerk.wirkungskreis", "netzwerk.lebensphasen"], open_it=False,
                            title="Entwurf")
        running = make_survey(admin_id, title="Laufend")
        actor = save_actor(admin.kommune, ActorData(name="Kita Sonnenschein", email="kita@traeger.example"))
        invitation, _token = invitations.invite(running, "kita@traeger.example", organisation="Kita Sonnenschein")
        db.session.commit()
        district = db.session.scalars(db.select(District).filter_by(kommune_id=admin.kommune_id)).first()
        return {"email": email, "admin_id": admin_id, "draft": draft.id, "running": running.id,
                "item_id": draft.items[0].id, "page_id": draft.pages[0].id, "district_id": district.id,
                "running_item_id": running.items[0].id,
                "actor_id": actor.id, "invitation_id": invitation.id, "user_id": colleague_id}


# Edit forms of an open survey (the rest of the planner's forms are tried on the draft).
ON_RUNNING = {"planner.correct"}
# Fields an edit form requires besides the text the test changes.
REQUIRED = {"planner.correct": {"note": "Tippfehler korrigiert"}}


def _values(rule, world) -> dict:
    running = rule.endpoint.startswith("invitations.") or rule.endpoint in ON_RUNNING
    survey = world["running"] if running else world["draft"]
    values = {"survey_id": survey, "item_id": world["running_item_id" if running else "item_id"],
              "page_id": world["page_id"],
              "district_id": world["district_id"], "actor_id": world["actor_id"],
              "invitation_id": world["invitation_id"], "user_id": world["user_id"]}
    return {name: values[name] for name in rule.arguments}


def _edit_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and rule.endpoint.split(".")[0] not in RESPONDENT and rule.rule not in NOT_EDITS:
            yield rule


def test_every_planner_post_route_is_classified_or_an_edit_form(app):
    """The list of non-edits holds only routes that exist (a removed route is taken off)."""
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert set(NOT_EDITS) <= rules, set(NOT_EDITS) - rules
    assert len(list(_edit_rules(app))) >= 9


def test_a_stale_save_gets_the_conflict_notice_with_both_texts(app, world):
    failures = []
    for rule in _edit_rules(app):
        try:
            _stale_save(app, world, rule)
        except AssertionError as error:
            failures.append(f"{rule.rule}: {error}")
    assert not failures, "\n".join(failures)


def _stale_save(app, world, rule):
    endpoint = rule.endpoint
    mine, theirs = login(app.test_client(), world["email"]), login(app.test_client(), world["email"])
    with app.test_request_context():
        values = _values(rule, world)
        action = url_for(endpoint, **values)
        page = url_for(FORM_PAGES[endpoint], **{k: v for k, v in values.items()
                                                 if k in next(r for r in app.url_map.iter_rules()
                                                              if r.endpoint == FORM_PAGES[endpoint]).arguments}) \
            if endpoint in FORM_PAGES else action
    # Both tabs open the form; the colleague's tab saves first.
    stale = _form_for(mine.get(page).get_data(as_text=True), action, page)
    fresh = _form_for(theirs.get(page).get_data(as_text=True), action, page)
    for form in (stale, fresh):
        form["fields"] = [[n, REQUIRED.get(endpoint, {}).get(n, v)] for n, v in form["fields"]]
    assert any(name == "_version" for name, _ in stale["fields"]), f"{endpoint}: the form carries no version"
    fields, their_text = _with(fresh, "Fassung der Kollegin")
    saved = theirs.post(action, data=MultiDict(fields))
    assert saved.status_code in (200, 302), saved.get_data(as_text=True)[:2000]
    # My stale tab saves its own text: the notice shows both, nothing is overwritten.
    fields, my_text = _with(stale, "Meine Fassung")
    notice = mine.post(action, data=MultiDict(fields))
    html = notice.get_data(as_text=True)
    assert notice.status_code == 409, html[:2000]
    assert "jemand anderes" in html and their_text in html and my_text in html
    assert their_text in theirs.get(page).get_data(as_text=True)
    # Choosing "Meine Fassung speichern" stores mine.
    again = _form_for(html, action)
    chosen = mine.post(action, data=MultiDict([tuple(f) for f in again["fields"]]))
    assert chosen.status_code in (200, 302), chosen.get_data(as_text=True)[:2000]
    assert my_text in mine.get(page).get_data(as_text=True)


def test_a_stale_save_of_the_same_text_is_no_conflict(app, world):
    client = login(app.test_client(), world["email"])
    url = f"/actors/{world['actor_id']}"
    stale = _form_for(client.get(url).get_data(as_text=True), url)
    with app.app_context():
        actor = db.session.get(Actor, world["actor_id"])
        actor.edit_version += 1  # someone saved without changing anything
        db.session.commit()
    assert client.post(url, data=MultiDict([tuple(f) for f in stale["fields"]])).status_code == 302


def test_a_validation_error_keeps_the_version_first_loaded(app, world):
    """Correcting a refused form later still notices a colleague's save in between."""
    client = login(app.test_client(), world["email"])
    url = f"/surveys/{world['draft']}/edit"
    form = _form_for(client.get(url).get_data(as_text=True), url)
    bad = [(n, "" if n == "title" else v) for n, v in form["fields"]]
    refused = client.post(url, data=MultiDict(bad))
    with app.app_context():
        survey = db.session.get(Survey, world["draft"])
        survey.title, survey.edit_version = "Titel der Kollegin", survey.edit_version + 1
        db.session.commit()
    again = _form_for(refused.get_data(as_text=True), url)
    fixed = [(n, "Mein Titel" if n == "title" else v) for n, v in again["fields"]]
    response = client.post(url, data=MultiDict(fixed))
    assert response.status_code == 409
    assert "Titel der Kollegin" in response.get_data(as_text=True)


def test_two_saves_at_the_same_moment_never_both_win(app, world):
    """Both forms show the same version and post at once: one is saved, the other gets the notice."""
    from test_races import at_once

    url = f"/actors/{world['actor_id']}"
    clients = [login(app.test_client(), world["email"]) for _ in range(2)]
    for round_ in range(6):
        forms = [_form_for(c.get(url).get_data(as_text=True), url) for c in clients]
        posts = []
        for n, (client, form) in enumerate(zip(clients, forms, strict=True)):
            fields = MultiDict([(k, f"Kita {round_}-{n}" if k == "name" else v) for k, v in form["fields"]])
            posts.append(lambda client=client, fields=fields: client.post(url, data=fields).status_code)
        assert sorted(at_once(*posts)) == [302, 409]
        with app.app_context():
            assert db.session.get(Actor, world["actor_id"]).name in (f"Kita {round_}-0", f"Kita {round_}-1")
