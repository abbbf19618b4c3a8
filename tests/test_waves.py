"""Survey waves: a follow-up with prepared invitations, pre-filled answers, and the comparison pages.

One hand-checked example runs through every test that needs two answered waves:

Wave 2025 ("Bestandsaufnahme 2025"), invited: Kita Nord (A), Familienzentrum (B), Elternschule (D,
no register entry), Alt e. V. (E, withdrawn). Submitted:
  A: geplant = "vielleicht" (an option the catalogue no longer has), anzahl 3, offers Babyclub,
     Elterncafé and Altes Angebot (already marked "beendet"), partners: B
  B: geplant = nein, anzahl 1, offer Sprechstunde, partners: C
Wave 2026: prepared for A (new register address), B and D (old address); C added by hand.
  A: geplant newly answered "ja", anzahl 4, Babyclub unchanged, Elterncafé ended, partners B and C
  B: "Seite unverändert bestätigen" (geplant nein, anzahl 1, Sprechstunde), then a new offer
     Lernhilfe and partner C removed
Expected: geplant ja 0 % → 50 % (+50 pp), nein 50 % → 50 % (0 pp), vielleicht only 2025;
anzahl mean 2 → 2.5 (+0.5); offers new: Lernhilfe, ended: Elterncafé; ties 2025 {A–B, B–C},
2026 {A–B, A–C}: one added, one lost; response rate 2/3 → 2/4.
"""

from __future__ import annotations

import copy
import csv
import io

import sqlalchemy as sa
from flask import current_app

from factories import PASSWORD, PRIVACY, login, make_user, token_from_mail
from survey.extensions import db
from survey.models import Actor, Invitation, OutboxMessage, Response, Survey, User
from survey.services import follow_up as follow_up_service
from survey.services import invitations, responses, surveys

KEYS = ["angebote.geplant", "angebote.anzahl", "angebote.angebote", "kooperation.partner"]
OFFERS = "angebote.angebote"
PARTNERS = "kooperation.partner"


def _answer(invitation: Invitation, raw: dict[str, list[str]]) -> None:
    response = responses.start(invitation)
    response.draft = raw
    assert responses.submit(response) == {}


def _offer(n: int, name: str, **fields: str) -> dict[str, list[str]]:
    raw = {f"{OFFERS}/{n}/name": [name]}
    raw.update({f"{OFFERS}/{n}/{k}": [v] for k, v in fields.items()})
    return raw


def _partner(n: int, actor: Actor) -> dict[str, list[str]]:
    return {f"{PARTNERS}/{n}/actor": [actor.code], f"{PARTNERS}/{n}/name": [actor.name]}


def _first_wave(app, planner) -> dict[str, int]:
    """The 2025 wave as described in the module docstring; returns ids."""
    with app.app_context():
        user = db.session.get(User, planner[0])
        survey = surveys.create_survey(user.kommune, user, "Bestandsaufnahme 2025", contact_email=user.email,
                                       privacy_notice=PRIVACY)
        catalogue = current_app.extensions["catalogue"]
        for key in KEYS:
            surveys.add_question(survey, catalogue.get(key))
        item = next(i for i in survey.items if i.key == "angebote.geplant")
        old = copy.deepcopy(item.definition)  # an older catalogue version with a third option
        old["options"] = old["options"] + [{"code": "vielleicht", "label": "Vielleicht"}]
        item.definition, item.catalogue_version = old, 0
        surveys.open_survey(survey)
        actors = {}
        for short, name in (("a", "Kita Nord"), ("b", "Familienzentrum"), ("c", "Verein Süd"), ("e", "Alt e. V.")):
            actors[short] = Actor(kommune_id=user.kommune_id, name=name, email=f"{short}@traeger.example")
            db.session.add(actors[short])
        db.session.flush()
        inv_a, _ = invitations.invite(survey, "a@traeger.example", actor=actors["a"])
        inv_b, _ = invitations.invite(survey, "b@traeger.example", actor=actors["b"])
        invitations.invite(survey, "d@elternschule.example", organisation="Elternschule")
        inv_e, _ = invitations.invite(survey, "e@traeger.example", actor=actors["e"])
        follow_up_service.withdraw(inv_e)
        _answer(inv_a, {"angebote.geplant": ["vielleicht"], "angebote.anzahl": ["3"],
                        **_offer(0, "Babyclub", lebensphasen="schwangerschaft_geburt"),
                        **_offer(1, "Elterncafé", lebensphasen="kita"),
                        **_offer(2, "Altes Angebot", status="beendet"), **_partner(0, actors["b"])})
        _answer(inv_b, {"angebote.geplant": ["nein"], "angebote.anzahl": ["1"],
                        **_offer(0, "Sprechstunde", lebensphasen="kita"), **_partner(0, actors["c"])})
        actors["a"].email = "leitung@kita-nord.example"  # moved since: the register has the new address
        db.session.commit()
        return {"survey": survey.id, **{k: a.id for k, a in actors.items()}}


