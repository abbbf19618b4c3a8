"""The respondent's side over HTTP: welcome, pages, saving as typed, resuming, conflicts, entries,
partner roster, review, submit, confirmation, reopening, the link mail and concurrent saves."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading

import pytest
import sqlalchemy as sa

from e2e.allkinds import make_all_kinds_survey
from factories import deliver, invite, login, make_survey, make_user, two_page_survey
from survey.extensions import db
from survey.models import Actor, Invitation, InvitationStatus, OutboxMessage, Response, Survey
from survey.services import surveys
from survey.services.tokens import hash_token


@pytest.fixture
def allkinds(app, planner):
    """(survey id, token) of an open survey with every kind, six actors and one inactive actor."""
    with app.app_context():
        survey = make_all_kinds_survey(planner[0], max_offers=50, actors=6)
        return survey.id, invite(survey)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def revision(page_html: str) -> str:
    return re.search(r'name="_revision" value="(\d+)"', page_html).group(1)


def form_state(page_html: str) -> dict[str, str]:
    """The hidden fields a rendered form posts back: its revision and its answers' fingerprint."""
    return {"_revision": revision(page_html), "_base": re.search(r'name="_base" value="(\w*)"', page_html).group(1)}


def draft(app) -> dict:
    with app.app_context():
        return db.session.scalar(sa.select(Response)).draft


def save(client, token, number, data, action="save", **kwargs):
    data = {"_action": action, **data}
    if "_revision" not in data:
        data.update(form_state(client.get(f"/r/{token}/seite/{number}").get_data(as_text=True)))
    return client.post(f"/r/{token}/seite/{number}", data=data, **kwargs)


# --- Welcome, unknown and closed links ---------------------------------------------------------

def test_welcome_says_who_asks_why_until_when_how_long_who_sees_and_privacy(app, allkinds, client):
    with app.app_context():
        survey = db.session.get(Survey, allkinds[0])
        survey.deadline = dt.date(2026, 12, 18)
        db.session.commit()
    page = text_of(client.get(f"/r/{allkinds[1]}"))
    assert "Bestandsaufnahme Nordstadt" in page and "Stadt Musterhausen" in page and "Petra Plan" in page
    assert "Wir möchten wissen, was es gibt." in page  # why
    assert "18.12.2026" in page  # until when
    assert re.search(r"4 Seiten mit \d+ Fragen, etwa \d+ Minuten", page)  # how long
    assert "Wer Ihre Antworten sieht" in page
    assert "Ihre Angaben werden nur für die Planung genutzt." in page  # the planner's privacy notice
    assert "Befragung beginnen" in page and 'lang="de"' in page


def test_unknown_withdrawn_and_rotated_links_get_the_same_page_without_hints(app, allkinds, client):
    survey_id, token = allkinds
    unknown = client.get("/r/gibt-es-nicht-0123456789abcdef")
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        invitation.status = InvitationStatus.WITHDRAWN
        db.session.commit()
    withdrawn = client.get(f"/r/{token}")
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        invitation.status = InvitationStatus.SENT
        invitation.token_hash = hash_token("a-newer-link")  # the planner sent a new link
        db.session.commit()
    rotated = client.get(f"/r/{token}")
    posted = client.post(f"/r/{token}/seite/1", data={"akteur.name": "x"})
    for response in (unknown, withdrawn, rotated, posted):
        assert response.status_code == 404
        page = text_of(response)
        assert "Dieser Link ist nicht (mehr) gültig" in page
        assert "Bestandsaufnahme Nordstadt" not in page and "Musterhausen" not in page and "Petra" not in page


def test_closed_survey_says_it_is_closed_and_whom_to_contact(app, allkinds, client):
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, allkinds[0]))
        db.session.commit()
    response = client.get(f"/r/{allkinds[1]}")
    page = text_of(response)
    assert response.status_code == 410
    assert "ist beendet" in page and "Petra Plan" in page and "planner@musterhausen.example" in page


# --- Pages, saving, resuming -------------------------------------------------------------------

