"""Partner names matched to the register: suggestions while typing (without JavaScript and as JSON),
the planner's assignment changing the network, register merges rewriting references, the merge
confirmation, and the prefill of the organisation's facts from the register."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Actor, AuditEntry, PartnerMatch, Response, User
from survey.services import actors as actor_service
from survey.services import invitations, partner_matching
from survey.services.results.dataset import build_dataset
from survey.views import partners as partner_views
from tests.factories import login, make_survey, make_user

KEY = "kooperation.partner"
HUB = "Städt. Kita Eving"
TYPED = "Kita Eving (städtisch)"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _plain(response) -> str:
    """The page's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _text(response)).split()).replace(" ,", ",")


def _state(page: str) -> dict[str, str]:
    return {"_revision": re.search(r'name="_revision" value="(\d+)"', page).group(1),
            "_base": re.search(r'name="_base" value="(\w*)"', page).group(1)}


@pytest.fixture
def world(app, planner):
    """A register of four, a network survey; three members answered: two picked or typed the hub."""
    with app.app_context():
        kommune = db.session.get(User, planner[0]).kommune
        names = [HUB, "Jugendamt Eving", "Grundschule Nord", "Familienzentrum Süd"]
        register = [actor_service.save(kommune, actor_service.ActorData(name=n, sector="")) for n in names]
        survey = make_survey(planner[0], keys=[KEY])
        tokens = {}
        for actor in register[1:]:
            _invitation, tokens[actor.name] = invitations.invite(survey, f"{actor.id}@eving.example", actor=actor)
        db.session.commit()
        codes = {a.name: a.code for a in register}
        ids = {a.name: a.id for a in register}
        return {"survey_id": survey.id, "tokens": tokens, "codes": codes, "ids": ids, "kommune_id": kommune.id}


def _answer(app, world, who: str, partners: list[dict]) -> None:
    """A submitted response of `who` naming `partners` (as the parsed roster stores them)."""
    with app.app_context():
        from survey.models import Invitation

        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.actor_id == world["ids"][who]))
        response = Response(survey_id=world["survey_id"], invitation_id=invitation.id, draft={},
                            answers={KEY: partners})
        db.session.add(response)
        from survey.models import utc_now

        response.submitted_at = invitation.submitted_at = utc_now()
        db.session.commit()


def _network(app, world):
    from analysis import network

    with app.app_context():
        from survey.models import Survey

        dataset = build_dataset(db.session.get(Survey, world["survey_id"]), include_drafts=False)
        graph = network.build_graph(dataset)
        return network.metrics(graph)


def _answered(app, world):
    hub = world["codes"][HUB]
    _answer(app, world, "Jugendamt Eving", [{"actor": hub, "name": HUB}])
    _answer(app, world, "Grundschule Nord", [{"actor": "", "name": TYPED},
                                             {"actor": world["codes"]["Jugendamt Eving"], "name": "Jugendamt Eving"}])
    _answer(app, world, "Familienzentrum Süd", [{"actor": "", "name": "kita eving  (Städtisch)"}])


def test_typed_name_suggests_the_register_entry_without_javascript(app, world, client):
    token = world["tokens"]["Grundschule Nord"]
    page = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    reply = client.post(f"/r/{token}/seite/1", data={**_state(page), f"_new/{KEY}": TYPED,
                                                      "_action": f"match:{KEY}"})
    assert reply.status_code == 302 and "partner=" in reply.headers["Location"]
    shown = _text(client.get(reply.headers["Location"]))
    assert "Meinten Sie eine dieser Organisationen" in shown
    first = re.search(r'value="choose:kooperation\.partner:(a\d+)"[^>]*>([^<]+)<', shown)
    assert first.group(1) == world["codes"][HUB] and HUB in first.group(2)
    assert f'value="{TYPED}"' in shown  # what was typed is still in its field
    with app.app_context():
        assert not any(n.endswith("/name") for n in db.session.scalar(sa.select(Response)).draft)  # nothing added yet
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    chosen = client.post(f"/r/{token}/seite/1", data={**_state(page), f"_new/{KEY}": TYPED,
                                                       "_action": f"choose:{KEY}:{world['codes'][HUB]}"},
                         follow_redirects=True)
    assert "Die Partner sind hinzugefügt" in _text(chosen)
    with app.app_context():
        stored = db.session.scalar(sa.select(Response)).draft
    assert stored[f"{KEY}/0/actor"] == [world["codes"][HUB]] and stored[f"{KEY}/0/name"] == [HUB]
    assert f"{KEY}/1/name" not in stored  # the typed spelling was replaced by the register entry


