"""The attack sweep, kept: every route of `app.url_map`, requested by each role of one Kommune with
the other Kommune's ids in its URL, is refused (403/404), shows nothing of the other Kommune and
changes none of its rows; an analyst is refused every planner action, a planner every admin action.

Cases are generated from the url map, so a new route is swept untouched. Every URL argument must
have a value here (ID_ARGS for ids that belong to a Kommune, OTHER_ARGS for the rest): a route
with an argument this test cannot fill fails until it gets one. Each filled route is first opened
with the own Kommune's ids (it must be found then), so a 404 really comes from the tenancy check
and not from a value that does not fit.
"""

from __future__ import annotations

import io
import itertools
import zipfile

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict

from factories import login
from sweep_world import build_kommune, differences, snapshot
from test_edit_conflicts import _Forms

ROLES = ("admin", "planner", "analyst")
# URL arguments that name a row of one Kommune → which id of the world fills them.
ID_ARGS = {"survey_id": "running", "invitation_id": "invitation_id", "item_id": "item_id", "page_id": "page_id",
           "district_id": "district_id", "actor_id": "actor_id", "user_id": "user_id", "report_id": "report_id",
           "contact_id": "contact_id", "match_id": "match_id", "category_id": "category_id"}
# The survey a route's other ids live in (items and pages are edited in the draft; waves are compared).
SURVEY_OF = {"item_id": "draft", "page_id": "draft", "category_id": "draft"}
SURVEY_OF_BLUEPRINT = {"waves": "wave", "test_run": "wave"}  # the Probelauf page needs a draft
# Arguments that name nothing of a Kommune: the same value for both; per endpoint where they differ.
OTHER_ARGS = {"number": 1, "key": "angebote.angebote", "index": 1, "fmt": "csv", "was": "arbeitsmappe",
              "ext": "csv", "name": "netzwerk.wirkungskreis"}
OTHER_ARGS_OF = {("waves.chart", "name"): "ruecklauf",
                 **{(f"coding.{view}", "key"): "netzwerk.fokus"  # the coded text question of the world
                    for view in ("question", "add_category", "rename_category", "delete_category", "assign",
                                 "suggestion")}}
# Routes whose credential is the URL itself (a respondent's or a set-password token), not the login:
# they are not scoped by Kommune; test_credential_routes_refuse_a_made_up_token covers them.
TOKEN_ARGS = {"token"}
# Routes that are public by design and name a Kommune: the list of its open surveys (titles only), by which
# invitees check an invitation; test_public_pages_show_titles_of_open_surveys_only covers them.
PUBLIC_ARGS = {"kommune_id"}
# Routes that exist only in demo mode (404 here; tests/test_demo_mode.py shows each Kommune its own mails).
DEMO_ONLY = {"mailbox.index", "mailbox.show", "mailbox.show_html"}
# What an analyst may open (everything else is a planner's and must answer 403).
ANALYST_MAY = {"start.index", "start.dashboard", "auth.", "health.", "static", "respond.", "results.index",
               "results.show", "results.chart", "results.actors_csv", "results.responses_csv", "results.offers_csv",
               "results.partners_csv",
               "results.codebook_csv", "results.edges_csv", "results.graphml", "results.xlsx", "results.report",
               "results.prepare", "results.prepare_status", "waves.series", "waves.compare", "waves.chart",
               "waves.series_csv", "waves.pdf"}
# What a planner (not admin) may not open.
ADMIN_ONLY = ("admin.",)


@pytest.fixture
def two(app):
    """Two Kommunen with everything: "ours" attacks, "theirs" is attacked."""
    return build_kommune(app, "Stadt Musterhausen"), build_kommune(app, "Stadt Anderswo")


