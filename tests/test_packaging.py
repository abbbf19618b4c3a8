"""The documented install: the wheel carries templates, static files, migrations and the catalogue.

`scripts/verify_wheel.py` builds the wheel, installs it into a fresh venv outside the checkout and
serves /login and a catalogue page with gunicorn (`scripts/verify-deploy.sh` runs it too). It takes
about a minute, so it runs in the SQLite pass of CI only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import verify_wheel

ROOT = Path(__file__).resolve().parent.parent

on_postgresql = (os.environ.get("DATABASE_URL") or "").startswith("postgresql")


def test_every_bundled_and_package_data_file_is_expected_in_the_wheel():
    expected = verify_wheel.expected_files()
    for name in ("templates/base.html", "static/style.css", "migrations/env.py"):
        assert f"survey/_bundled/{name}" in expected
    catalogue = {p.relative_to(ROOT).as_posix() for p in (ROOT / "questionnaires" / "data").rglob("*.toml")}
    assert catalogue and catalogue <= expected


# One pass is enough (the installed wheel runs on its own scratch SQLite); since the browser walks of
# issue 22 went to the SQLite pass the PostgreSQL pass is the longer one in CI, so it runs in SQLite's.
@pytest.mark.skipif(on_postgresql, reason="the install rehearsal runs in the SQLite pass of CI")
def test_installed_wheel_serves_login_and_catalogue_outside_the_checkout():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_wheel.py")], cwd="/tmp",
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    for seen in ("serves /login", "static file", "catalogue page shows module", "refuses to start",
                 "shipped migrations"):
        assert seen in result.stdout, result.stdout