def _snapshot(app, survey_id: int) -> list:
    with app.app_context():
        rows = db.session.execute(sa.select(Response, Invitation).join(Invitation,
                                                                       Response.invitation_id == Invitation.id)
                                  .where(Response.survey_id == survey_id).order_by(Response.id)).all()
        result = [(r.draft, r.answers, r.submitted_at, r.revision, i.status, i.email) for r, i in rows]
        items = db.session.scalars(sa.select(Survey).where(Survey.id == survey_id)).one().items
        result.append([(i.key, i.catalogue_version, i.definition) for i in items])
        db.session.remove()
        return copy.deepcopy(result)


def _create_follow_up(planner_client, survey_id: int, update: bool = True) -> int:
    page = planner_client.get(f"/waves/{survey_id}/folgebefragung").get_data(as_text=True)
    assert "Antwort entfällt: „Vielleicht“" in page  # the catalogue change, shown before agreeing
    assert "leitung@kita-nord.example" in page and "d@elternschule.example" in page
    assert "Alt e. V.: Die Einladung war zurückgezogen." in page
    data = {"title": "Bestandsaufnahme 2026", "update": ["angebote.geplant"] if update else []}
    response = planner_client.post(f"/waves/{survey_id}/folgebefragung", data=data)
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def _second_wave(app, planner_client, inbox, ids) -> tuple[int, dict[str, str]]:
    """Create and open the follow-up; returns its id and the tokens from the delivered mails."""
    from factories import deliver

    wave = _create_follow_up(planner_client, ids["survey"])
    assert planner_client.post(f"/waves/{wave}/einladungen", data={
        "email": "c@traeger.example", "organisation": "Verein Süd"}).status_code == 302
    planner_client.post(f"/surveys/{wave}/open")
    deliver(app)
    tokens = {}
    for short, address in (("a", "leitung@kita-nord.example"), ("b", "b@traeger.example"),
                           ("c", "c@traeger.example"), ("d", "d@elternschule.example")):
        mails = [m for m in inbox.to(address) if "2026" in m["Subject"]]
        assert len(mails) == 1, address
        tokens[short] = token_from_mail(mails[0].get_body(("plain",)).get_content())
    return wave, tokens


def _page_form(html: str) -> None:
    assert 'name="_base"' in html


