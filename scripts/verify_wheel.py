"""Install rehearsal: build the wheel, install it into a fresh venv outside the checkout, serve it.

    python3 scripts/verify_wheel.py [--keep]

Checks, in order, what an operator following docs/deploy.md relies on:
  1. the wheel holds every file of templates/, static/, migrations/ (under survey/_bundled/) and
     every data file inside the packages (questionnaires/data/, analysis/templates/, ...);
  2. a fresh venv (no system site-packages; pip as configured, its cache allowed) installs it, and
     the installed `survey` is the venv's copy, not the checkout's;
  3. without SECRET_KEY the installed app refuses to start and names the variable;
  4. `flask db upgrade` (shipped migrations) and `flask catalogue check` (shipped catalogue) work;
  5. gunicorn serves `/login`, a static file, and — logged in as the demo planner — a new survey's
     catalogue page with the shipped questions; `/mailbox` is 404 outside demo mode.
Everything runs in a scratch folder under /tmp, which is removed afterwards (unless --keep).
Used by tests/test_packaging.py and scripts/verify-deploy.sh. Standard library only.
"""

from __future__ import annotations

import base64
import html
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ("templates", "static", "migrations")
PACKAGES = ("survey", "questionnaires", "analysis")
PACKAGE_DATA_DIRS = ("data", "templates", "static", "fonts")  # mirrors [tool.setuptools.package-data]
SKIP = re.compile(r"(^|/)(__pycache__|\.[^/]+)(/|$)|\.pyc$")


class Failed(Exception):
    pass


def step(message: str) -> None:
    print(f"- {message}", flush=True)


def run(args: list[str], *, cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise Failed(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def expected_files() -> set[str]:
    """Paths the wheel must contain, generated from the checkout."""
    files = set()
    for name in BUNDLED:
        for path in (ROOT / name).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and not SKIP.search(relative):
                files.add(f"survey/_bundled/{relative}")
    for package in PACKAGES:
        for data in PACKAGE_DATA_DIRS:
            for path in (ROOT / package / data).rglob("*"):
                relative = path.relative_to(ROOT).as_posix()
                if path.is_file() and not SKIP.search(relative) and path.suffix != ".py":
                    files.add(relative)
    return files


def build_wheel(scratch: Path, env: dict[str, str]) -> Path:
    out = scratch / "wheel"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT)],
        cwd=scratch, env=env)
    wheels = list(out.glob("lueckenlos-*.whl"))
    if len(wheels) != 1:
        raise Failed(f"expected one wheel, found {wheels}")
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    missing = sorted(expected_files() - names)
    if missing:
        raise Failed(f"the wheel lacks {len(missing)} files, e.g. {missing[:5]}")
    if not any(name.startswith("questionnaires/data/") and name.endswith(".toml") for name in names):
        raise Failed("the wheel holds no catalogue data")
    return wheels[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_module() -> tuple[str, list[str]]:
    """Title and question prompts of the catalogue module the catalogue page shows first."""
    path = sorted(p for p in (ROOT / "questionnaires" / "data").glob("*.toml") if p.name != "lists.toml")[0]
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    prompts = [q["prompt"] for s in data.get("sections", []) for q in s.get("questions", []) if q.get("kind") != "info"]
    return data["module"]["title"], prompts


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, no redirect surprises."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode("utf-8", "replace")

    def post(self, path: str, fields: dict[str, str], form_page: str) -> tuple[int, str, str]:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form_page)
        if not match:
            raise Failed(f"no CSRF token on the form for {path}")
        body = urllib.parse.urlencode({"csrf_token": match.group(1), **fields}).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as response:
                return response.status, response.geturl(), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode("utf-8", "replace")


