"""docs/deploy.md is the one source of the operator's commands; the deployment files agree with it.

The rehearsal (scripts/rehearse-deploy.sh, once per CI run in .ci/run) runs the guide's `step=`
blocks themselves; these tests make sure it runs all of them and nothing else, that no shell
block is left unmarked, and that the consistency check finds the mismatches that systemd-analyze
and nginx -t let through.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import check_deploy_consistency
import guide_steps

ROOT = Path(__file__).resolve().parent.parent

REHEARSAL = (ROOT / "scripts" / "rehearse-deploy.sh").read_text(encoding="utf-8")


def test_every_shell_block_of_the_guide_is_a_rehearsed_step_or_marked_manual():
    unmarked = [block.line for block in guide_steps.blocks() if block.language == "sh"
                and not block.name and not block.manual]
    assert not unmarked, f"docs/deploy.md lines {unmarked}: mark each ```sh block step=NAME or manual"
    names = [block.name for block in guide_steps.blocks() if block.name]
    assert len(names) == len(set(names)), "a step name is used twice"


def test_the_rehearsal_runs_exactly_the_steps_of_the_guide():
    rehearsed = re.findall(r"^(?:.*\| )?step (\S+)$", REHEARSAL, re.MULTILINE)
    assert sorted(rehearsed) == sorted(guide_steps.steps()), \
        "scripts/rehearse-deploy.sh and docs/deploy.md name different steps"
    assert len(rehearsed) == len(set(rehearsed))


def test_a_step_is_printed_from_the_guide_word_by_word_with_only_paths_and_port_moved(tmp_path):
    printed = subprocess.run([sys.executable, str(ROOT / "scripts" / "guide_steps.py"), "update",
                              "--root", str(tmp_path), "--app-port", "18000"],
                             capture_output=True, text=True, check=True).stdout
    original = guide_steps.steps()["update"]
    assert printed != original and str(tmp_path) + "/var/backups/lueckenlos/" in printed
    assert printed.replace(str(tmp_path), "").replace("127.0.0.1:18000", "127.0.0.1:8000") == original


def test_files_named_in_the_guides_commands_exist():
    shell = "\n".join(block.text for block in guide_steps.blocks() if block.language == "sh")
    for path in sorted(set(re.findall(r"(?<![\w/])(deploy/[\w./@-]+)", shell))):
        assert (ROOT / path).exists(), f"docs/deploy.md names {path}, which does not exist"


@pytest.fixture
def copy(tmp_path):
    """The files the consistency check reads, copied so a test can break one."""
    for part in ("docs/deploy.md", "deploy", "gunicorn.conf.py", "survey/envfile.py", "scripts/guide_steps.py"):
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    (tmp_path / "static").mkdir()
    return tmp_path


def test_the_repository_files_are_consistent():
    assert check_deploy_consistency.problems(ROOT) == []


@pytest.mark.parametrize(("path", "old", "new", "named"), [
    ("deploy/systemd/lueckenlos-mail.service", "User=lueckenlos", "User=www-data", "User='www-data'"),
    ("deploy/systemd/lueckenlos.service", "Environment=LUECKENLOS_ENV_FILE=/etc/lueckenlos/env",
     "EnvironmentFile=/etc/lueckenlos/environment", "EnvironmentFile"),
    ("deploy/nginx/lueckenlos.conf", "server 127.0.0.1:8000 max_fails", "server 127.0.0.1:8080 max_fails",
     "gunicorn's bind 127.0.0.1:8000"),
    ("deploy/nginx/lueckenlos.conf", "alias /srv/lueckenlos/app/static/;", "alias /srv/lueckenlos/static/;",
     "/static/ is not served"),
    ("deploy/lueckenlos.env.example", 'MAIL_DEFAULT_SENDER="Lückenlos Stadt Musterhausen <lueckenlos@example.de>"',
     "MAIL_DEFAULT_SENDER=Lückenlos Stadt Musterhausen <lueckenlos@example.de>", "Zeile"),
    ("gunicorn.conf.py", "preload_app = False", "preload_app = True", "preload_app is on"),
    ("deploy/nginx/lueckenlos.conf", "proxy_set_header X-Forwarded-For $remote_addr;",
     "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "X-Forwarded-For $remote_addr"),
])
def test_the_consistency_check_names_what_systemd_and_nginx_let_through(copy, path, old, new, named):
    target = copy / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    found = check_deploy_consistency.problems(copy)
    assert any(named in problem for problem in found), found
