"""Start pages per role, the menus (crawled), the planner's dashboard, its next step per state, and
the one response rate shared by dashboard, invitation list and results."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import overview as overview_mod
from analysis.dataset import InvitationRecord
from factories import deliver, invite, login, make_survey, make_user
from survey.extensions import db
from survey.models import Invitation, InvitationStatus, SurveyState, utc_now
from survey.services.dashboard import next_step
from survey.services.invitations import (
    Counts,
)

ROLES = ("admin", "planner", "analyst")
# What each role's start page shows (its h1) and must not offer.
START = {"admin": ("/admin/", "Verwaltung"), "planner": ("/uebersicht", "Übersicht"),
         "analyst": ("/results/", "Auswertung")}


class Links(HTMLParser):
    """The links (and their texts) inside the main navigation, the brand link, and the first h1."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[tuple[str, str]] = []
        self.brand = ""
        self.h1 = ""
        self._in_nav = self._in_h1 = False
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "Hauptnavigation":
            self._in_nav = True
        elif tag == "a" and "brand" in (attrs.get("class") or ""):
            self.brand = attrs["href"]
        elif tag == "a" and self._in_nav:
            self._href, self._text = attrs["href"], ""
        elif tag == "h1" and not self.h1:
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag == "a" and self._href is not None:
            self.nav.append((self._href, self._text.strip()))
            self._href = None
        elif tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._href is not None:
            self._text += data
        if self._in_h1:
            self.h1 += data


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


@pytest.fixture
def clients(app, planner):
    result = {"planner": login(app.test_client(), planner[1])}
    for role in ("admin", "analyst"):
        _id, email = make_user(app, role)
        result[role] = login(app.test_client(), email)
    with app.app_context():
        make_survey(planner[0])
    return result


@pytest.mark.parametrize("role", ROLES)
def test_login_lands_on_the_roles_start_page_and_slash_leads_there(app, planner, role):
    email = planner[1] if role == "planner" else make_user(app, role)[1]
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "geheim-genug-123"})
    start, heading = START[role]
    assert response.headers["Location"] == start
    page = client.get(start)
    assert page.status_code == 200 and parse(page.get_data(as_text=True)).h1.strip().startswith(heading)
    slash = client.get("/")
    assert slash.status_code == 302 and slash.headers["Location"] == start
    assert parse(page.get_data(as_text=True)).brand == "/"


def test_logged_out_slash_leads_to_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


@pytest.mark.parametrize("target, lands", [
    ("/actors/", "/actors/"), ("https://evil.example/x", "/uebersicht"), ("//evil.example", "/uebersicht"),
    ("/\\evil.example", "/uebersicht"),
])
def test_a_safe_next_still_wins_after_login(app, planner, target, lands):
    response = app.test_client().post(f"/login?next={target}",
                                      data={"email": planner[1], "password": "geheim-genug-123"})
    assert response.headers["Location"] == lands


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_of_a_role_opens_a_200_page(app, clients, role):
    client = clients[role]
    start = client.get(START[role][0]).get_data(as_text=True)
    links = parse(start).nav
    assert links, "no menu links rendered"
    for href, text in links:
        response = client.get(href, follow_redirects=True)
        assert response.status_code == 200, f"{role}: menu link {text!r} ({href}) answers {response.status_code}"
    texts = {text for _href, text in links}
    if role == "analyst":
        assert not texts & {"Befragungen", "Akteure", "Übersicht", "Verwaltung"}
    if role == "planner":
        assert "Verwaltung" not in texts and {"Übersicht", "Befragungen", "Akteure", "Auswertung"} <= texts
    if role == "admin":
        assert {"Verwaltung", "Übersicht", "Befragungen", "Auswertung", "Mein Konto"} <= texts


def test_error_page_leads_to_the_start_page(app, clients):
    page = clients["analyst"].get("/surveys/")
    assert page.status_code == 403
    assert 'href="/">Zur Startseite' in page.get_data(as_text=True)


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_shows_counts_rate_last_answer_reminder_failures_and_next_step(app, planner, planner_client, inbox):
    with app.app_context():
        survey = make_survey(planner[0], title="Kita-Netzwerke")
        survey.deadline = (utc_now() + dt.timedelta(days=20)).date()
        survey.remind_days_before = 5
        db.session.commit()
        survey_id = survey.id
        tokens = [invite(survey, f"org{i}@traeger.example", f"Org {i}") for i in range(5)]
        draft = make_survey(planner[0], title="Noch in Arbeit", open_it=False)
        draft_id = draft.id
    inbox.refuse.add("org4@traeger.example")
    deliver(app)
    # A mere GET of the welcome page (as a mail scanner does) does not count as opened.
    assert app.test_client().get(f"/r/{tokens[0]}").status_code == 200
    for token in tokens[1:4]:
        app.test_client().post(f"/r/{token}/start")
    with app.app_context():
        invitation = db.session.query(Invitation).filter_by(email="org2@traeger.example").one()
        invitation.status = InvitationStatus.SUBMITTED
        invitation.submitted_at = utc_now()
        db.session.query(Invitation).filter_by(email="org3@traeger.example").one().status = InvitationStatus.IN_PROGRESS
        db.session.commit()
    page = planner_client.get("/uebersicht").get_data(as_text=True)
    draft_card = page[page.index("Noch in Arbeit"):page.index("Kita-Netzwerke")]  # newest first
    card = page[page.index("Kita-Netzwerke"):]
    # 5 invited, 1 could not be reached: 4 reached, 3 opened, 2 started, 1 submitted = 25 %
    assert "4</span> erreicht" in card and "3</span> geöffnet" in card and "2</span> begonnen" in card
    assert "<strong>1</strong> abgeschickt" in card and "25\u00a0%" in card
    assert "1 nicht zugestellt" in card
    assert "Nächste Erinnerung</dt><dd>" in card and "keine geplant" not in card
    assert "Letzte Antwort</dt><dd>noch keine" not in card
    assert "Fehlgeschlagene Zustellungen prüfen" in card  # before anything else
    assert f"/surveys/{survey_id}/invitations?status=failed" in card
    assert "Vorschau prüfen und öffnen" in draft_card and f"/surveys/{draft_id}/vorschau" in draft_card