def _rules(app, public: bool = False):
    """The routes to sweep (public ones only when asked for)."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in DEMO_ONLY
                   and bool(set(r.arguments) & PUBLIC_ARGS) == public), key=lambda r: r.rule)


def _tenant_args(rule) -> list[str]:
    unknown = set(rule.arguments) - set(ID_ARGS) - set(OTHER_ARGS) - TOKEN_ARGS - PUBLIC_ARGS - {"filename"}
    assert not unknown, f"{rule.rule}: add a value for {sorted(unknown)} to ID_ARGS or OTHER_ARGS of this test"
    return sorted(set(rule.arguments) & set(ID_ARGS))


def _values(rule, world: dict, foreign: set[str] = frozenset(), other: dict | None = None) -> dict:
    """The route's arguments from `world`, those named in `foreign` from `other`."""
    values = {}
    for arg in rule.arguments:
        source = other if arg in foreign else world
        if arg == "survey_id":
            inner = next((SURVEY_OF[a] for a in rule.arguments if a in SURVEY_OF), None)
            values[arg] = source["ids"][inner or SURVEY_OF_BLUEPRINT.get(rule.endpoint.split(".")[0], "running")]
        elif arg in ID_ARGS:
            values[arg] = source["ids"][ID_ARGS[arg]]
        elif arg == "filename":
            values[arg] = "style.css"
        else:
            values[arg] = OTHER_ARGS_OF.get((rule.endpoint, arg), OTHER_ARGS.get(arg))
    return values


def _fetch(client, url: str, method: str = "GET", data=None):
    """One request, its (maybe streamed) body read and closed before the next one starts."""
    if method == "GET" and data:  # a GET form sends its fields in the query string
        response = client.open(url, method=method, query_string=data)
    else:
        response = client.open(url, method=method, data=data)
    response.get_data()
    response.close()
    return response