def test_page_has_progress_and_back_save_next(app, allkinds, client):
    token = allkinds[1]
    first = text_of(client.get(f"/r/{token}/seite/1"))
    assert "Seite 1 von 4" in first and "Zwischenspeichern" in first and ">Weiter<" in first
    assert ">Zurück<" not in first
    second = text_of(client.get(f"/r/{token}/seite/2"))
    assert "Seite 2 von 4" in second and ">Zurück<" in second
    last = text_of(client.get(f"/r/{token}/seite/4"))
    assert "Weiter zur Übersicht" in last
    assert client.get(f"/r/{token}/seite/5").status_code == 404


def test_every_save_stores_exactly_what_was_typed_and_says_when(app, allkinds, client):
    token = allkinds[1]
    page = save(client, token, 1, {"akteur.name": "  Kita Sonnenschein ", "akteur.mitarbeitende": "ca. 20",
                                   "akteur.stand": "31.02.2026", "akteur.stadtteile": ["nordstadt", "oststadt"]},
                follow_redirects=True)
    text = text_of(page)
    assert re.search(r"Gespeichert um \d\d:\d\d\. Sie können die Seite schließen", text)
    assert 'value="ca. 20"' in text and "Bitte eine ganze Zahl eingeben" in text
    assert "Bitte ein Datum im Format TT.MM.JJJJ eingeben." in text
    assert draft(app) == {"akteur.name": ["  Kita Sonnenschein "], "akteur.mitarbeitende": ["ca. 20"],
                          "akteur.stand": ["31.02.2026"], "akteur.stadtteile": ["nordstadt", "oststadt"]}