def _answer_second_wave(app, client, tokens, ids) -> None:
    with app.app_context():
        c_code = db.session.get(Actor, ids["c"]).code
    a = tokens["a"]
    assert client.post(f"/r/{a}/start").status_code == 302
    page = client.get(f"/r/{a}/seite/1").get_data(as_text=True)
    assert "Aus der Befragung „Bestandsaufnahme 2025“ übernommen – bitte prüfen" in page
    assert "Die Antwortmöglichkeiten haben sich geändert – bitte neu beantworten." in page
    assert 'value="3"' in page  # anzahl pre-filled
    assert "Babyclub" in page and "Elterncafé" in page and "Altes Angebot" not in page
    # Elterncafé ends (the page form is saved first, with the new answers typed so far)
    form = {"angebote.geplant": "ja", "angebote.anzahl": "4"}
    response = client.post(f"/r/{a}/seite/1", data={**form, "_action": f"end:{OFFERS}:1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Als beendet markiert" in page
    # The rest is confirmed unchanged in one click, adding partner C on the way
    response = client.post(f"/r/{a}/seite/1", data={**form, "_action": "confirm", f"_pick/{PARTNERS}": c_code})
    assert response.headers["Location"].endswith(f"/r/{a}/pruefen")
    assert client.post(f"/r/{a}/pruefen").status_code == 302

    b = tokens["b"]
    client.post(f"/r/{b}/start")
    page = client.get(f"/r/{b}/seite/1").get_data(as_text=True)
    assert "Seite unverändert bestätigen" in page and "Sprechstunde" in page
    # exactly what the page shows, confirmed as it is
    response = client.post(f"/r/{b}/seite/1", data={"angebote.geplant": "nein", "angebote.anzahl": "1",
                                                      "_action": "confirm"})
    assert response.headers["Location"].endswith(f"/r/{b}/pruefen")
    page = client.get(f"/r/{b}/seite/1").get_data(as_text=True)
    assert "Diese Seite haben Sie als unverändert bestätigt." in page and "Geprüft" in page
    client.post(f"/r/{b}/seite/1/eintrag/{OFFERS}/1", data={f"{OFFERS}/1/name": "Lernhilfe", "_action": "list"})
    client.post(f"/r/{b}/seite/1/eintrag/{PARTNERS}/0/entfernen")
    assert client.post(f"/r/{b}/pruefen").status_code == 302


def test_follow_up_prepares_invitations_and_mails_them_on_opening(app, planner, planner_client, inbox):
    ids = _first_wave(app, planner)
    wave = _create_follow_up(planner_client, ids["survey"])
    with app.app_context():
        survey = db.session.get(Survey, wave)
        assert survey.is_draft and survey.previous_id == ids["survey"]
        assert [i.key for i in survey.items] == KEYS
        geplant = next(i for i in survey.items if i.key == "angebote.geplant")
        assert geplant.catalogue_version == 1 and len(geplant.definition["options"]) == 2
        prepared = {i.email: i.organisation for i in invitations.invitations_of_survey(survey)}
        assert prepared == {"leitung@kita-nord.example": "Kita Nord", "b@traeger.example": "Familienzentrum",
                            "d@elternschule.example": "Elternschule"}
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).join(
            Invitation, OutboxMessage.invitation_id == Invitation.id).where(Invitation.survey_id == wave)) == 0
    detail = planner_client.get(f"/surveys/{wave}").get_data(as_text=True)
    assert "3 Einladungen sind vorbereitet" in detail and "Folgebefragung von" in detail
    # editable before opening: one removed, one added
    with app.app_context():
        d = db.session.scalar(sa.select(Invitation.id).where(Invitation.survey_id == wave,
                                                             Invitation.email == "d@elternschule.example"))
    planner_client.post(f"/waves/{wave}/einladungen", data={"remove": d})
    bad = planner_client.post(f"/waves/{wave}/einladungen", data={"email": "kaputt@", "organisation": "X"})
    assert bad.status_code == 422 and 'value="kaputt@"' in bad.get_data(as_text=True)
    planner_client.post(f"/waves/{wave}/einladungen", data={"email": "c@traeger.example", "organisation": "Verein Süd"})
    opened = planner_client.post(f"/surveys/{wave}/open", follow_redirects=True).get_data(as_text=True)
    assert "3 vorbereitete Einladungen werden jetzt verschickt" in opened
    from factories import deliver

    deliver(app)
    sent = [m for m in inbox.messages if "Bestandsaufnahme 2026" in m["Subject"]]
    assert sorted(m["To"] for m in sent) == ["b@traeger.example", "c@traeger.example", "leitung@kita-nord.example"]


def test_follow_up_keeps_old_wording_where_the_planner_declines(app, planner, planner_client):
    ids = _first_wave(app, planner)
    wave = _create_follow_up(planner_client, ids["survey"], update=False)
    with app.app_context():
        geplant = next(i for i in db.session.get(Survey, wave).items if i.key == "angebote.geplant")
        assert geplant.catalogue_version == 0 and len(geplant.definition["options"]) == 3


