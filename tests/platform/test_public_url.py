"""Links point where people reach Consort: the first command's port in development, and
never a loopback address in production, which refuses to start with one."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from config import ProductionConfig
from workflow import create_app

from ..servers import free_port

pytestmark = pytest.mark.usefixtures("restore_limiter")

ROOT = Path(__file__).resolve().parents[2]


def _production(tmp_path, public_url: str):
    return create_app(
        ProductionConfig,
        SECRET_KEY="a production secret",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        PUBLIC_URL=public_url,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'consort.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
        INSTANCE_DIR=tmp_path,
        STORAGE_DIR=tmp_path / "storage",
        MAIL_FOLDER=tmp_path / "mail",
    )


@pytest.mark.parametrize(
    "public_url",
    ["http://127.0.0.1:5000", "http://localhost:8000/", "https://[::1]", "http://0.0.0.0", "https://app.localhost",
     "apply.example.org", ""],
)
def test_production_refuses_a_public_url_that_reaches_nobody(tmp_path, public_url):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        _production(tmp_path, public_url)


def test_production_starts_with_a_real_public_url(tmp_path):
    assert _production(tmp_path, "https://apply.example.org").config["PUBLIC_URL"] == "https://apply.example.org"


def test_development_links_follow_the_port(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"PUBLIC_URL", "PORT"}}
    read = [sys.executable, "-c", "from config import Config; print(Config.PUBLIC_URL)"]
    assert subprocess.run(read, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip() == "http://127.0.0.1:5000"
    env["PORT"] = "5088"
    assert subprocess.run(read, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip() == "http://127.0.0.1:5088"


@pytest.mark.multi_process
def test_the_first_command_on_another_port_sends_links_to_that_port(tmp_path):
    """scripts/start with PORT: the email confirming a new account links to that port, and the script says so."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"PUBLIC_URL", "DATABASE_URL"}}
    env.update(PORT=str(port), CONSORT_INSTANCE=str(tmp_path))
    log = tmp_path / "start.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(["bash", "scripts/start"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                page = opener.open(base + "/register", timeout=5).read().decode()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        password = "a long and memorable passphrase 2026"
        form = {"csrf_token": token, "name": "Nia Newcomer", "email": "nia@example.org",
                "organisation_name": "Corby Steel Pans", "password": password, "confirm": password}
        opener.open(base + "/register", data=urlencode(form).encode(), timeout=10).read()
        mail = "".join(path.read_text() for path in (tmp_path / "mail").glob("*.eml"))
        links = re.findall(r"https?://[^\s/]+/verify-email/", mail)
        assert links and set(links) == {f"{base}/verify-email/"}
        assert f"Emails and letters link to {base} " in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
