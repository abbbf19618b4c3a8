"""The environment file: one parser (survey/envfile.py) that reads what sh and systemd would read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from survey import create_app, envfile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "deploy" / "lueckenlos.env.example"

# What passwords and sender names contain: anything printable, shell metacharacters included.
values = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)


def sh_reads(text: str, keys: list[str], tmp_path: Path) -> dict[str, str]:
    """What `set -a; . file` in sh gives for `keys` (the guide's old way of reading the file)."""
    source = tmp_path / "env"
    source.write_text(text, encoding="utf-8")
    done = subprocess.run(["sh", "-c", 'set -a; . "$1"; exec env -0', "sh", str(source)],
                          capture_output=True, check=True, env={"PATH": os.environ["PATH"]})
    exported = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    return {key: exported.get(key) for key in keys}


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=4))
def test_quoted_values_read_back_the_same_by_the_app_and_by_sh(tmp_path_factory, texts):
    tmp_path = tmp_path_factory.mktemp("env")
    keys = [f"VALUE_{i}" for i in range(len(texts))]
    text = "".join(f"{key}={envfile.quote(value)}\n" for key, value in zip(keys, texts, strict=True))
    assert envfile.parse(text) == dict(zip(keys, texts, strict=True))
    assert sh_reads(text, keys, tmp_path) == dict(zip(keys, texts, strict=True))


def test_the_example_reads_the_same_in_sh_and_in_the_app(tmp_path):
    text = EXAMPLE.read_text()
    parsed = envfile.parse(text)
    assert parsed["MAIL_DEFAULT_SENDER"] == "Lückenlos Stadt Musterhausen <lueckenlos@example.de>"
    assert sh_reads(text, list(parsed), tmp_path) == parsed


@pytest.mark.parametrize(("line", "reason"), [
    ("MAIL_DEFAULT_SENDER=Lückenlos Stadt <a@b.de>", "doppelte Anführungszeichen"),  # the old example's line
    ('MAIL_PASSWORD="ab$cd"', "\\$"),
    ('MAIL_PASSWORD="ab`cd`"', "\\`"),
    ('MAIL_PASSWORD="a"b"', '\\"'),
    ("MAIL_PASSWORD='it''s'", "'"),
    ('MAIL_PASSWORD="ab\\"', "\\\\"),
    ("export MAIL_PASSWORD=x", "KEY="),
])
def test_a_line_sh_would_read_differently_is_refused_naming_its_number(line, reason):
    with pytest.raises(envfile.EnvFileError) as refused:
        envfile.parse(f"# Kommentar\n\n{line}\n", "/etc/lueckenlos/env")
    assert "/etc/lueckenlos/env, Zeile 3" in str(refused.value) and reason in str(refused.value)


def test_the_app_reads_the_file_and_the_process_environment_wins(tmp_path, monkeypatch):
    env = tmp_path / "env"
    env.write_text('SECRET_KEY="aus-der-datei-$-nicht"\n'.replace("$", "\\$")
                   + 'MAIL_DEFAULT_SENDER="Stadt \\"Muster\\" <post@muster.example>"\n'
                   + f'DATABASE_URL="sqlite:///{tmp_path / "a.sqlite"}"\nBASE_URL="https://aus-der-datei.example"\n'
                   + f'LINK_KEYS="{Fernet.generate_key().decode()}"\n')
    for name in ("SECRET_KEY", "MAIL_DEFAULT_SENDER", "DATABASE_URL", "LUECKENLOS_DEMO", "LINK_KEYS"):
        monkeypatch.setenv(name, "")  # recorded, so what the file puts into os.environ is undone afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("LUECKENLOS_ENV_FILE", str(env))
    monkeypatch.setenv("BASE_URL", "https://aus-dem-drop-in.example")  # e.g. systemd Environment=
    app = create_app()
    assert app.config["SECRET_KEY"] == "aus-der-datei-$-nicht"
    assert app.config["MAIL_DEFAULT_SENDER"] == 'Stadt "Muster" <post@muster.example>'
    assert app.config["BASE_URL"] == "https://aus-dem-drop-in.example"


def test_an_unreadable_or_broken_file_stops_the_start_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("LUECKENLOS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("LUECKENLOS_ENV_FILE", str(tmp_path / "fehlt"))
    with pytest.raises(SystemExit, match="nicht lesbar"):
        create_app()
    (tmp_path / "env").write_text("MAIL_PASSWORD=mit leerzeichen\n")
    monkeypatch.setenv("LUECKENLOS_ENV_FILE", str(tmp_path / "env"))
    with pytest.raises(SystemExit, match="Zeile 1 \\(MAIL_PASSWORD\\)"):
        create_app()