def test_errors_are_listed_and_linked_to_their_field(app, allkinds, client):
    token = allkinds[1]
    page = save(client, token, 1, {"akteur.mitarbeitende": "viele"}, action="next", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.request.path.endswith("/seite/1")  # stays on the page, input kept
    assert 'href="#f-akteur-mitarbeitende-error"' in text and 'id="f-akteur-mitarbeitende-error"' in text
    assert re.search(r'aria-describedby="(f-akteur-mitarbeitende-(help|limit) )*f-akteur-mitarbeitende-error"', text)
    assert 'aria-invalid="true"' in text and 'role="alert"' in text


def test_reopening_the_link_resumes_where_the_respondent_left(app, allkinds, client):
    token = allkinds[1]
    client.post(f"/r/{token}/start")
    save(client, token, 1, {"akteur.name": "Kita Sonnenschein"}, action="next")
    save(client, token, 2, {"netzwerk.fokus": "Übergänge"}, action="next")
    later = app.test_client()  # another day, another browser: no cookies
    welcome = text_of(later.get(f"/r/{token}"))
    assert "Weiter ausfüllen" in welcome and "Seite 3 von 4" in welcome
    assert later.post(f"/r/{token}/start").headers["Location"].endswith(f"/r/{token}/seite/3")
    assert "Übergänge" in text_of(later.get(f"/r/{token}/seite/2"))


def test_a_post_without_any_cookie_or_csrf_token_still_saves(app, allkinds):
    token = allkinds[1]
    bare = app.test_client(use_cookies=False)
    response = bare.post(f"/r/{token}/seite/1",
                         data={"_revision": "0", "_action": "save", "akteur.name": "Ohne Cookie"})
    assert response.status_code == 302 and "gespeichert" in response.headers["Location"]
    assert "Gespeichert um" in text_of(bare.get(response.headers["Location"]))  # no session needed for the message
    assert draft(app)["akteur.name"] == ["Ohne Cookie"]


def test_a_form_from_before_a_deploy_without_revision_still_saves(app, allkinds, client):
    token = allkinds[1]
    save(client, token, 1, {"akteur.name": "Erste Fassung"})
    response = client.post(f"/r/{token}/seite/1", data={"akteur.name": "Alte Seite ohne Revision"})
    assert response.status_code == 302
    assert draft(app)["akteur.name"] == ["Alte Seite ohne Revision"]


# --- Conditions --------------------------------------------------------------------------------

def test_condition_shows_question_on_the_next_render_and_carries_data_for_the_script(app, allkinds, client):
    token = allkinds[1]
    before = client.get(f"/r/{token}/seite/2").get_data(as_text=True)
    block = re.search(r'<div class="q" data-key="netzwerk.ziele"[^>]*>', before).group(0)
    assert "data-condition=" in block and "hidden" in block
    assert "netzwerk.ziele_festgeschrieben" in block
    assert "&#34;ja&#34;" in block or "&quot;ja&quot;" in block
    after = save(client, token, 2, {"netzwerk.ziele_festgeschrieben": "ja"}, follow_redirects=True)
    block = re.search(r'<div class="q" data-key="netzwerk.ziele"[^>]*>', after.get_data(as_text=True)).group(0)
    assert "hidden" not in block


def test_answers_to_hidden_questions_are_kept_in_the_draft_but_not_submitted(app, allkinds, client):
    token = allkinds[1]
    save(client, token, 1, {"akteur.name": "Kita"})
    save(client, token, 2, {"netzwerk.ziele_festgeschrieben": "nein", "netzwerk.ziele": "Text von vorher"})
    assert draft(app)["netzwerk.ziele"] == ["Text von vorher"]
    client.post(f"/r/{token}/pruefen")
    with app.app_context():
        answers = db.session.scalar(sa.select(Response)).answers
    assert answers["netzwerk.ziele_festgeschrieben"] == "nein" and "netzwerk.ziele" not in answers


# --- Two tabs ----------------------------------------------------------------------------------

def test_stale_tab_shows_what_differs_keeps_both_and_second_click_saves(app, allkinds, client):
    token = allkinds[1]
    stale = form_state(client.get(f"/r/{token}/seite/1").get_data(as_text=True))
    save(client, token, 1, {"akteur.name": "Aus Tab A", "akteur.mitarbeitende": "12"})
    conflict = client.post(f"/r/{token}/seite/1", data={**stale, "_action": "next",
                                                        "akteur.name": "Aus Tab B", "akteur.mitarbeitende": "12"})
    text = text_of(conflict)
    assert conflict.status_code == 409
    assert "in einem anderen Fenster" in text
    diff = re.search(r'<table class="list diff">.*?</table>', text, re.S).group(0)
    assert "Wie heißt Ihre Einrichtung?" in diff
    assert "Aus Tab A" in diff and "Aus Tab B" in diff
    assert "Mitarbeitende" not in diff and diff.count("<tr>") == 2  # only what differs (plus the header)
    assert 'value="Aus Tab B"' in text and 'name="_force" value="1"' in text  # the posted input is kept
    assert draft(app)["akteur.name"] == ["Aus Tab A"]  # nothing silently overwritten
    forced = client.post(f"/r/{token}/seite/1", data={**stale, "_force": "1", "_action": "save",
                                                      "akteur.name": "Aus Tab B"})
    assert forced.status_code == 302
    assert draft(app)["akteur.name"] == ["Aus Tab B"]


def test_stale_tab_saving_another_page_is_no_conflict(app, allkinds, client):
    token = allkinds[1]
    old = form_state(client.get(f"/r/{token}/seite/2").get_data(as_text=True))
    save(client, token, 1, {"akteur.name": "Aus Tab A"})
    response = client.post(f"/r/{token}/seite/2", data={**old, "netzwerk.fokus": "Tab B"})
    assert response.status_code == 302
    assert draft(app)["akteur.name"] == ["Aus Tab A"] and draft(app)["netzwerk.fokus"] == ["Tab B"]


# --- Autosave ----------------------------------------------------------------------------------

def test_autosave_returns_json_and_refuses_to_overwrite_a_newer_save(app, allkinds, client):
    token = allkinds[1]
    base = revision(client.get(f"/r/{token}/seite/1").get_data(as_text=True))
    reply = client.post(f"/r/{token}/seite/1", data={"_revision": base, "_autosave": "1", "akteur.name": "Auto"})
    assert reply.status_code == 200 and reply.json["ok"] and reply.json["revision"] == int(base) + 1
    assert re.fullmatch(r"Automatisch gespeichert um \d\d:\d\d\.", reply.json["message"])
    stale = client.post(f"/r/{token}/seite/1", data={"_revision": base, "_autosave": "1", "akteur.name": "Alt"})
    assert stale.status_code == 409 and stale.json["conflict"]
    assert draft(app)["akteur.name"] == ["Auto"]


# --- Repeatable groups -------------------------------------------------------------------------

def _entry(client, token, key, index, data, action="list", number=3):
    url = f"/r/{token}/seite/{number}/eintrag/{key}/{index}"
    return client.post(url, data={**form_state(client.get(url).get_data(as_text=True)), "_action": action, **data})


def test_group_entries_add_edit_duplicate_remove(app, allkinds, client):
    token, key = allkinds[1], "angebote.angebote"
    added = save(client, token, 3, {}, action=f"add:{key}")
    assert added.headers["Location"].endswith(f"/seite/3/eintrag/{key}/0")
    form = text_of(client.get(added.headers["Location"]))
    assert "Neuer Eintrag" in form and f'name="{key}/0/name"' in form
    stay = _entry(client, token, key, 0, {f"{key}/0/name": "Babyclub", f"{key}/0/art": "gruppe",
                                          f"{key}/0/teilnehmende": "etwa 12"}, action="save")
    assert stay.headers["Location"].endswith(f"/eintrag/{key}/0?gespeichert=1#fehler")  # saved; fix it here
    assert 'value="etwa 12"' in text_of(client.get(stay.headers["Location"]))
    listing = text_of(client.get(f"/r/{token}/seite/3"))
    assert "Babyclub" in listing and "1 Eintrag" in listing
    assert "Bitte prüfen: Bitte eine ganze Zahl eingeben" in listing  # the entry's problem is shown in the list
    assert draft(app)[f"{key}/0/teilnehmende"] == ["etwa 12"]

    # Edit on its own page.
    edit = save(client, token, 3, {}, action=f"edit:{key}:0")
    assert edit.headers["Location"].endswith(f"/eintrag/{key}/0")
    back = _entry(client, token, key, 0, {f"{key}/0/name": "Babyclub Nord", f"{key}/0/art": "gruppe",
                                          f"{key}/0/teilnehmende": "12"})
    assert back.headers["Location"].endswith("/seite/3?gespeichert=1#f-angebote-angebote-0")  # back to its row
    # Duplicate: a new entry with the same answers, opened for editing.
    copy = save(client, token, 3, {}, action=f"dup:{key}:0")
    assert f"/eintrag/{key}/1" in copy.headers["Location"]
    assert draft(app)[f"{key}/1/name"] == ["Babyclub Nord (Kopie)"]
    assert draft(app)[f"{key}/1/teilnehmende"] == ["12"]
    # Remove: asks first (works without JavaScript), then removes only that entry.
    ask = save(client, token, 3, {}, action=f"del:{key}:0")
    question = text_of(client.get(ask.headers["Location"]))
    assert "„Babyclub Nord“ entfernen?" in question and f"{key}/0/name" in draft(app)
    client.post(ask.headers["Location"])
    assert f"{key}/0/name" not in draft(app) and draft(app)[f"{key}/1/name"] == ["Babyclub Nord (Kopie)"]
    assert "Der Eintrag wurde entfernt." in text_of(client.get(f"/r/{token}/seite/3?hinweis=entfernt"))


def test_saving_a_page_never_wipes_its_group_entries(app, allkinds, client):
    token, key = allkinds[1], "angebote.angebote"
    _entry(client, token, key, 0, {f"{key}/0/name": "Elterncafé"})
    save(client, token, 3, {}, action="save")
    client.post(f"/r/{token}/seite/3", data={"_revision": "0", f"{key}/0/name": "von einem gefälschten Formular"})
    assert draft(app)[f"{key}/0/name"] == ["Elterncafé"]


def test_forty_offers_stay_usable_and_are_all_submitted(app, allkinds, client):
    token, key = allkinds[1], "angebote.angebote"
    with app.app_context():
        response = db.session.scalar(sa.select(Response)) or None
    for n in range(40):
        reply = client.post(f"/r/{token}/seite/3/eintrag/{key}/{n}",
                            data={f"{key}/{n}/name": f"Angebot {n + 1:02d}", f"{key}/{n}/art": "beratung"})
        assert reply.status_code == 302
    listing = client.get(f"/r/{token}/seite/3").get_data(as_text=True)
    assert "40 Einträge (höchstens 50)" in listing
    assert listing.count('class="entry-row') == 40
    assert listing.count(">Bearbeiten</button>") == 40
    assert 'aria-label="„Angebot 17“ bearbeiten"' in listing
    assert len(listing) < 200_000  # compact: one line per entry, not 40 open forms
    save(client, token, 1, {"akteur.name": "Träger"})
    client.post(f"/r/{token}/pruefen")
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        assert response.is_submitted and len(response.answers[key]) == 40
    assert response is not None


def test_more_entries_than_allowed_are_not_cut_off_silently(app, planner, client):
    with app.app_context():
        token = invite(make_all_kinds_survey(planner[0], max_offers=2))
    key = "angebote.angebote"
    for n in range(3):
        client.post(f"/r/{token}/seite/3/eintrag/{key}/{n}", data={f"{key}/{n}/name": f"Angebot {n}"})
    listing = text_of(client.get(f"/r/{token}/seite/3"))
    assert "Höchstzahl von 2 Einträgen" in listing and "Eintrag hinzufügen" not in listing
    review = client.post(f"/r/{token}/pruefen")
    assert review.status_code == 422
    assert "Bitte höchstens 2 Einträge angeben (jetzt: 3)." in text_of(review)


# --- Partner roster ----------------------------------------------------------------------------

def test_partner_list_is_filtered_on_the_server_and_shows_only_own_active_actors(app, allkinds, client):
    token = allkinds[1]
    make_user(app, "planner", kommune="Stadt Anderswo")
    with app.app_context():
        other = db.session.scalar(sa.select(Survey.kommune_id).where(Survey.id != allkinds[0])) or None
        from survey.models import Kommune

        anderswo = db.session.scalar(sa.select(Kommune).where(Kommune.name == "Stadt Anderswo"))
        db.session.add(Actor(kommune_id=anderswo.id, name="Kita Fremdstadt", sector="kita"))
        db.session.commit()
    assert other is None
    full = text_of(client.get(f"/r/{token}/seite/4"))
    assert "6 von 6 Organisationen" in full and "Kita Regenbogen" in full
    assert "Kita Fremdstadt" not in full and "aufgelöst" not in full
    by_name = client.get(f"/r/{token}/seite/4?suche=kita").get_data(as_text=True)
    assert "1 von 6 Organisationen" in by_name
    visible = re.findall(r'<li data-name="([^"]+)"[^>]*?(?<!hidden)>', by_name)
    assert visible == ["kita regenbogen"]
    by_sector = text_of(client.get(f"/r/{token}/seite/4?sektor=schule"))
    assert "1 von 6 Organisationen" in by_sector
    by_district = text_of(client.get(f"/r/{token}/seite/4?stadtteil=suedstadt"))
    assert "3 von 6 Organisationen" in by_district
    # The filter button works without JavaScript: it saves the page and filters on the server.
    filtered = save(client, token, 4, {"_suche/kooperation.partner": "grundschule"},
                    action="filter:kooperation.partner")
    assert "suche=grundschule" in filtered.headers["Location"]


def test_choosing_partners_stores_actor_codes_names_and_free_names(app, allkinds, client):
    token, key = allkinds[1], "kooperation.partner"
    with app.app_context():
        kita = db.session.scalar(sa.select(Actor).where(Actor.name == "Kita Regenbogen"))
        jobcenter = db.session.scalar(sa.select(Actor).where(Actor.name == "Jobcenter"))
        codes = (kita.code, jobcenter.code)
    reply = save(client, token, 4, {f"_pick/{key}": list(codes), f"_new/{key}": "Hebammenpraxis Mitte"},
                 action=f"pick:{key}", follow_redirects=True)
    text = text_of(reply)
    assert "Die Partner sind hinzugefügt" in text
    stored = draft(app)
    assert stored[f"{key}/0/actor"] == [codes[0]] and stored[f"{key}/0/name"] == ["Kita Regenbogen"]
    assert stored[f"{key}/1/actor"] == [codes[1]]
    assert stored[f"{key}/2/actor"] == [""] and stored[f"{key}/2/name"] == ["Hebammenpraxis Mitte"]
    assert "3 Partner" in text and "(bereits gewählt)" in text
    # Picking the same actor again adds nothing.
    save(client, token, 4, {f"_pick/{key}": codes[0]}, action=f"pick:{key}")
    assert f"{key}/3/actor" not in draft(app)
    # Attributes of one partner on its own page.
    _entry(client, token, key, 0, {f"{key}/0/actor": codes[0], f"{key}/0/name": "Kita Regenbogen",
                                   f"{key}/0/haeufigkeit": "monatlich"}, number=4)
    save(client, token, 1, {"akteur.name": "Träger"})
    client.post(f"/r/{token}/pruefen")
    with app.app_context():
        partners = db.session.scalar(sa.select(Response)).answers[key]
    assert partners[0]["actor"] == codes[0] and partners[0]["haeufigkeit"] == "monatlich"
    assert partners[2] == {"actor": "", "name": "Hebammenpraxis Mitte", "art": [], "haeufigkeit": None,
                           "zufriedenheit": None}


# --- Review, submit, confirmation --------------------------------------------------------------

def test_review_lists_answers_with_edit_links_and_blocks_missing_required(app, allkinds, client):
    token = allkinds[1]
    save(client, token, 2, {"netzwerk.fokus": "Übergänge"})
    review = text_of(client.get(f"/r/{token}/pruefen"))
    for number in range(1, 5):
        assert f'href="/r/{token}/seite/{number}"' in review
    assert "Übergänge" in review
    assert "Noch 1 Pflichtfrage offen" in review and "Noch offen: Bitte beantworten Sie diese Pflichtfrage." in review
    refused = client.post(f"/r/{token}/pruefen")
    text = text_of(refused)
    assert refused.status_code == 422
    assert "Noch nicht abgeschickt" in text and "Bitte beantworten Sie diese Frage." in text
    assert f'/r/{token}/seite/1#f-akteur-name-error' in text
    with app.app_context():
        assert not db.session.scalar(sa.select(Response)).is_submitted


def test_review_names_an_untitled_page_once_in_its_edit_button(app, planner, client):
    with app.app_context():
        token = invite(two_page_survey(planner[0], required=False))
    review = text_of(client.get(f"/r/{token}/pruefen"))
    assert ">Seite 1 bearbeiten</a>" in review and "Seite „Seite 1“" not in review
    assert ">Seite „Schwerpunkt“ bearbeiten</a>" in review


def test_submit_shows_confirmation_mails_a_copy_and_is_read_only(app, allkinds, client, inbox):
    token, key = allkinds[1], "angebote.angebote"
    save(client, token, 1, {"akteur.name": "Kita Sonnenschein", "akteur.mitarbeitende": "14"})
    client.post(f"/r/{token}/seite/3/eintrag/{key}/0", data={f"{key}/0/name": "Babyclub", f"{key}/0/art": "gruppe"})
    done = client.post(f"/r/{token}/pruefen", follow_redirects=True)
    page = text_of(done)
    assert done.request.path == f"/r/{token}/fertig"
    assert "Vielen Dank" in page and "kita@traeger.example" in page and "Drucken oder als PDF" in page
    assert "Babyclub" in page and "Kita Sonnenschein" in page
    deliver(app)
    [mail] = [m for m in inbox.to("kita@traeger.example") if "Bestätigung" in m["Subject"]]
    body = mail.get_body(("plain",)).get_content()
    assert "Kita Sonnenschein" in body and "Babyclub" in body and "14" in body
    assert "Babyclub" in mail.get_body(("html",)).get_content()
    # Read-only: every way back leads to the confirmation, and a post changes nothing.
    assert client.get(f"/r/{token}/seite/1").headers["Location"].endswith("/fertig")
    assert client.get(f"/r/{token}").headers["Location"].endswith("/fertig")
    assert client.post(f"/r/{token}/seite/1", data={"akteur.name": "Später"}).headers["Location"].endswith("/fertig")
    assert client.post(f"/r/{token}/seite/3/eintrag/{key}/0", data={f"{key}/0/name": "x"}).status_code == 302
    client.post(f"/r/{token}/pruefen")
    assert draft(app)["akteur.name"] == ["Kita Sonnenschein"] and draft(app)[f"{key}/0/name"] == ["Babyclub"]
    assert len([m for m in inbox.messages if "Bestätigung" in m["Subject"]]) == 1
    deliver(app)
    assert len([m for m in inbox.messages if "Bestätigung" in m["Subject"]]) == 1


def _print_rules(css: str) -> str:
    """The rule text inside every `@media print { … }` block of a stylesheet."""
    rules = []
    for start in (m.end() for m in re.finditer(r"@media print\s*\{", css)):
        depth, end = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        rules.append(css[start:end - 1])
    return "\n".join(rules)


def test_done_page_has_a_print_stylesheet_view(app, allkinds, client):
    survey_id, token = allkinds
    save(client, token, 1, {"akteur.name": "Kita Regenbogen"})
    client.post(f"/r/{token}/pruefen")
    page = client.get(f"/r/{token}/fertig")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    with app.app_context():
        title = db.session.get(Survey, survey_id).title
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', body).group(1)
    # Printed, the sheet names the survey, keeps the confirmation and the answers, drops the buttons.
    heading = re.search(r'<h2 class="print-only">([^<]*)</h2>', body).group(1)
    assert html.unescape(title) in html.unescape(heading)
    assert re.search(r'class="flash flash-success keep-in-print"[^>]*>\s*<p>Ihre Antworten sind', body)
    assert "Kita Regenbogen" in body
    assert re.search(r'<p class="noprint"><button type="button" data-print', body)
    with client.get(stylesheet) as reply:
        printed = _print_rules(reply.get_data(as_text=True))
    assert re.search(r"\.print-only\s*\{\s*display:\s*block", printed)
    assert re.search(r"\.noprint[^{]*\{\s*display:\s*none", printed)
    assert re.search(r"\.flash:not\(\.keep-in-print\)[^{]*\{\s*display:\s*none", printed)


# --- Reopening by the planner ------------------------------------------------------------------

def _submitted(app, client, token):
    save(client, token, 1, {"akteur.name": "Kita"})
    client.post(f"/r/{token}/pruefen")
    with app.app_context():
        return db.session.scalar(sa.select(Invitation)).id


def test_planner_reopens_a_submitted_response_and_the_respondent_edits_again(app, allkinds, client, planner_client):
    token = allkinds[1]
    invitation_id = _submitted(app, client, token)
    with app.app_context():
        survey_id = db.session.get(Invitation, invitation_id).survey_id
    detail = text_of(planner_client.get(f"/surveys/{survey_id}/invitations/{invitation_id}"))
    assert f'action="/r-admin/{invitation_id}/reopen"' in detail  # the planner finds the button
    reply = planner_client.post(f"/r-admin/{invitation_id}/reopen", follow_redirects=True)
    assert "ist wieder geöffnet" in text_of(reply)
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        assert not response.is_submitted and response.answers is None
        assert response.invitation.status is InvitationStatus.IN_PROGRESS
    page = text_of(client.get(f"/r/{token}/seite/1"))
    assert 'value="Kita"' in page
    save(client, token, 1, {"akteur.name": "Kita (korrigiert)"})
    client.post(f"/r/{token}/pruefen")
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).answers["akteur.name"] == "Kita (korrigiert)"