def test_dashboard_of_another_kommune_shows_none_of_ours(app, planner):
    with app.app_context():
        make_survey(planner[0], title="Unsere Befragung")
    _id, email = make_user(app, "planner", kommune="Kreis Düren", email="p@dueren.example")
    page = login(app.test_client(), email).get("/uebersicht").get_data(as_text=True)
    assert "Unsere Befragung" not in page and "Noch keine Befragung" in page


TODAY = dt.date(2026, 6, 15)


def _counts(**by_status: int) -> Counts:
    counts = Counts(by_status=dict(by_status), total=sum(by_status.values()))
    return counts


def _retrying(counts: Counts, n: int) -> Counts:
    counts.retrying = n  # waiting for another try: not yet sent, no failure
    return counts


STEP_CASES = [
    (SurveyState.DRAFT, 0, _counts(), None, "Fragen auswählen"),
    (SurveyState.DRAFT, 4, _counts(), None, "Vorschau prüfen und öffnen"),
    (SurveyState.OPEN, 4, _counts(), None, "Einladungen versenden"),
    (SurveyState.OPEN, 4, _counts(withdrawn=2), None, "Einladungen versenden"),
    (SurveyState.OPEN, 4, _counts(sent=3, failed=1), None, "Fehlgeschlagene Zustellungen prüfen"),
    (SurveyState.OPEN, 4, _counts(created=3), None, "Versand verfolgen"),
    (SurveyState.OPEN, 4, _retrying(_counts(created=3, sent=1), 3), None, "Versand verfolgen"),
    (SurveyState.OPEN, 4, _retrying(_counts(created=3, failed=1), 3), None, "Fehlgeschlagene Zustellungen prüfen"),
    (SurveyState.OPEN, 4, _counts(sent=2, opened=1), None, "Erinnern"),
    (SurveyState.OPEN, 4, _counts(sent=2, submitted=3), TODAY, "Erinnern"),
    (SurveyState.OPEN, 4, _counts(sent=2, submitted=3), TODAY - dt.timedelta(days=1), "Befragung abschließen"),
    (SurveyState.OPEN, 4, _counts(submitted=3, withdrawn=1), None, "Befragung abschließen"),
    (SurveyState.OPEN, 4, _counts(sent=3), None, "Rücklauf verfolgen", TODAY - dt.timedelta(days=6)),
    (SurveyState.OPEN, 4, _counts(sent=3), None, "Erinnern", TODAY - dt.timedelta(days=7)),
    (SurveyState.OPEN, 4, _counts(sent=3), TODAY + dt.timedelta(days=3), "Erinnern", TODAY - dt.timedelta(days=1)),
    (SurveyState.OPEN, 4, _counts(sent=3), TODAY + dt.timedelta(days=4), "Rücklauf verfolgen", TODAY),
    (SurveyState.CLOSED, 4, _counts(sent=2, submitted=3), None, "Ergebnisse ansehen"),
    (SurveyState.CLOSED, 4, _counts(sent=2), None, "Befragung ansehen"),
]


@pytest.mark.parametrize("state, questions, counts, deadline, label, last_mail",
                         [case if len(case) == 6 else (*case, None) for case in STEP_CASES])
def test_next_step_follows_state_and_counts(state, questions, counts, deadline, label, last_mail):
    assert next_step(state, questions, counts, deadline, TODAY, last_mail).label == label


def test_every_next_step_leads_to_a_page_the_planner_may_open(app, planner, planner_client):
    with app.app_context():
        survey_id = make_survey(planner[0]).id
    with app.test_request_context():
        from flask import url_for

        urls = {url_for(step.endpoint, survey_id=survey_id, **dict(step.args))
                for step in (next_step(*case[:4], TODAY, *case[5:]) for case in STEP_CASES)}
    assert len(urls) >= 4
    for url in urls:
        assert planner_client.get(url).status_code == 200, url


# --- one response rate ---------------------------------------------------------------------------

STATUSES = [s.value for s in InvitationStatus]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(STATUSES), st.integers(min_value=0, max_value=40)))
def test_invitation_list_results_and_groups_share_one_response_rate(by_status):
    counts = Counts(by_status=by_status, total=sum(by_status.values()))
    records = [InvitationRecord(id=n, actor=None, status=status)
               for n, status in enumerate(s for s, k in by_status.items() for _ in range(k))]
    shared = overview_mod.response_rate(by_status)
    view = overview_mod.overview(records)
    assert view.response_rate == shared
    assert (counts.rate is None) == (shared is None)
    if shared is not None:
        assert counts.rate == pytest.approx(100 * shared)
        assert counts.invited == view.invited
        # declined ("nimmt nicht teil") reached someone and is in; withdrawn, failed, bounced
        # ("unzustellbar") and not yet sent invitations are never in the denominator
        assert view.invited == sum(by_status.get(s, 0) for s in ("sent", "opened", "in_progress", "submitted",
                                                                 "declined"))
        assert view.invited + sum(by_status.get(s, 0) for s in ("created", "failed", "bounced", "withdrawn")) \
            == sum(by_status.values())