def test_search_endpoint_answers_only_within_the_links_kommune(app, world, client):
    token = world["tokens"]["Grundschule Nord"]
    reply = client.get(f"/r/{token}/partner-suche?name=kita+eving+st%C3%A4dtisch")
    assert reply.status_code == 200
    found = reply.get_json()["suggestions"]
    assert found[0]["code"] == world["codes"][HUB] and found[0]["score"] >= 80
    assert all(s["name"] != "Grundschule Nord" for s in client.get(
        f"/r/{token}/partner-suche?name=grundschule").get_json()["suggestions"])  # not oneself
    with app.app_context():
        other = make_user(app, "planner", kommune="Stadt Anderswo", email="p@anderswo.example")
        kommune = db.session.get(User, other[0]).kommune
        actor_service.save(kommune, actor_service.ActorData(name="Städtische Kita Evingen"))
        db.session.commit()
    names = [s["name"] for s in client.get(f"/r/{token}/partner-suche?name=kita+evingen").get_json()["suggestions"]]
    assert "Städtische Kita Evingen" not in names
    assert client.get("/r/unbekannt/partner-suche?name=kita").status_code == 404


def test_search_endpoint_slows_down_a_flood(app, world, client, monkeypatch):
    token = world["tokens"]["Grundschule Nord"]
    now = [1000.0]
    monkeypatch.setattr(partner_views, "clock", lambda: now[0])
    monkeypatch.setattr(partner_views, "SEARCHES_PER_MINUTE", 3)
    codes = [client.get(f"/r/{token}/partner-suche?name=kita").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Zu viele Suchanfragen" in client.get(f"/r/{token}/partner-suche?name=kita").get_json()["message"]
    now[0] += 61
    assert client.get(f"/r/{token}/partner-suche?name=kita").status_code == 200


def test_assigning_a_typed_name_merges_the_nodes_and_changes_density(app, world, planner_client):
    _answered(app, world)
    before = _network(app, world)
    page = _text(planner_client.get(f"/surveys/{world['survey_id']}/partner-abgleich"))
    assert f"„{TYPED}“" in page and "Genannt von 2 Organisationen" in page  # two spellings, one name
    accept = re.search(r'value="accept:(\d+)"[^>]*>„([^“]+)“ zuordnen', page)
    assert accept.group(2) == HUB  # the best suggestion first
    score = re.search(r'class="score">(\d+)', page).group(1)
    reply = planner_client.post(f"/surveys/{world['survey_id']}/partner-abgleich",
                                data={"name": TYPED, "_action": f"accept:{accept.group(1)}"}, follow_redirects=True)
    shown = _text(reply)
    assert f"„{TYPED}“ ist jetzt „{HUB}“ zugeordnet" in shown and "Kein eingetragener Partnername ist offen" in shown
    after = _network(app, world)
    assert (before.actors, after.actors) == (5, 4)
    assert after.density > before.density
    assert after.betweenness_top[0].name == HUB
    with app.app_context():
        match = db.session.scalar(sa.select(PartnerMatch))
        assert match.actor_id == world["ids"][HUB] and round(match.score) == int(score)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "partner.assigned"))
        assert TYPED in entry.description and "angenommen" in entry.description
        answers = [r.answers[KEY] for r in db.session.scalars(sa.select(Response).order_by(Response.id))]
        assert {"actor": "", "name": TYPED} in answers[1]  # the raw answer is untouched
    undone = planner_client.post(f"/surveys/{world['survey_id']}/partner-abgleich/{match.id}/aufheben",
                                 follow_redirects=True)
    assert "wieder unter „Offen“" in _text(undone)
    assert _network(app, world).actors == 5


def test_rejecting_and_adding_to_the_register(app, world, planner_client):
    _answered(app, world)
    url = f"/surveys/{world['survey_id']}/partner-abgleich"
    planner_client.post(url, data={"name": TYPED, "_action": "reject"})
    page = _text(planner_client.get(url))
    assert "eigene Organisation (nicht im Verzeichnis)" in page and "Kein eingetragener Partnername ist offen" in page
    assert _network(app, world).actors == 5
    with app.app_context():
        row = db.session.scalar(sa.select(PartnerMatch))
        db.session.delete(row)
        db.session.commit()
    planner_client.post(url, data={"name": TYPED, "_action": "add"})
    with app.app_context():
        added = db.session.scalar(sa.select(Actor).where(Actor.name == TYPED))
        assert added is not None and db.session.scalar(sa.select(PartnerMatch)).actor_id == added.id
    metrics = _network(app, world)
    assert metrics.actors == 5  # a register node now, still its own organisation


def test_the_other_kommune_cannot_see_or_assign(app, world):
    _answered(app, world)
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="p@anderswo.example")
    other = login(app.test_client(), email)
    url = f"/surveys/{world['survey_id']}/partner-abgleich"
    assert other.get(url).status_code == 404
    assert other.post(url, data={"name": TYPED, "_action": f"accept:{world['ids'][HUB]}"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PartnerMatch.id))) == 0