def _url(app, rule, values: dict) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _forms_by_action(app, client, urls: list[str]) -> dict[str, list[tuple[str, str]]]:
    """What the own pages' forms post, by action path: a real form is the strongest attack body."""
    found: dict[str, list[tuple[str, str]]] = {}
    for url in urls:
        response = _fetch(client, url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = form["action"].split("?")[0].split("#")[0] or url.split("?")[0]
            fields = [tuple(f) for f in form["fields"]] + ([form["submit"]] if form["submit"] else [])
            found.setdefault(action, fields)
    return found


def _body(response) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # a workbook: its strings are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def test_every_route_argument_can_be_filled(app):
    tenant = [r.rule for r in _rules(app) if _tenant_args(r)]
    assert len(tenant) >= 50, tenant  # the sweep below is not empty


def test_every_route_refuses_the_other_kommunes_ids_and_changes_nothing(app, two):
    ours, theirs = two
    clients = {role: login(app.test_client(), ours["emails"][role]) for role in ROLES}
    rules = [r for r in _rules(app) if _tenant_args(r)]
    # Control: with the own ids each GET route is found, so the values fit the route.
    own_gets = [_url(app, r, _values(r, ours)) for r in rules if "GET" in r.methods]
    not_found = [url for url in own_gets if _fetch(clients["admin"], url).status_code == 404]
    assert not not_found, f"the own ids do not fit these routes: {not_found}"
    forms = _forms_by_action(app, clients["admin"], own_gets)

    failures, requests = [], 0
    before = snapshot(app, theirs["ids"]["kommune_id"])
    for rule in rules:
        args = _tenant_args(rule)
        own_action = _url(app, rule, _values(rule, ours))
        for size in range(1, len(args) + 1):
            for foreign in itertools.combinations(args, size):
                url = _url(app, rule, _values(rule, ours, set(foreign), theirs))
                for role, method in itertools.product(ROLES, sorted(rule.methods & {"GET", "POST"})):
                    client = clients[role]
                    response = _fetch(client, url, method,
                                      MultiDict(forms.get(own_action, [])) if method == "POST" else None)
                    requests += 1
                    if response.status_code not in (403, 404):
                        failures.append(f"{role} {method} {url}: {response.status_code}")
                    elif theirs["marker"] in _body(response):
                        failures.append(f"{role} {method} {url}: the answer names the other Kommune")
                    after = snapshot(app, theirs["ids"]["kommune_id"])
                    if after != before:
                        failures.append(f"{role} {method} {url} changed: {differences(before, after)}")
                        before = after
    assert not failures, "\n".join(failures)
    assert requests > 300


def test_pages_without_ids_show_nothing_of_the_other_kommune(app, two):
    """Lists, dashboards and exports that take no id show only the own Kommune's rows."""
    ours, theirs = two
    shown = 0
    for role in ROLES:
        client = login(app.test_client(), ours["emails"][role])
        for rule in _rules(app):
            if _tenant_args(rule) or "GET" not in rule.methods or set(rule.arguments) & TOKEN_ARGS \
                    or rule.endpoint == "static":
                continue
            response = _fetch(client, _url(app, rule, _values(rule, ours)))
            assert response.status_code < 500, rule.rule
            if response.status_code == 200:
                shown += 1
                body = _body(response)
                assert theirs["marker"] not in body, f"{role} {rule.rule} shows the other Kommune"
                if role != "analyst" and rule.endpoint in ("planner.index", "actors.index"):
                    assert ours["marker"] in body, f"{rule.rule} should list the own Kommune's rows"
    assert shown >= 15


def _allowed(endpoint: str, names) -> bool:
    return any(endpoint == n or (n.endswith(".") and endpoint.startswith(n)) for n in names)


@pytest.mark.parametrize("role, refused", [
    ("analyst", lambda endpoint: not _allowed(endpoint, ANALYST_MAY)),
    ("planner", lambda endpoint: _allowed(endpoint, ADMIN_ONLY)),
], ids=["analyst-planner-actions", "planner-admin-actions"])
def test_a_role_is_refused_what_it_may_not_do_with_the_own_kommunes_ids(app, two, role, refused):
    ours, _theirs = two
    client = login(app.test_client(), ours["emails"][role])
    admin = login(app.test_client(), ours["emails"]["admin"])
    rules = [r for r in _rules(app) if refused(r.endpoint) and not set(r.arguments) & TOKEN_ARGS]
    urls = [(r, _url(app, r, _values(r, ours))) for r in rules]
    forms = _forms_by_action(app, admin, [u for r, u in urls if "GET" in r.methods])
    failures = []
    before = snapshot(app, ours["ids"]["kommune_id"])
    for rule, url in urls:
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = _fetch(client, url, method, MultiDict(forms.get(url, [])) if method == "POST" else None)
            if response.status_code != 403:
                failures.append(f"{role} {method} {url}: {response.status_code}")
            after = snapshot(app, ours["ids"]["kommune_id"])
            if after != before:
                failures.append(f"{role} {method} {url} changed: {differences(before, after)}")
                before = after
    assert not failures, "\n".join(failures)
    assert len(urls) >= (40 if role == "analyst" else 10)


def test_credential_routes_refuse_a_made_up_token(app, two):
    """Routes whose URL is the credential: a token nobody was given opens nothing and changes nothing."""
    ours, theirs = two
    staff = login(app.test_client(), ours["emails"]["admin"])
    before = snapshot(app, theirs["ids"]["kommune_id"])
    checked = 0
    for rule in _rules(app):
        if not set(rule.arguments) & TOKEN_ARGS:
            continue
        values = _values(rule, ours) | {"token": "A" * 32}
        url = _url(app, rule, values)
        for client in (app.test_client(), staff):
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = _fetch(client, url, method)
                assert response.status_code in (404, 410), (method, url, response.status_code)
                checked += 1
    assert differences(before, snapshot(app, theirs["ids"]["kommune_id"])) == []
    assert checked >= 10


def test_public_pages_show_titles_of_open_surveys_only(app, two):
    """The public pages of a Kommune (the list of its open surveys, its accessibility statement): anyone may
    open them, for any Kommune; the list shows the titles of running surveys, and no page shows anything
    else of the Kommune's rows (no draft or closed survey, no contact, no organisation, no address)."""
    ours, theirs = two
    before = snapshot(app, theirs["ids"]["kommune_id"])
    rules = _rules(app, public=True)
    assert rules, "the public list of open surveys is gone"
    marker = theirs["marker"]
    for rule in rules:
        url = _url(app, rule, {"kommune_id": theirs["ids"]["kommune_id"]})
        for client in (app.test_client(), login(app.test_client(), ours["emails"]["planner"])):
            response = _fetch(client, url)
            assert response.status_code == 200, url
            body = _body(response)
            assert theirs["name"].split()[-1] in body, url  # the page is the other Kommune's
            if rule.endpoint == "public.open_surveys":
                assert f"Laufend {marker}" in body, url
            for hidden in (f"Entwurf {marker}", f"Abgeschlossen {marker}", f"Petra {marker}", f"Kita {marker}",
                           f"Jugendzentrum {marker}", "@"):
                assert hidden not in body, (url, hidden)
            if "POST" not in rule.methods:
                assert _fetch(client, url, "POST").status_code == 405
        assert _fetch(app.test_client(), _url(app, rule, {"kommune_id": 10**6})).status_code == 404
    assert differences(before, snapshot(app, theirs["ids"]["kommune_id"])) == []


class _Choices(_Forms):
    """The forms with, besides what a browser sends, every field that can carry an id: number-valued
    checkboxes, radios, options and hidden inputs, checked or not."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        a = dict(attrs)
        if self._form is None:
            return
        if tag == "form":
            self._form["method"] = (a.get("method") or "get").lower()
        self._form.setdefault("ids", set())
        value = a.get("value", "")
        if tag == "input" and a.get("name") and a.get("type") in ("checkbox", "radio", "hidden") and value.isdigit():
            self._form["ids"].add(a["name"])
        elif tag == "option" and self._select and value.isdigit():
            self._form["ids"].add(self._select)
        elif tag == "button" and a.get("name") and value.isdigit():
            self._form["ids"].add(a["name"])


def test_ids_in_form_fields_reach_nothing_of_the_other_kommune(app, two):
    """Every own form that posts an id (actors to invite, duplicates to merge, a page to move to,
    invitations to remind, a prepared invitation to remove …) gets each of the other Kommune's ids
    in that field instead: the other Kommune's rows stay as they were, and nothing of it is shown."""
    ours, theirs = two
    admin = login(app.test_client(), ours["emails"]["admin"])
    foreign = sorted(set(theirs["ids"].values()) - {theirs["ids"]["kommune_id"]})
    pages = [_url(app, r, _values(r, ours)) for r in _rules(app)
             if "GET" in r.methods and not set(r.arguments) & (TOKEN_ARGS | {"filename"})]
    pages += [f"/surveys/{ours['ids'][s]}" for s in ("draft", "wave")] + [f"/waves/{ours['ids']['wave']}/einladungen"]
    forms = []
    for url in pages:
        response = _fetch(admin, url)
        if response.status_code == 200 and "html" in (response.content_type or ""):
            parser = _Choices()
            parser.feed(response.get_data(as_text=True))
            forms += [(url, f) for f in parser.forms if f.get("ids") and not (f["action"] or url).startswith("/r/")]
    seen, failures, tried = set(), [], 0
    before = snapshot(app, theirs["ids"]["kommune_id"])
    for url, form in forms:
        action = form["action"] or url
        for name in sorted(form["ids"]):
            if (action.split("?")[0], name) in seen:
                continue
            seen.add((action.split("?")[0], name))
            for value in foreign:
                fields = [(n, v) for n, v in form["fields"] if n != name] + [(name, str(value))]
                if form["submit"] and form["submit"][0] != name:
                    fields.append(form["submit"])
                method = "POST" if form["method"] == "post" else "GET"
                response = _fetch(admin, action, method, MultiDict(fields))
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"{action} {name}={value}: {response.status_code}")
                elif theirs["marker"] in _body(response):
                    failures.append(f"{action} {name}={value}: the answer names the other Kommune")
                after = snapshot(app, theirs["ids"]["kommune_id"])
                if after != before:
                    failures.append(f"{action} {name}={value} changed: {differences(before, after)}")
                    before = after
    assert not failures, "\n".join(failures)
    fields = {name for _action, name in seen}
    assert {"actor", "page_id", "member"} <= fields, fields
    assert tried > 50