def test_only_a_planner_of_the_same_kommune_can_reopen(app, allkinds, client, analyst_client):
    invitation_id = _submitted(app, client, allkinds[1])
    assert app.test_client().post(f"/r-admin/{invitation_id}/reopen").status_code in (302, 401)
    assert analyst_client.post(f"/r-admin/{invitation_id}/reopen").status_code == 403
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo")
    other = login(app.test_client(), email)
    assert other.post(f"/r-admin/{invitation_id}/reopen").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).is_submitted


# --- Sending the link again --------------------------------------------------------------------

def test_link_is_sent_again_only_to_the_invited_address_and_at_most_every_ten_minutes(app, allkinds, client, inbox):
    token = allkinds[1]
    first = client.post(f"/r/{token}/link", data={"email": "angreifer@example.com"}, follow_redirects=True)
    assert "Wir haben Ihnen den Link noch einmal geschickt" in text_of(first)
    second = client.post(f"/r/{token}/link", follow_redirects=True)
    assert "Der Link wurde gerade erst verschickt" in text_of(second)
    assert re.search(r"in (9|10) Minuten", text_of(second))
    with app.app_context():
        links = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "link")).all()
        assert [m.recipient for m in links] == ["kita@traeger.example"]
        links[0].created_at = links[0].created_at - dt.timedelta(minutes=11)
        db.session.commit()
    client.post(f"/r/{token}/link")
    deliver(app)
    mails = [m for m in inbox.messages if "Ihr Link" in m["Subject"]]
    assert len(mails) == 2 and all(m["To"] == "kita@traeger.example" for m in mails)
    assert f"/r/{token}" in mails[0].get_body(("plain",)).get_content()
    assert not inbox.to("angreifer@example.com")