def serve_and_check(venv: Path, site: Path, env: dict[str, str], planner: str, password: str) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "survey:create_app()"],
        cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _url, page = browser.get("/login")
                break
            except OSError:
                if server.poll() is not None:
                    output = server.stdout.read() if server.stdout else ""
                    raise Failed(f"gunicorn exited:\n{output}") from None
                if time.monotonic() > deadline:
                    raise Failed("gunicorn did not answer within 60 s") from None
                time.sleep(0.3)
        if status != 200 or "<h1>Anmelden</h1>" not in page:
            raise Failed(f"/login answered {status}:\n{page[:2000]}")
        step("gunicorn serves /login from the installed templates")
        stylesheet = re.search(r'href="(/static/[^"?]+\.css)', page)
        if not stylesheet or browser.get(stylesheet.group(1))[0] != 200:
            raise Failed(f"static file not served: {stylesheet and stylesheet.group(1)}")
        step(f"static file {stylesheet.group(1)} served")
        status, _url, _page = browser.get("/mailbox/")
        if status != 404:
            raise Failed(f"/mailbox answered {status} outside demo mode")
        status, url, page = browser.post("/login", {"email": planner, "password": password}, page)
        if status != 200 or "/login" in url:
            raise Failed(f"login as {planner} failed: {status} {url}")
        _status, _url, form = browser.get("/surveys/new")
        status, url, page = browser.post("/surveys/new", {"title": "Installationsprüfung", "start": ""}, form)
        survey = re.search(r"/surveys/(\d+)$", url)
        if status != 200 or not survey:
            raise Failed(f"creating a survey failed: {status} {url}\n{page[:2000]}")
        status, _url, page = browser.get(f"/surveys/{survey.group(1)}/katalog")
        title, prompts = first_module()
        shown = [p for p in prompts if html.escape(p, quote=True) in page or html.escape(p, quote=False) in page]
        if status != 200 or html.escape(title) not in page or not shown:
            raise Failed(f"catalogue page answered {status} without the module {title!r}:\n{page[:2000]}")
        step(f"catalogue page shows module „{title}“ with {len(shown)} of its questions")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def verify(scratch: Path) -> None:
    base_env = {key: value for key, value in os.environ.items()
                if not key.startswith(("LUECKENLOS_", "MAIL_", "FLASK_", "DATABASE_URL", "SECRET_KEY", "LINK_KEYS",
                                       "VIRTUAL_ENV",
                                       "PYTHONPATH", "BASE_URL"))}
    wheel = build_wheel(scratch, base_env)
    step(f"wheel {wheel.name} holds templates, static files, migrations and the catalogue")
    venv = scratch / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=scratch, env=base_env)
    run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], cwd=scratch, env=base_env)
    site = scratch / "site"  # the working directory: nothing of the checkout is importable from here
    site.mkdir()
    located = run([str(venv / "bin" / "python"), "-c", "import survey, survey.config as c; "
                   "print(survey.__file__); print(c.INSTALLED)"], cwd=site, env=base_env).stdout.split()
    if not located[0].startswith(str(venv)) or located[1] != "True":
        raise Failed(f"the venv imports survey from {located[0]} (installed: {located[1]})")
    step(f"installed into a fresh venv: {located[0]}")

    env = {**base_env, "LUECKENLOS_INSTANCE": str(scratch / "instance"),
           "DATABASE_URL": f"sqlite:///{scratch / 'lueckenlos.sqlite'}", "FLASK_APP": "survey"}
    flask = str(venv / "bin" / "flask")
    refused = run([flask, "db", "upgrade"], cwd=site, env=env, check=False)
    if refused.returncode == 0 or "SECRET_KEY" not in refused.stderr:
        raise Failed(f"the install started without SECRET_KEY:\n{refused.stdout}\n{refused.stderr}")
    step("without SECRET_KEY the installed app refuses to start and names it")

    production = {**env, "SECRET_KEY": "verify-wheel-" + os.urandom(16).hex(),
                  "LINK_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(), "MAIL_SERVER": "127.0.0.1",
                  "MAIL_DEFAULT_SENDER": "Stadt Musterhausen <lueckenlos@musterhausen.de>",
                  "MAIL_PORT": str(free_port())}  # nothing is sent here
    run([flask, "db", "upgrade"], cwd=site, env=production)
    step("flask db upgrade applied the shipped migrations")
    checked = run([flask, "catalogue", "check"], cwd=site, env=production)
    step(checked.stdout.strip())
    demo = run([flask, "demo"], cwd=site, env={**production, "LUECKENLOS_DEMO": "1"})
    login = re.search(r"Planung:\s+(\S+)\s+/\s+Passwort:\s+(\S+)", demo.stdout)
    if not login:
        raise Failed(f"flask demo printed no login:\n{demo.stdout}")
    serve_and_check(venv, site, production, login.group(1), login.group(2))


def main() -> int:
    keep = "--keep" in sys.argv[1:]
    scratch = Path(tempfile.mkdtemp(prefix="lueckenlos-wheel."))
    print(f"Install rehearsal in {scratch}", flush=True)
    try:
        verify(scratch)
    except Failed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print("Installed wheel verified.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
