"""The audit log: every staff change leaves an entry (a walk over every form of the url map), the
entries are append-only, carry no answers, tokens or addresses, and the log pages filter and export.
"""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed

from analysis.csvdialect import read_rows
from factories import login, make_survey, make_user
from survey.extensions import db
from survey.models import AuditEntry, Invitation, User
from survey.services import audit
from sweep_payloads import SKIP_ACTIONS, forms_of, staff_pages
from sweep_world import VOLATILE, build_kommune, snapshot

# POST routes the walk below does not reach through a form of a staff page, and why. A new staff
# POST route fails the walk until one of its pages shows the form or it is named here.
NOT_WALKED = {
    "auth.login_page": "signing in is recorded by test_sign_in_and_out_are_recorded",
    "auth.logout": "ends the walk's session; recorded by test_sign_in_and_out_are_recorded",
    "auth.change_password": "ends the walk's other sessions; covered by the strict guard in tests/test_accounts.py",
    "auth.forgot_password": "signed out; creates a link for the account holder, no staff change",
    "auth.set_password": "signed out; the link's owner sets the password (recorded as that person)",
    "actors.import_file": "needs a file; covered by the strict guard in tests/test_actors.py",
    "admin.users": "creates accounts (skipped by the sweep); covered by the strict guard in tests/test_accounts.py",
    "admin.edit_user": "covered by the strict guard in the users tests",
    "admin.deactivate_user": "would lock out the walk's colleagues; covered by the strict guard in the users tests",
    "admin.reactivate_user": "covered by the strict guard in the users tests",
    "admin.resend_user_invitation": "covered by the strict guard in the users tests",
    "admin.change_user_role": "covered by the strict guard in the users tests",
    "accessibility.feedback": "a respondent's message to the Kommune; sends a mail, changes no data of the Kommune",
    # Forms that show only in a state the walk's world does not have; the strict guard (on in every
    # test) covers them where their tests create that state.
    "admin.reactivate_district": "needs a deactivated district; tests/test_kommune.py",
    "invitations.check": "the second step of a pasted list; tests/test_invitations.py",
    "invitations.mark_bounced": "needs a sent, unopened invitation (the worker sends); tests/test_bounces.py",
    "invitations.undo_mark": "needs a marked invitation; tests/test_bounces.py",
    "invitations.resend_failed": "needs failed deliveries; tests/test_delivery_faults.py",
    "planner.reset_wording": "needs a reworded question; tests/test_builder.py",
    "results.prepare": "prepares a download file (a job, bookkeeping); the download is recorded",
    "waves.follow_up": "a closed survey's form, closed after the walk passed it; tests/test_waves.py",
    "coding.add_category": "needs a text question with answers; strict guard in tests/test_coding.py",
    "coding.rename_category": "needs a coding category; strict guard in tests/test_coding.py",
    "coding.delete_category": "needs a coding category; strict guard in tests/test_coding.py",
    "coding.assign": "needs a text question with answers; strict guard in tests/test_coding.py",
    "coding.suggestion": "needs a coding suggestion; strict guard in tests/test_coding.py",
    "lifecycle.archive": "a closed survey's form, closed after the walk passed it; tests/test_lifecycle.py",
    "lifecycle.unarchive": "needs an archived survey; tests/test_lifecycle.py",
}
BOOKKEEPING_TABLES = VOLATILE | audit.BOOKKEEPING | {"audit_entry"}


def _staff_post_endpoints(app) -> set[str]:
    """Every POST route a signed-in staff member can use (no respondent link, no public page)."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and "token" not in rule.arguments and "kommune_id" not in rule.arguments
            and not rule.endpoint.startswith(("respond.", "public.", "mailbox."))}


def _real_changes(before: dict, after: dict) -> list[str]:
    """Rows added, removed or changed outside bookkeeping (a bumped edit version alone is no change)."""
    found = []
    for key in set(before) | set(after):
        if key[0] in BOOKKEEPING_TABLES:
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is not None and new is not None and {c for c in old if old[c] != new[c]} <= audit.BOOKKEEPING_COLUMNS:
            continue
        found.append(f"{key[0]} {key[1]}")
    return sorted(found)


def _entries(app, kommune_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.kommune_id == kommune_id))
        db.session.remove()
    return count or 0


def _pages(app, world: dict) -> list[str]:
    """The sweep's staff pages, plus draft and per-invitation pages whose forms only show there."""
    ids = world["ids"]
    extra = [f"/surveys/{ids['draft']}/katalog", f"/surveys/{ids['running']}/invitations/{ids['started_invitation']}",
             f"/surveys/{ids['running']}/invitations/{ids['done_invitation']}"]
    return extra + staff_pages(app, world)