# --- Many respondents at once ------------------------------------------------------------------

def test_fifty_respondents_saving_at_the_same_time_all_succeed(app, planner):
    with app.app_context():
        survey = make_survey(planner[0], keys=["netzwerk.fokus", "netzwerk.wirkungskreis"])
        tokens = [invite(survey, f"traeger{n}@example.org", f"Träger {n}") for n in range(50)]
    barrier = threading.Barrier(50)
    results: list[int] = []
    lock = threading.Lock()

    def respondent(n: int, token: str) -> None:
        client = app.test_client()
        barrier.wait()
        reply = client.post(f"/r/{token}/seite/1", data={"_revision": "0", "netzwerk.fokus": f"Antwort {n}",
                                                         "netzwerk.wirkungskreis": "stadtteil"})
        with lock:
            results.append(reply.status_code)

    threads = [threading.Thread(target=respondent, args=(n, t)) for n, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302] * 50
    with app.app_context():
        drafts = {r.draft["netzwerk.fokus"][0] for r in db.session.scalars(sa.select(Response))}
    assert drafts == {f"Antwort {n}" for n in range(50)}
    with app.app_context():
        db.engine.dispose()  # close the extra pooled connections the threads opened (PostgreSQL)


def test_autosave_json_is_valid_even_for_a_submitted_response(app, allkinds, client):
    token = allkinds[1]
    _submitted(app, client, token)
    reply = client.post(f"/r/{token}/seite/1", data={"_autosave": "1", "akteur.name": "x"})
    assert reply.status_code == 409 and json.loads(reply.get_data())["submitted"]


