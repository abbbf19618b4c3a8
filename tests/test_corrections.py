"""Corrections after opening: a planner fixes the wording of a question in a running survey.

Accepted: question text, help text, option labels, with a short note. Refused with a German reason
and everything typed kept: another kind, other option codes, more or fewer options, an empty note,
numbers or a negation that change, a text rewritten beyond a correction. Respondents who had saved
the page see the note there; later respondents don't. The cached pages and results show the new
wording at once, also on another app server.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from analysis.reader import read_codebook
from factories import PASSWORD, PRIVACY, invite, login
from survey.extensions import db
from survey.models import AuditEntry, Survey, SurveyItem, User
from survey.services import surveys

OLD = "Auf welchen Wirkungskreis bezieht sich das Netzwerk?"
TYPO = "Auf welchen Wirkungskreis bezieht sich das Netzwerck?"
NOTE = "Tippfehler korrigiert: „Netzwerk“ statt „Netzwerck“"
OPTIONS = ["quartier", "stadtteil", "gesamtstadt", "kreis", "ueberregional"]


@pytest.fixture
def running(app, planner):
    """An open survey: page 1 the reach question (its prompt with a typo), page 2 a free text."""
    user_id, _email = planner
    with app.app_context():
        user = db.session.get(User, user_id)
        catalogue = app.extensions["catalogue"]
        survey = surveys.create_survey(user.kommune, user, "Netzwerke 2026", contact_name="Petra Plan",
                                       contact_email=user.email, privacy_notice=PRIVACY)
        first = surveys.add_question(survey, catalogue.get("netzwerk.wirkungskreis"))
        surveys.reword(survey, first, TYPO)
        second_page = surveys.add_page(survey, "Schwerpunkt")
        surveys.add_question(survey, catalogue.get("netzwerk.fokus"), page=second_page)
        surveys.open_survey(survey)
        db.session.commit()
        return {"survey": survey.id, "item": first.id, "kommune": user.kommune_id, "user": user_id}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _form(prompt: str = OLD, note: str = NOTE, **extra) -> dict:
    data = {"prompt": prompt, "help": "", "note": note}
    data.update({f"option-{code}": label for code, label in zip(OPTIONS, [
        "Quartier", "Stadtteil / Sozialraum", "Gesamtstadt / Gemeinde", "Kreis", "Überregional"], strict=True)})
    data.update(extra)
    return data


def _url(running) -> str:
    return f"/surveys/{running['survey']}/items/{running['item']}/korrigieren"


def _stored_prompt(app, running) -> str:
    with app.app_context():
        return db.session.get(SurveyItem, running["item"]).prompt


def _save_first_page(client, token: str) -> None:
    client.post(f"/r/{token}/start")
    assert client.post(f"/r/{token}/seite/1", data={"netzwerk.wirkungskreis": "quartier",
                                                   "_action": "save"}).status_code == 302


def test_a_typo_in_an_open_survey_is_corrected_with_its_note(app, planner_client, running):
    form = planner_client.get(_url(running))
    assert form.status_code == 200 and TYPO in _text(form)
    saved = planner_client.post(_url(running), data=_form())
    assert saved.status_code == 302, _text(saved)[:2000]
    builder = _text(planner_client.get(saved.headers["Location"]))
    assert "Die Korrektur ist gespeichert" in builder
    assert OLD in builder and TYPO not in builder
    assert "Nach dem Start korrigiert am" in builder and NOTE in builder
    with app.app_context():
        item = db.session.get(SurveyItem, running["item"])
        assert item.prompt == OLD and item.key == "netzwerk.wirkungskreis" and item.kind == "single_choice"
        assert [o["code"] for o in item.definition["options"]] == OPTIONS
        [entry] = item.corrections
        assert entry["note"] == NOTE and entry["changes"] == [
            {"part": "prompt", "code": "", "old": TYPO, "new": OLD}]
        assert "Planner Test" in entry["by"]
        # The wording equals the catalogue again: nothing "angepasst" any more, the key and version stay.
        assert not item.modified and item.definition["version"] == item.catalogue_version


def test_an_option_label_is_corrected(app, planner_client, running):
    saved = planner_client.post(_url(running), data=_form(TYPO, "Schreibweise", **{"option-kreis": "Kreisgebiet"}))
    assert saved.status_code == 302, _text(saved)[:2000]
    with app.app_context():
        item = db.session.get(SurveyItem, running["item"])
        assert item.to_question().option_label("kreis") == "Kreisgebiet"
        assert item.corrections[0]["changes"] == [{"part": "option", "code": "kreis", "old": "Kreis",
                                                   "new": "Kreisgebiet"}]


@pytest.mark.parametrize(("data", "reason"), [
    (_form(kind="multiple_choice"), "Die Art der Frage („Einfachauswahl“) lässt sich nach dem Start nicht"),
    (_form(**{"option-neu": "Landesweit"}), "Die Zahl der Antwortmöglichkeiten lässt sich nach dem Start nicht "
                                            "ändern (bisher 5, jetzt 6)"),
    (_form(**{"option-kreis": ""}), "Die Zahl der Antwortmöglichkeiten lässt sich nach dem Start nicht ändern "
                                    "(bisher 5, jetzt 4)"),
    ({**{k: v for k, v in _form().items() if k != "option-kreis"}, "option-landkreis": "Kreis"},
     "Die Codes der Antwortmöglichkeiten lassen sich nach dem Start nicht ändern"),
    (_form(note=""), "Bitte beschreiben Sie kurz, was Sie korrigiert haben"),
    (_form("Auf welchen Wirkungskreis bezieht sich das Netzwerk nicht?"), "Eine Verneinung"),
    (_form("Auf welche 3 Wirkungskreise bezieht sich das Netzwerk?"), "Die Zahlen ändern sich"),
    (_form("Wie viele Mitglieder hat das Netzwerk heute ungefähr?"), "weicht zu stark von der bisherigen ab"),
    (_form(TYPO), "Sie haben an der Formulierung nichts geändert"),
])
def test_more_than_a_correction_is_refused_with_the_reason_and_the_input_kept(app, planner_client, running,
                                                                             data, reason):
    refused = planner_client.post(_url(running), data=data)
    html = _text(refused)
    assert refused.status_code == 422
    assert "Nicht gespeichert" in html and reason in html
    assert data["prompt"] in html  # what was typed is still in the form
    for name, value in data.items():
        if name.startswith("option-") and value:
            assert f'value="{value}"' in html, name
    if data["note"]:
        assert f'value="{data["note"]}"' in html
    assert _stored_prompt(app, running) == TYPO
    with app.app_context():
        assert db.session.get(SurveyItem, running["item"]).corrections == []
        assert db.session.get(Survey, running["survey"]).wording_revision == 0
        assert not db.session.scalars(sa.select(AuditEntry).filter_by(action="survey.corrected")).all()


def test_drafts_reword_and_closed_surveys_keep_their_wording(app, planner_client, running):
    with app.app_context():
        survey = db.session.get(Survey, running["survey"])
        surveys.close_survey(survey)
        db.session.commit()
    assert planner_client.get(_url(running)).status_code == 302
    refused = planner_client.post(_url(running), data=_form())
    assert refused.status_code == 422 and "ist abgeschlossen" in _text(refused)
    assert _stored_prompt(app, running) == TYPO
    draft = planner_client.post(f"/surveys/{running['survey']}/copy")
    with app.app_context():
        copy = db.session.scalars(sa.select(Survey).where(Survey.id != running["survey"])).one()
        item = next(i for i in copy.items if i.key == "netzwerk.wirkungskreis")
        assert item.corrections == []  # a copy starts with the wording, not with the history
        target = f"/surveys/{copy.id}/items/{item.id}/korrigieren"
    assert draft.status_code == 302
    assert planner_client.get(target).headers["Location"].endswith(f"/items/{item.id}/edit")


def test_the_audit_log_records_before_and_after(app, planner_client, running, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_STRICT", True)  # a staff change without an entry would fail here
    assert planner_client.post(_url(running), data=_form(note="")).status_code == 422
    assert planner_client.post(_url(running), data=_form(**{"option-kreis": "Kreisgebiet"})).status_code == 302
    with app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry).filter_by(action="survey.corrected")).all()
        assert entry.actor_id == running["user"] and entry.survey_id == running["survey"]
        assert entry.object_type == "surveyitem" and entry.object_id == running["item"]
        assert entry.before == {"Fragetext": TYPO, "Antwort „Kreis“": "Kreis"}
        assert entry.after == {"Fragetext": OLD, "Antwort „Kreis“": "Kreisgebiet", "Hinweis zur Korrektur": NOTE}
        assert NOTE in entry.description and "Netzwerke 2026" in entry.description


def test_the_codebook_lists_the_corrections_after_the_start(app, planner_client, running):
    assert planner_client.post(_url(running), data=_form(**{"option-kreis": "Kreisgebiet"})).status_code == 302
    body = planner_client.get(f"/results/{running['survey']}/codebuch.csv?format=rfc4180").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    question = next(r for r in rows if r["key"] == "netzwerk.wirkungskreis" and r["role"] == "frage")
    assert question["prompt"] == OLD
    assert f"Fragetext „{TYPO}“ → „{OLD}“ ({NOTE})" in question["Korrekturen nach dem Start"]
    option = next(r for r in rows if r["key"] == "netzwerk.wirkungskreis" and r["code"] == "kreis"
                  and r["role"] == "option")
    assert option["label"] == "Kreisgebiet"
    assert f"„Kreis“ → „Kreisgebiet“ ({NOTE})" in option["Korrekturen nach dem Start"]
    others = [r for r in rows if r["key"] != "netzwerk.wirkungskreis"]
    assert not any(r["Korrekturen nach dem Start"] for r in others)
    questions, _meta = read_codebook(rows)  # it still reads back
    assert questions[0].prompt == OLD


def test_respondents_who_saved_the_page_see_the_note_new_ones_do_not(app, planner_client, running, client):
    with app.app_context():
        survey = db.session.get(Survey, running["survey"])
        saved = invite(survey, "kita@traeger.example", "Kita Sonnenschein")
        submitted = invite(survey, "schule@traeger.example", "Grundschule Süd")
        opened = invite(survey, "verein@traeger.example", "Sportverein Ost")
        later = invite(survey, "jugend@traeger.example", "Jugendtreff")
    _save_first_page(client, saved)
    _save_first_page(client, submitted)
    assert client.post(f"/r/{submitted}/seite/2", data={"_action": "review"}).status_code == 302
    assert client.post(f"/r/{submitted}/pruefen").status_code == 302
    client.post(f"/r/{opened}/start")  # started, but saved nothing yet
    assert planner_client.post(_url(running), data=_form()).status_code == 302
    client.post(f"/r/{later}/start")

    note = "sprachlich korrigiert: " + NOTE
    page = _text(client.get(f"/r/{saved}/seite/1"))
    assert OLD in page and "Diese Frage wurde am" in page and note in page
    assert note not in _text(client.get(f"/r/{saved}/seite/2"))  # the other page has nothing to say
    assert note in _text(client.get(f"/r/{saved}/pruefen"))
    done = _text(client.get(f"/r/{submitted}/fertig"))
    assert OLD in done and note in done
    for token in (opened, later):
        fresh = _text(client.get(f"/r/{token}/seite/1"))
        assert OLD in fresh and TYPO not in fresh and "sprachlich korrigiert" not in fresh


def test_results_show_the_new_wording_at_once(app, planner_client, running, client):
    with app.app_context():
        token = invite(db.session.get(Survey, running["survey"]))
    _save_first_page(client, token)
    assert TYPO in _text(planner_client.get(f"/results/{running['survey']}?entwuerfe=1"))
    assert planner_client.post(_url(running), data=_form()).status_code == 302
    results = _text(planner_client.get(f"/results/{running['survey']}?entwuerfe=1"))
    assert OLD in results and TYPO not in results


def test_a_correction_on_another_app_server_shows_at_once_on_this_one(app, planner, running, client, tmp_path):
    """This process has the survey's pages cached; a second process (another app server on the same
    database) saves the correction through its own planner page; this one shows it with the next request."""
    with app.app_context():
        token = invite(db.session.get(Survey, running["survey"]))
    client.post(f"/r/{token}/start")
    assert TYPO in _text(client.get(f"/r/{token}/seite/1"))  # cached here now
    script = textwrap.dedent(f"""
        from survey import create_app
        app = create_app({{"TESTING": True, "SECRET_KEY": "test-only-secret", "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
                          "LINK_KEYS": {app.config["LINK_KEYS"]!r}, "DEMO_MODE": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}})
        client = app.test_client()
        assert client.post("/login", data={{"email": {planner[1]!r}, "password": {PASSWORD!r}}}).status_code == 302
        reply = client.post({_url(running)!r}, data={_form()!r})
        assert reply.status_code == 302, reply.get_data(as_text=True)[:3000]
    """)
    env = {**os.environ, "LUECKENLOS_INSTANCE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    page = _text(client.get(f"/r/{token}/seite/1"))
    assert OLD in page and TYPO not in page
    assert "sprachlich korrigiert" not in page  # started, but had not saved the page


def test_a_conflicting_correction_of_a_colleague_is_not_overwritten(app, planner, running):
    mine, theirs = (login(app.test_client(), planner[1]) for _ in range(2))
    stale = _text(mine.get(_url(running)))
    version = stale.split('name="_version" value="')[1].split('"')[0]
    assert theirs.post(_url(running), data={**_form(), "_version": version}).status_code == 302
    conflict = mine.post(_url(running), data={**_form("Auf welchen Wirkungskreis bezieht sich das Netzwerk??"),
                                              "_version": version})
    assert conflict.status_code == 409 and OLD in _text(conflict)
    assert _stored_prompt(app, running) == OLD


def _response(**values):
    from survey.models import Response

    return Response(**{"draft": {}, "current_page": 0, "saved_at": None, "submitted_at": None, **values})


@pytest.mark.parametrize(("response", "saw"), [
    (_response(), False),  # started, nothing saved
    (_response(submitted_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), True),
    (_response(saved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), current_page=1), True),  # went past page 1
    (_response(saved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), draft={"netzwerk.wirkungskreis": ["kreis"]}), True),
    (_response(saved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), draft={"netzwerk.fokus": ["Kinder"]}), False),
    # A follow-up wave's pre-filled answer alone is no sign the respondent saw the page …
    (_response(saved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
               draft={"netzwerk.wirkungskreis": ["kreis"], "_welle/uebernommen": ["netzwerk.wirkungskreis"]}), False),
    # … confirming the page unchanged is.
    (_response(saved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
               draft={"netzwerk.wirkungskreis": ["kreis"], "_welle/uebernommen": ["netzwerk.wirkungskreis"],
                      "_welle/seiten": ["1"]}), True),
])
def test_who_had_seen_the_page_before_the_correction(app, response, saw):
    from survey.services.corrections import _saw_page

    questions = [app.extensions["catalogue"].get("netzwerk.wirkungskreis")]
    assert _saw_page(response, 0, questions) is saw