def _walk(app, world: dict, posted: set[str], unrecorded: list[str], only_new: bool) -> None:
    kommune_id = world["ids"]["kommune_id"]
    admin = login(app.test_client(), world["emails"]["admin"])
    pages = _pages(app, world)
    for url in reversed(pages) if only_new else pages:
        page = admin.get(url)
        if page.status_code != 200 or "html" not in (page.content_type or ""):
            continue
        for form in forms_of(page.get_data(as_text=True), url):
            action = form["action"].split("#")[0]
            if action.startswith((*SKIP_ACTIONS, "/r/")):
                continue
            try:
                endpoint = app.url_map.bind("localhost").match(action.split("?")[0], method="POST")[0]
            except MethodNotAllowed:
                continue  # a filter form (method get)
            if only_new and endpoint in posted:
                continue
            before, entries = snapshot(app, kommune_id), _entries(app, kommune_id)
            fields = [tuple(pair) for pair in form["fields"]] + ([form["submit"]] if form["submit"] else [])
            answer = admin.post(action, data=MultiDict(fields))
            assert answer.status_code < 500, (action, answer.status_code)
            posted.add(endpoint)
            changes = _real_changes(before, snapshot(app, kommune_id))
            if changes and _entries(app, kommune_id) == entries:
                unrecorded.append(f"{endpoint} ({action}): {', '.join(changes[:5])}")


@pytest.mark.skipif((os.environ.get("DATABASE_URL") or "").startswith("postgresql"),
                    reason="the walk checks the services, not the database: it runs in the SQLite pass of CI")
def test_every_staff_form_that_changes_data_writes_the_log(app):
    """Walk every staff page of the url map as the Kommune's admin and post each of its forms as the
    browser would send it. Whatever a post changes in the Kommune's data, the log must have grown in
    the same request. The guard is off here, so the walk proves it by the data alone. A second
    Kommune is walked backwards for the forms the first walk used up (closing a survey hides its
    invitation buttons)."""
    posted: set[str] = set()
    unrecorded: list[str] = []
    worlds = [build_kommune(app, "Stadt Protokollhausen"), build_kommune(app, "Gemeinde Rückwärtshausen")]
    app.config["AUDIT_STRICT"] = False
    try:
        _walk(app, worlds[0], posted, unrecorded, only_new=False)
        _walk(app, worlds[1], posted, unrecorded, only_new=True)
    finally:
        app.config["AUDIT_STRICT"] = True
    assert not unrecorded, "changes without an audit entry:\n" + "\n".join(unrecorded)
    with app.app_context():
        logged = " ".join(f"{e.description} {e.before} {e.after}" for e in db.session.scalars(sa.select(AuditEntry)))
        contacts = {address for (address,) in db.session.execute(sa.select(Invitation.email)) if address}
        # A Probelauf invites staff accounts (the walk's admin); account entries name staff addresses.
        contacts -= set(db.session.scalars(sa.select(User.email)))
    secrets = [token for world in worlds for token in world["tokens"]] + sorted(contacts)
    assert not [secret for secret in secrets if secret in logged], "a link token or contact address is in the log"
    # Every changed setting is named by its German label, never by an attribute name.
    admin = login(app.test_client(), worlds[0]["emails"]["admin"])
    page = admin.get("/admin/protokoll").get_data(as_text=True)
    assert "<dt>" in page
    raw = [name for name in re.findall(r"<dt>([^<]*)</dt>", page) if re.fullmatch(r"[a-z_]+", name)]
    assert not raw, f"settings shown by their attribute names: {sorted(set(raw))}"
    missing = _staff_post_endpoints(app) - posted - set(NOT_WALKED)
    assert not missing, f"staff POST routes no staff page offers as a form; show them or name them in NOT_WALKED: " \
                        f"{sorted(missing)}"
    assert len(posted) > 30