def test_renamed_district_shows_at_once_on_an_open_survey(app, allkinds, client):
    from survey.models import District

    token = allkinds[1]
    client.post(f"/r/{token}/start")
    assert "Nordstadt" in text_of(client.get(f"/r/{token}/seite/1"))
    with app.app_context():
        district = db.session.scalar(sa.select(District).where(District.name == "Nordstadt"))
        district.name = "Nordstadt-Mitte"
        db.session.commit()
    page = text_of(client.get(f"/r/{token}/seite/1"))
    assert "Nordstadt-Mitte" in page


# --- A save that arrives too late keeps what was typed ------------------------------------------

def test_a_save_after_the_survey_was_closed_shows_the_typed_answers_to_copy(app, allkinds, client):
    survey_id, token = allkinds
    client.post(f"/r/{token}/start")
    page = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    typed = "Familienzentrum am Park\nmit zwei Zeilen"
    response = client.post(f"/r/{token}/seite/1", data={**form_state(page), "_action": "next", "akteur.name": typed})
    text = text_of(response)
    assert response.status_code == 410
    assert "ist beendet" in text and "nicht gespeichert" in text
    assert "Wie heißt Ihre Einrichtung?" in text  # under its question
    assert "Familienzentrum am Park\nmit zwei Zeilen" in text  # as typed, line break and all
    assert draft(app).get("akteur.name") is None  # nothing was stored


