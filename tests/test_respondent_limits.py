"""Respondent field limits on save: every field a kind renders has a limit, shown under the field;
a save stores the fields within their limits and shows the others back unsaved, as typed, with the
limit; a post far beyond any limit (even beyond MAX_CONTENT_LENGTH) still saves what fits."""

from __future__ import annotations

import html
import random
import re
from urllib.parse import urlencode

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import encode_multipart

from e2e.allkinds import make_all_kinds_survey
from export_cases import question_of
from factories import invite
from questionnaires import formatting as fmt
from questionnaires.kinds import CODE_MAX, KINDS
from survey import bounded_form
from survey.extensions import db
from survey.models import Response, Survey
from survey.services import responses as response_service

ANSWERABLE = sorted(name for name, kind in KINDS.items() if kind.answerable)
FIELD = re.compile(r'<(?:input|textarea)[^>]*\bname="([^"_][^"]*)"')


def _fields_of(kind_name: str, question, rng: random.Random) -> dict[str, list[str]]:
    """The raw fields the form posts for a valid answer (the kind's own `to_raw` of a demo answer)."""
    kind = KINDS[kind_name]
    for _ in range(20):
        values = kind.demo_answer(question, rng)
        raw = kind.to_raw(question, values.get(question.key), question.key, values).raw
        if raw:
            return raw
    return {}


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(ANSWERABLE), data=st.data(), seed=st.integers(0, 10_000), excess=st.integers(1, 5000))
def test_every_kind_refuses_an_over_limit_field_with_its_limit_and_keeps_the_rest(kind, data, seed, excess):
    question = data.draw(question_of(kind, "modul.frage"))
    raw = _fields_of(kind, question, random.Random(seed))
    if not raw:
        return
    # A valid answer is never refused, and every field the form posts has a limit.
    kept, refused, refused_fields = response_service.within_limits([question], raw)
    assert (kept, refused, refused_fields) == (raw, {}, {})
    name = data.draw(st.sampled_from(sorted(raw)))
    part = name[len(question.key) + 1:]
    limit = KINDS[kind].limit(question, part)
    assert limit is not None, (kind, name)
    long_value = ("Ä" * (limit.chars + excess))[: limit.chars + excess]
    posted = {**raw, name: [long_value]}
    kept, refused, refused_fields = response_service.within_limits([question], posted)
    assert refused_fields == {name: [long_value]}  # shown back exactly as typed
    assert kept == {n: v for n, v in raw.items() if n != name}  # the rest is stored
    message = next(iter(refused.values()))
    assert message.startswith("Nicht gespeichert")
    if not limit.message:  # a text: the message states the limit in German notation
        assert f"höchstens {fmt.number(limit.chars)} Zeichen" in message


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(ANSWERABLE), data=st.data())
def test_fields_a_kind_does_not_have_are_never_stored(kind, data):
    question = data.draw(question_of(kind, "modul.frage"))
    stray = {"modul.frage/zz_unbekannt/9/x": ["a"], "modul.frage/99999999": ["b"]}
    kept, refused, _ = response_service.within_limits([question], stray)
    assert kept == {} and refused == {}


# Field names as our forms have them: no control characters, no quote (browsers send it as %22) and
# no backslash (Werkzeug's own multipart parser reads name="\" as a nameless field).
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='\\"'), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)), max_size=12),
       st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data"]))
def test_the_bounded_reader_reads_ordinary_posts_as_werkzeug_does(fields, content_type):
    """Below the caps the bounded reader returns exactly what Werkzeug's own form parser returns."""
    from werkzeug.datastructures import MultiDict
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    def environ():
        return EnvironBuilder(method="POST", data=MultiDict(fields), content_type=content_type).get_environ()

    expected = list(Request(environ()).form.items(multi=True))
    env = environ()
    request = Request(env)
    if content_type.startswith("multipart"):
        form, cut = bounded_form.read_multipart(env["wsgi.input"], request.mimetype_params["boundary"].encode())
    else:
        form, cut = bounded_form.read_urlencoded(env["wsgi.input"])
    assert list(form.items(multi=True)) == expected and cut == {}


def _multi(fields):
    from werkzeug.datastructures import MultiDict

    return MultiDict(fields)


def test_the_bounded_reader_cuts_a_monster_and_says_how_long_it_was():
    import io

    body = urlencode([("a", "kurz"), ("b", "ü" * 3_000_000), ("c", "auch kurz")]).encode()
    form, cut = bounded_form.read_urlencoded(io.BytesIO(body))
    assert form["a"] == "kurz" and form["c"] == "auch kurz"
    assert len(form["b"]) * 2 <= bounded_form.FIELD_BYTES and set(form["b"]) == {"ü"}
    assert 2_900_000 <= cut["b"] <= 3_100_000
    boundary, data = encode_multipart(_multi([("a", "kurz"), ("b", "x" * 3_000_000), ("c", "auch kurz")]))
    form, cut = bounded_form.read_multipart(io.BytesIO(data), boundary.encode())
    assert (form["a"], form["c"], len(form["b"])) == ("kurz", "auch kurz", bounded_form.FIELD_BYTES)
    assert cut == {"b": 3_000_000}


# --- through the respondent pages ---------------------------------------------------------------

def _setup(app, planner):
    with app.app_context():
        survey = make_all_kinds_survey(planner[0], max_offers=5, actors=2)
        return survey.id, invite(survey)


def _draft(app) -> dict:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        return response.draft if response else {}


def _page_fields(client, token, number) -> tuple[str, list[str]]:
    page = client.get(f"/r/{token}/seite/{number}").get_data(as_text=True)
    return page, sorted(set(FIELD.findall(page)))


