"""Do the deployment files agree with each other and with docs/deploy.md?

    python3 scripts/check_deploy_consistency.py [REPOSITORY]     (run by scripts/verify-deploy.sh)

`systemd-analyze verify` and `nginx -t` accept files that cannot work together: a wrong `User=`,
an environment file the guide never installs, an upstream port gunicorn does not bind, a static
path that is not the checkout's, an env line `sh` reads differently, a preloading gunicorn. Each
such mismatch is one line of output here, and the exit status is 1. Standard library only.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "lueckenlos"
APP = "/srv/lueckenlos/app"
ENV_FILE = "/etc/lueckenlos/env"
STATE = "/var/lib/lueckenlos"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _unit(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def _environment(settings: dict[str, list[str]]) -> dict[str, str]:
    return dict(item.split("=", 1) for line in settings.get("Environment", []) for item in line.split())


def problems(root: Path) -> list[str]:
    found: list[str] = []
    guide = (root / "docs" / "deploy.md").read_text(encoding="utf-8")
    steps = _module(root / "scripts" / "guide_steps.py", "_guide_steps")
    envfile = _module(root / "survey" / "envfile.py", "_envfile")
    shell = "\n".join(block.text for block in steps.blocks(guide) if block.language == "sh")

    # The guide creates the user, the checkout, the env file and the state folder the units use.
    if f"adduser --system --group --home /srv/lueckenlos {USER}" not in shell:
        found.append(f"docs/deploy.md: no `adduser … {USER}` step")
    if "git clone " not in shell or f" {APP}" not in shell:
        found.append(f"docs/deploy.md: no clone into {APP}")
    if f"deploy/lueckenlos.env.example {ENV_FILE}" not in shell:
        found.append(f"docs/deploy.md: the example is not installed as {ENV_FILE}")
    wrapper = steps.steps(guide).get("wrapper", "")
    for needed in (f"LUECKENLOS_ENV_FILE={ENV_FILE}", f"LUECKENLOS_INSTANCE={STATE}", f"cd {APP}",
                   f"-u {USER}", f"MPLCONFIGDIR={STATE}/"):
        if needed not in wrapper:
            found.append(f"docs/deploy.md: the lueckenlos-flask wrapper lacks {needed}")

    # Every service runs the checkout's venv as the user, with the env file and the state folder.
    units = sorted((root / "deploy" / "systemd").glob("lueckenlos*.service"))
    binds = []
    for path in units:
        settings = _unit(path)
        if "@" in path.name:
            continue  # the alarm template runs /bin tools only
        name = f"deploy/systemd/{path.name}"
        env = _environment(settings)
        for key, expected in (("User", USER), ("Group", USER), ("WorkingDirectory", APP)):
            if settings.get(key, [""])[-1] != expected:
                found.append(f"{name}: {key}={settings.get(key, [''])[-1]!r}, expected {expected}")
        if settings.get("EnvironmentFile"):
            found.append(f"{name}: EnvironmentFile= would be a second parser of {ENV_FILE}; "
                         f"use Environment=LUECKENLOS_ENV_FILE={ENV_FILE}")
        if env.get("LUECKENLOS_ENV_FILE") != ENV_FILE:
            found.append(f"{name}: LUECKENLOS_ENV_FILE={env.get('LUECKENLOS_ENV_FILE')!r}, expected {ENV_FILE}")
        if env.get("LUECKENLOS_INSTANCE") != STATE or settings.get("StateDirectory", [""])[-1] != "lueckenlos":
            found.append(f"{name}: the instance folder is not {STATE} (StateDirectory=lueckenlos)")
        if not env.get("MPLCONFIGDIR", "").startswith(STATE + "/"):
            found.append(f"{name}: MPLCONFIGDIR is not below {STATE} (the home folder is read-only)")
        start = settings.get("ExecStart", [""])[-1].split()
        program = start[0] if start else ""
        if program not in (f"{APP}/.venv/bin/gunicorn", f"{APP}/.venv/bin/flask"):
            found.append(f"{name}: ExecStart runs {program!r}, not {APP}/.venv/bin/gunicorn or …/flask")
        if program.endswith("/gunicorn"):
            binds.append(env.get("GUNICORN_BIND"))
        for failure in settings.get("OnFailure", []):
            template = failure.split("@")[0] + "@.service"
            if not (root / "deploy" / "systemd" / template).exists():
                found.append(f"{name}: OnFailure={failure} has no deploy/systemd/{template}")

    # gunicorn binds where nginx's upstream points, and reloads with new code.
    saved = {name: os.environ.pop(name) for name in ("GUNICORN_BIND", envfile.VARIABLE) if name in os.environ}
    try:
        conf = _module(root / "gunicorn.conf.py", "_gunicorn_conf")  # its defaults, not this shell's
    finally:
        os.environ.update(saved)
    if conf.preload_app:
        found.append("gunicorn.conf.py: preload_app is on; a reload (HUP) would keep serving the old code")
    if not getattr(conf, "control_socket_disable", False):
        found.append("gunicorn.conf.py: control_socket_disable is off (fails under ProtectSystem=strict)")
    site = (root / "deploy" / "nginx" / "lueckenlos.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream lueckenlos_app \{(.*?)\}", site, re.DOTALL)
    servers = re.findall(r"^\s*server\s+([\d.]+:\d+)", upstream.group(1), re.MULTILINE) if upstream else []
    if any(bind for bind in binds):
        found.append("deploy/systemd/lueckenlos.service sets GUNICORN_BIND; per server it belongs in a drop-in")
    if conf.bind not in servers:
        found.append(f"deploy/nginx/lueckenlos.conf: upstream {servers} does not contain gunicorn's bind {conf.bind}")
    alias = re.search(r"location /static/ \{[^}]*alias\s+([^;]+);", site)
    if not alias or alias.group(1).strip() != f"{APP}/static/":
        found.append(f"deploy/nginx/lueckenlos.conf: /static/ is not served from {APP}/static/")
    elif not (root / "static").is_dir():
        found.append("static/ is missing from the checkout")
    for directive in ("server_tokens off", "proxy_set_header Host $http_host",
                      "proxy_set_header X-Forwarded-For $remote_addr"):
        if directive not in site:
            found.append(f"deploy/nginx/lueckenlos.conf: lacks `{directive}`")
    for path in re.findall(r"ssl_certificate(?:_key)?\s+([^;]+);", site):
        if not re.search(rf"-(?:keyout|out) {re.escape(path.strip())}\b", shell):
            found.append(f"deploy/nginx/lueckenlos.conf: {path.strip()} is not created by the guide's nginx step")

    # The env example: the app's parser and sh read the same values.
    example = root / "deploy" / "lueckenlos.env.example"
    try:
        ours = envfile.parse(example.read_text(encoding="utf-8"), str(example))
    except SystemExit as error:
        return [*found, str(error)]
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(["sh", "-c", 'set -a; . "$1"; exec env -0', "sh", str(example)],
                              capture_output=True, cwd=scratch, env={"PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        found.append(f"deploy/lueckenlos.env.example: sh cannot read it: {done.stderr.decode().strip()}")
    else:
        read = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
        for key, value in ours.items():
            if read.get(key) != value:
                found.append(f"deploy/lueckenlos.env.example: {key} reads {value!r} in the app, "
                             f"{read.get(key)!r} in sh")
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    found = problems(root)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