def test_a_submit_after_the_survey_was_closed_shows_the_saved_answers_to_copy(app, allkinds, client):
    survey_id, token = allkinds
    client.post(f"/r/{token}/start")
    save(client, token, 1, {"akteur.name": "Jugendhaus Ost"})
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    response = client.post(f"/r/{token}/pruefen")
    text = text_of(response)
    assert response.status_code == 410
    assert "nicht abgeschickt" in text and "Jugendhaus Ost" in text


def test_an_autosave_after_closing_says_so_and_keeps_the_fields(app, allkinds, client):
    survey_id, token = allkinds
    client.post(f"/r/{token}/start")
    with app.app_context():
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    reply = client.post(f"/r/{token}/seite/1", data={"_autosave": "1", "akteur.name": "Kita"})
    assert reply.status_code == 410 and "beendet" in reply.get_json()["message"]


def test_a_save_on_a_withdrawn_link_shows_the_answers_but_no_hint_about_the_survey(app, allkinds, client):
    survey_id, token = allkinds
    client.post(f"/r/{token}/start")
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        invitation.status = InvitationStatus.WITHDRAWN
        db.session.commit()
    response = client.post(f"/r/{token}/seite/1", data={"_action": "save", "akteur.name": "Jugendhaus Ost"})
    text = text_of(response)
    assert response.status_code == 404
    assert "Dieser Link ist nicht (mehr) gültig" in text and "nicht gespeichert" in text
    assert "Jugendhaus Ost" in text
    assert "Bestandsaufnahme Nordstadt" not in text and "Petra" not in text
