"""The Docker image recipe: linted, well-formed, and its steps work when run without Docker."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of every Dockerfile line, continuation lines joined."""
    joined = DOCKERFILE.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_recipe_is_multi_stage_non_root_with_healthcheck_and_serve() -> None:
    steps = instructions()
    froms = [args for word, args in steps if word == "FROM"]
    assert len(froms) >= 2 and " AS build" in froms[0]
    runtime = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [args for word, args in runtime if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "HEALTHCHECK" and "/healthz" in args for word, args in runtime)
    cmd = [args for word, args in runtime if word == "CMD"][-1]
    assert '"desmigratif", "serve"' in cmd


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_recipe_steps_work_without_docker(tmp_path: Path) -> None:
    """Build stage (fresh venv, pip install ., catalog check) and runtime stage (serve, healthcheck)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(ROOT)], capture_output=True, text=True,
                         check=False)
    assert pip.returncode == 0, pip.stderr[-2000:]
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "from bot.i18n import load_all; load_all()"],
                           cwd="/", capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr[-2000:]
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env["DATABASE_URL"] = f"sqlite:///{data / 'desmigratif.db'}"
    server = subprocess.Popen([str(venv / "bin" / "desmigratif"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=data, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not become healthy in 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=15)