def _limit_of(app, survey_id, name):
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for question in survey.questions():
            if name == question.key or name.startswith(question.key + "/"):
                return question, KINDS[question.kind].limit(question, name[len(question.key) + 1:])
    raise AssertionError(name)


def test_every_field_on_the_respondent_pages_shows_its_limit_and_is_refused_over_it(app, planner, client):
    survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    checked = 0
    for number in (1, 2):
        page, names = _page_fields(client, token, number)
        assert "Höchstens 300 Zeichen." in page or "Höchstens 5.000 Zeichen." in page
        for name in names:
            question, limit = _limit_of(app, survey_id, name)
            assert limit is not None, name
            base = dict(re.findall(r'name="(_revision|_base)" value="(\w*)"', page))
            typed = "Zu lang! " + "x" * limit.chars
            other = "akteur.name" if number == 1 else "netzwerk.fokus"
            data = {**base, "_action": "next", name: typed, **({other: "Passt"} if other != name else {})}
            response = client.post(f"/r/{token}/seite/{number}", data=data)
            text = html.unescape(response.get_data(as_text=True))
            assert response.status_code == 422, name
            assert "Nicht gespeichert" in text and "bitte kürzen und erneut speichern" in text
            if not limit.message:
                assert f"höchstens {fmt.number(limit.chars)} Zeichen" in text
            if limit.chars != CODE_MAX:  # typed text is kept as typed (a choice shows its options again)
                assert typed in text, name
            saved = _draft(app)
            assert typed not in saved.get(name, [])
            if other != name:
                assert saved[other] == ["Passt"]
            page = client.get(f"/r/{token}/seite/{number}").get_data(as_text=True)
            checked += 1
    assert checked >= 12


def test_an_entry_field_over_its_limit_is_refused_on_the_entry_page_and_the_rest_saved(app, planner, client):
    survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    url = f"/r/{token}/seite/3/eintrag/angebote.angebote/0"
    page = client.get(url).get_data(as_text=True)
    names = sorted(set(FIELD.findall(page)))
    texts = [n for n in names if _limit_of(app, survey_id, n)[1].chars >= 300]
    assert texts, names
    first, *rest = texts
    limit = _limit_of(app, survey_id, first)[1]
    base = dict(re.findall(r'name="(_revision|_base)" value="(\w*)"', page))
    data = {**base, "_action": "list", first: "y" * (limit.chars + 1)}
    if rest:
        data[rest[0]] = "Passt"
    response = client.post(url, data=data)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"höchstens {fmt.number(limit.chars)} Zeichen" in text and "y" * (limit.chars + 1) in text
    saved = _draft(app)
    assert first not in saved
    if rest:
        assert saved[rest[0]] == ["Passt"]


def test_a_post_beyond_max_content_length_saves_what_fits_and_says_what_did_not(app, planner, client):
    survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    page = client.get(f"/r/{token}/seite/2").get_data(as_text=True)
    base = dict(re.findall(r'name="(_revision|_base)" value="(\w*)"', page))
    monster = "Kopiert aus dem Jahresbericht. " * 700_000  # 21.7 MB, beyond MAX_CONTENT_LENGTH (16 MB)
    body = urlencode({**base, "_action": "save", "netzwerk.fokus": monster, "netzwerk.seit": "2015",
                      "netzwerk.themen/0": "Übergänge"}).encode()
    assert len(body) > app.config["MAX_CONTENT_LENGTH"]
    response = client.post(f"/r/{token}/seite/2", data=body, content_type="application/x-www-form-urlencoded")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Datei" not in text
    assert "höchstens 5.000 Zeichen" in text and "etwa 21.700.000 Zeichen" in text
    assert "Kopiert aus dem Jahresbericht. Kopiert" in text  # its beginning is still in the form
    saved = _draft(app)
    assert saved["netzwerk.seit"] == ["2015"] and saved["netzwerk.themen/0"] == ["Übergänge"]
    assert "netzwerk.fokus" not in saved


def test_autosave_saves_what_fits_and_names_what_did_not(app, planner, client):
    _survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    page = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    base = dict(re.findall(r'name="(_revision|_base)" value="(\w*)"', page))
    reply = client.post(f"/r/{token}/seite/1", data={**base, "_autosave": "1", "akteur.name": "N" * 301,
                                                      "akteur.mitarbeitende": "12"},
                        content_type="multipart/form-data").get_json()
    assert reply["ok"] and reply["refused"] == ["akteur.name"]
    assert "höchstens 300 Zeichen" in reply["message"]
    assert _draft(app)["akteur.mitarbeitende"] == ["12"] and "akteur.name" not in _draft(app)


def test_a_post_beyond_the_respondent_limit_gets_a_german_page_without_datei(app, planner, client):
    _survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    before = app.config["RESPONDENT_MAX_POST"]
    app.config["RESPONDENT_MAX_POST"] = 100_000
    try:
        response = client.post(f"/r/{token}/seite/1", data={"akteur.name": "x" * 200_000})
    finally:
        app.config["RESPONDENT_MAX_POST"] = before
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 413 and "Zu viel auf einmal gesendet" in text and "Datei" not in text


def test_a_typed_partner_name_over_its_limit_is_not_added_and_stays_in_its_field(app, planner, client):
    _survey_id, token = _setup(app, planner)
    client.post(f"/r/{token}/start")
    page = client.get(f"/r/{token}/seite/4").get_data(as_text=True)
    base = dict(re.findall(r'name="(_revision|_base)" value="(\w*)"', page))
    typed = "Verein " + "z" * 300
    response = client.post(f"/r/{token}/seite/4", data={**base, "_action": "pick:kooperation.partner",
                                                        "_new/kooperation.partner": typed})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "höchstens 300 Zeichen" in text and f'value="{typed}"' in text
    assert not any(name.startswith("kooperation.partner/") for name in _draft(app))