def test_merge_asks_first_then_rewrites_partner_references_keeping_answers(app, world, planner_client):
    _answered(app, world)
    with app.app_context():
        kommune = db.session.get(User, db.session.scalar(sa.select(User.id))).kommune
        duplicate = actor_service.save(kommune, actor_service.ActorData(
            name="Städtische Kita Eving Nord", contact_name="Nina Nord", email="nord@kita.example"))
        hub = db.session.get(Actor, world["ids"][HUB])
        hub.contact_name, hub.email = "Eva Eving", "eving@kita.example"
        db.session.commit()
        dup_id, dup_code = duplicate.id, duplicate.code
    with app.app_context():
        response = db.session.scalars(sa.select(Response).order_by(Response.id)).all()[0]
        response.answers = {KEY: [{"actor": world["codes"][HUB], "name": HUB}, {"actor": dup_code, "name": "x"}]}
        db.session.commit()
    data = {"keep": world["ids"][HUB], "member": [world["ids"][HUB], dup_id]}
    confirm = _plain(planner_client.post("/actors/duplicates", data=data))
    assert "Es bleibt „Städt. Kita Eving“" in confirm
    assert "Weitere Ansprechperson aus „Städtische Kita Eving Nord“: Nina Nord, nord@kita.example" in confirm
    assert "1 abgeschickte Antwort nennt einen der gelöschten Einträge als Partner" in confirm
    with app.app_context():
        assert db.session.get(Actor, dup_id) is not None  # nothing merged yet
    before = _network(app, world)
    planner_client.post("/actors/duplicates", data={**data, "bestaetigt": "1"})
    with app.app_context():
        assert db.session.get(Actor, dup_id) is None
        kept = db.session.get(Actor, world["ids"][HUB])
        assert kept.email == "eving@kita.example"
        assert [(c.name, c.email) for c in kept.contacts] == [("Nina Nord", "nord@kita.example")]
        stored = db.session.scalars(sa.select(Response).order_by(Response.id)).all()[0].answers[KEY]
        assert stored[1]["actor"] == dup_code  # the answer as given
        keys = set(db.session.scalars(sa.select(PartnerMatch.key)))
        assert f"a:{dup_code}" in keys
    after = _network(app, world)
    assert after.actors == before.actors - 1


def test_assigned_names_follow_a_merge(app, world, planner_client):
    _answered(app, world)
    url = f"/surveys/{world['survey_id']}/partner-abgleich"
    with app.app_context():
        kommune = db.session.get(User, db.session.scalar(sa.select(User.id))).kommune
        duplicate = actor_service.save(kommune, actor_service.ActorData(name="Kita Eving Zweigstelle"))
        db.session.commit()
        dup_id = duplicate.id
    refused = planner_client.post(url, data={"name": TYPED, "_action": "hand", "actor_name": "Kita Irgendwo"},
                                  follow_redirects=True)
    assert "„Kita Irgendwo“ steht so nicht im Akteursverzeichnis" in _text(refused)
    planner_client.post(url, data={"name": TYPED, "_action": "hand",
                                   "actor_name": f"Kita Eving Zweigstelle (Nr. {dup_id})"})
    planner_client.post("/actors/duplicates", data={"keep": world["ids"][HUB], "member": [world["ids"][HUB], dup_id],
                                                     "bestaetigt": "1"})
    with app.app_context():
        assert db.session.scalar(sa.select(PartnerMatch.actor_id).where(
            PartnerMatch.key == partner_matching.name_key(TYPED))) == world["ids"][HUB]
    assert _network(app, world).actors == 4


@pytest.mark.parametrize("typed, register, expected", [
    ("Städtische Kita Eving", "Städt. Kita Eving", True),
    ("Ev. Familienzentrum Nord", "Evangelisches Familienzentrum Nord", False),
    ("Kita Sonnenschein e. V.", "kita sonnenschein", True),
    ("Jugendamt", "Jobcenter", False),
])
def test_comparison_form(typed, register, expected):
    assert (partner_matching.match_form(typed) == partner_matching.match_form(register)) is expected


def test_the_organisations_facts_come_prefilled_from_the_register_and_stay_editable(app, planner, client):
    from survey.services import kommune as kommune_service

    with app.app_context():
        kommune = db.session.get(User, planner[0]).kommune
        district = kommune_service.add_district(kommune, "Eving")
        kommune_service.add_district(kommune, "Brechten")
        actor = actor_service.save(kommune, actor_service.ActorData(
            name="Städt. Kita Eving", sector="kita", districts=[district.code]))
        survey = make_survey(planner[0], keys=["akteur.name", "akteur.sektor", "akteur.stadtteile"])
        _invitation, token = invitations.invite(survey, "kita@eving.example", actor=actor)
        db.session.commit()
        code = district.code
    page = _text(client.get(f"/r/{token}/seite/1"))
    assert re.search(r'name="akteur\.name"[^>]*value="Städt\. Kita Eving"', page)
    assert re.search(r'value="kita"[^>]*checked', page)
    assert re.search(rf'value="{code}"[^>]*checked', page)
    page_html = client.get(f"/r/{token}/seite/1").get_data(as_text=True)
    client.post(f"/r/{token}/seite/1", data={**_state(page_html), "akteur.name": "Städtische Kita Eving",
                                             "akteur.sektor": "kita", "akteur.stadtteile": code})
    with app.app_context():
        assert db.session.scalar(sa.select(Response)).draft["akteur.name"] == ["Städtische Kita Eving"]