def test_prefill_and_comparison_on_the_hand_checked_example(app, planner, planner_client, client, inbox):
    ids = _first_wave(app, planner)
    before = _snapshot(app, ids["survey"])
    wave, tokens = _second_wave(app, planner_client, inbox, ids)
    _answer_second_wave(app, client, tokens, ids)

    # Nothing of the previous wave changed.
    assert _snapshot(app, ids["survey"]) == before

    with app.app_context():
        answers = {r.invitation.email: r.answers for r in db.session.scalars(
            sa.select(Response).where(Response.survey_id == wave, Response.submitted_at.is_not(None)))}
    a, b = answers["leitung@kita-nord.example"], answers["b@traeger.example"]
    assert a["angebote.geplant"] == "ja" and a["angebote.anzahl"] == 4
    assert [(o["name"], o.get("status")) for o in a[OFFERS]] == [("Babyclub", "laeuft"), ("Elterncafé", "beendet")]
    assert [p["name"] for p in a[PARTNERS]] == ["Familienzentrum", "Verein Süd"]
    assert b["angebote.geplant"] == "nein" and b["angebote.anzahl"] == 1
    assert [(o["name"], o.get("status")) for o in b[OFFERS]] == [("Sprechstunde", "laeuft"), ("Lernhilfe", None)]
    assert not b.get(PARTNERS)

    page = planner_client.get(f"/waves/{wave}/vergleich")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 neue Angebote, 1 beendete Angebote" in html
    assert "1 Kooperationen neu, 1 weggefallen" in html

    def table(name: str) -> list[list[str]]:
        response = planner_client.get(f"/waves/{wave}/diagramm/{name}.csv?format=rfc4180")
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    geplant = {row[0]: row[1:] for row in table("frage-angebote.geplant")}
    # 2025 count, 2026 count, 2025 %, 2026 %, change pp
    assert geplant["Ja"] == ["0", "1", "0", "50", "50"]
    assert geplant["Nein"] == ["1", "1", "50", "50", "0"]
    assert geplant["Vielleicht"] == ["1", "–", "50", "–", "–"]
    anzahl = {row[0]: row[1:] for row in table("frage-angebote.anzahl")}
    assert anzahl["Mittelwert"] == ["2", "2.5", "0.5"]
    offers = sorted(tuple(row) for row in table("angebote")[1:])
    assert offers == [("beendet", "Kita Nord", "Elterncafé"), ("neu", "Familienzentrum", "Lernhilfe")]
    rate = {row[0]: row[1:] for row in table("ruecklauf")}
    assert rate["2025"] == ["3", "2", "66.7"] and rate["2026"] == ["4", "2", "50"]
    network = {row[0]: row[1:] for row in table("netzwerk")}
    assert network["2025"][2] == "2" and network["2026"][2] == "2"  # ties per wave

    for name in ("frage-angebote.geplant", "abdeckung", "netzwerk"):
        png = planner_client.get(f"/waves/{wave}/diagramm/{name}.png")
        assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = planner_client.get(f"/waves/{wave}/diagramm/abdeckung.svg")
    assert b"<svg" in svg.data
    pdf = planner_client.get(f"/waves/{wave}/vergleich.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.data.count(b"/Type /Page") >= 4

    for dialect, sep in (("excel_de", ";"), ("rfc4180", ",")):
        text = planner_client.get(f"/waves/{wave}/reihe.csv?format={dialect}").get_data(as_text=True).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        assert rows[0][0] == "wave"
        assert sorted(r[0] for r in rows[1:]) == ["2025", "2025", "2026", "2026"]

    panel = planner_client.get(f"/waves/{wave}/vergleich?beide=1").get_data(as_text=True)
    assert "Verglichen werden nur Organisationen, die in allen gezeigten Befragungen geantwortet haben" in panel

    series = planner_client.get(f"/waves/{ids['survey']}").get_data(as_text=True)
    assert "Bestandsaufnahme 2025" in series and "Bestandsaufnahme 2026" in series


def test_analysts_read_with_suppression_and_other_kommunes_get_404(app, planner, planner_client, analyst_client, inbox):
    ids = _first_wave(app, planner)
    wave = _create_follow_up(planner_client, ids["survey"])
    planner_client.post(f"/surveys/{wave}/open")
    page = analyst_client.get(f"/waves/{wave}/vergleich")
    assert page.status_code == 200
    assert "Angebote und Netzwerk werden erst gezeigt" in page.get_data(as_text=True)
    assert analyst_client.get(f"/waves/{wave}/diagramm/netzwerk.csv").status_code == 404
    assert analyst_client.get(f"/waves/{ids['survey']}/folgebefragung").status_code == 403

    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="planung@anderswo.example")
    other = login(app.test_client(), email, PASSWORD)
    for url in (f"/waves/{wave}", f"/waves/{wave}/vergleich", f"/waves/{wave}/diagramm/ruecklauf.csv",
                f"/waves/{wave}/reihe.csv", f"/waves/{wave}/vergleich.pdf", f"/waves/{ids['survey']}/folgebefragung",
                f"/waves/{wave}/einladungen"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/waves/{ids['survey']}/folgebefragung", data={"title": "X"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Survey.id))) == 2


def test_no_prefill_for_an_organisation_that_did_not_answer_before(app, planner, planner_client, client, inbox):
    ids = _first_wave(app, planner)
    wave, tokens = _second_wave(app, planner_client, inbox, ids)
    client.post(f"/r/{tokens['d']}/start")  # Elternschule was invited in 2025 but never submitted
    page = client.get(f"/r/{tokens['d']}/seite/1").get_data(as_text=True)
    assert "übernommen" not in page and "Seite unverändert bestätigen" not in page