def test_the_guard_refuses_a_staff_change_without_an_entry(app, planner):
    """The strict guard (on in every test) turns a forgotten `audit.record` into an error at commit."""
    from survey.models import Survey

    with app.test_request_context("/"):
        user = db.session.get(User, planner[0])
        with audit.acting_as(audit.staff(user)):
            db.session.add(Survey(kommune_id=user.kommune_id, title="Ohne Protokoll"))
            with pytest.raises(audit.UnrecordedChange):
                db.session.commit()
            db.session.rollback()
            db.session.add(Survey(kommune_id=user.kommune_id, title="Mit Protokoll"))
            audit.record(user.kommune_id, "survey.created", "Befragung „Mit Protokoll“ angelegt")
            db.session.commit()


def test_entries_are_append_only(app, planner):
    with app.app_context():
        user = db.session.get(User, planner[0])
        entry = audit.record(user.kommune_id, "survey.created", "Befragung „A“ angelegt")
        db.session.commit()
        entry.description = "geändert"
        with pytest.raises(audit.AppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(audit.AppendOnly):
            db.session.flush()
        db.session.rollback()
        # and in the database itself, for any other writer
        with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_entry SET description = 'x'"))
        assert db.session.get(AuditEntry, entry.id).description == "Befragung „A“ angelegt"


def test_sign_in_and_out_are_recorded(app, client, planner):
    login(client, planner[1])
    client.post("/logout")
    with app.app_context():
        actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["account.signed_in", "account.signed_out"]


def _survey_with_invitation(app, planner_client, planner) -> int:
    with app.app_context():
        survey_id = make_survey(planner[0], title="Kita-Netzwerk Nord").id
    answer = planner_client.post(f"/surveys/{survey_id}/invitations", data={
        "addresses": "Kita Sonnenschein\tAnna Beispiel\tanna.beispiel@kita.example", "action": "send"})
    assert answer.status_code == 302
    return survey_id


def test_survey_log_names_who_did_what_without_addresses_or_links(app, planner_client, planner, inbox):
    survey_id = _survey_with_invitation(app, planner_client, planner)
    planner_client.post(f"/surveys/{survey_id}/invitations/remind")
    planner_client.get(f"/results/{survey_id}/antworten.csv")
    page = planner_client.get(f"/surveys/{survey_id}/protokoll").get_data(as_text=True)
    for said in ("Befragung „Kita-Netzwerk Nord“ angelegt", "Eingeladen: „Kita Sonnenschein“", "Erinnert",
                 "heruntergeladen", "Planner Test (planner@musterhausen.example)"):
        assert said in page, said
    with app.app_context():
        stored = " ".join(f"{e.description} {e.before} {e.after}" for e in db.session.scalars(sa.select(AuditEntry)))
    assert "anna.beispiel@kita.example" not in stored and "Anna Beispiel" not in stored
    assert "/r/" not in stored


def test_kommune_log_filters_and_exports_for_admins_only(app, planner_client, planner, inbox):
    _survey_with_invitation(app, planner_client, planner)
    _admin_id, admin_email = make_user(app, "admin")
    admin = login(app.test_client(), admin_email)
    assert planner_client.get("/admin/protokoll").status_code == 403
    page = admin.get("/admin/protokoll?aktion=invitation.sent").get_data(as_text=True)
    assert "Eingeladen: „Kita Sonnenschein“" in page and "Befragung „Kita-Netzwerk Nord“ angelegt" not in page
    page = admin.get("/admin/protokoll?von=kein-datum").get_data(as_text=True)
    assert "ist kein Datum" in page and 'value="kein-datum"' in page  # said, and what was typed stays
    export = admin.get("/admin/protokoll.csv?aktion=survey.created")
    assert export.status_code == 200
    _dialect, rows = read_rows(export.data)
    assert rows and all(row["Aktion"] == "Befragung angelegt" for row in rows)
    assert {"Zeitpunkt", "Person", "Beschreibung", "Vorher", "Nachher"} <= set(rows[0])
    # the export itself is in the log
    assert "protokoll-" in admin.get("/admin/protokoll?aktion=results.downloaded").get_data(as_text=True)
