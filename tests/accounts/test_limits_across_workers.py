"""The rate limits as production runs them: gunicorn with four workers that are replaced every few requests,
counting in the local Redis, behind a proxy (PROXY_FIX_HOPS=1).

One server for the whole module (started once, in the PostgreSQL pass). Each test comes
from its own client address (X-Forwarded-For) and uses its own accounts, so the tests
share the server without sharing counts. Requests open a new connection each, so they
land on whichever worker accepts: a limit that held per worker would let 4 to 20 times
as many through.
"""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest
import redis

from ..conftest import PASSWORD, database_url, drop_database
from ..servers import free_port, gunicorn

pytestmark = [pytest.mark.multi_process, pytest.mark.xdist_group("workers")]

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379"
TOTP_SECRET = pyotp.random_base32()
ACCOUNTS = """
from workflow import create_app
from workflow.accounts.models import Role
from workflow.accounts.operations import create_member, register_applicant
from workflow.accounts.two_factor import enable_two_factor
from workflow.extensions import db
import pyotp, sys

app = create_app()
with app.app_context():
    for n in range(6):
        register_applicant(name=f"Applicant {n}", email=f"applicant{n}@example.org", password=sys.argv[1],
                           organisation_name=f"Band {n}", verified=True)
    officer = create_member(name="Olive Officer", email="officer@example.org", password=sys.argv[1], roles={Role.OFFICER})
    enable_two_factor(officer, sys.argv[2], pyotp.TOTP(sys.argv[2]).now())
    db.session.commit()
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn in production mode, 4 workers each replaced after 3 requests, limits in Redis."""
    instance = tmp_path_factory.mktemp("workers")
    url = database_url(instance, "workers")
    prefix = f"consort-test-{uuid.uuid4().hex}"
    env = {
        **os.environ, "CONSORT_ENV": "production", "SECRET_KEY": uuid.uuid4().hex, "PUBLIC_URL": "https://consort.invalid",
        "SESSION_COOKIE_SECURE": "0", "MAIL_TRANSPORT": "folder", "CONSORT_INSTANCE": str(instance),
        "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix,
        "PROXY_FIX_HOPS": "1", "SIGN_IN_LIMIT_PER_ADDRESS": "12 per 5 minutes", "FLASK_APP": "wsgi", "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", ACCOUNTS, PASSWORD, TOTP_SECRET], cwd=ROOT, env=env, check=True, capture_output=True)
    log = instance / "gunicorn.log"
    options = ("--max-requests", "3", "--max-requests-jitter", "0")
    with gunicorn(env, log, port=free_port(), workers=4, options=options, ready_path="/sign-in") as base:
        yield {"url": base, "log": log}
    store = redis.Redis.from_url(REDIS)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)
    store.close()
    drop_database(url)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookies and CSRF tokens, from one client address, a new connection per request."""

    def __init__(self, server, address: str):
        self.base, self.address = server["url"], address
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"X-Forwarded-For": self.address})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict, form_page: str | None = None) -> tuple[int, str]:
        """POST with the CSRF token of the form at `form_page` (the same path by default)."""
        _, page = self.request(form_page or path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.post_with(path, data, token)

    def post_with(self, path: str, data: dict, token: str) -> tuple[int, str]:
        return self.request(path, {"csrf_token": token, **data})


def restarts(server) -> int:
    return server["log"].read_text().count("Autorestarting worker")


def test_an_account_is_paused_after_five_wrong_passwords_whichever_workers_answer(server):
    """16 requests, at most 3 per worker: at least 6 workers answered, and the count held across them."""
    before = restarts(server)
    stranger = Browser(server, "203.0.113.1")
    statuses = [stranger.post("/sign-in", {"email": "applicant0@example.org", "password": "wrong"})[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    owner = Browser(server, "198.51.100.1")
    status, page = owner.post("/sign-in", {"email": "applicant0@example.org", "password": PASSWORD})
    assert status == 429 and "Email me a link to sign in" in page  # the owner is offered the way through
    assert owner.post("/sign-in", {"email": "applicant1@example.org", "password": PASSWORD})[0] == 302
    assert restarts(server) - before >= 2


def test_an_address_is_limited_across_accounts_and_workers(server):
    crowd = Browser(server, "203.0.113.2")
    statuses = [crowd.post("/sign-in", {"email": f"nobody{n}@example.org", "password": "wrong"})[0] for n in range(13)]
    assert statuses == [200] * 12 + [429]
    assert Browser(server, "203.0.113.3").post("/sign-in", {"email": "nobody@example.org", "password": "x"})[0] == 200


def test_second_step_guesses_count_per_account_whatever_email_is_posted(server):
    thief = Browser(server, "203.0.113.4")
    assert thief.post("/sign-in", {"email": "officer@example.org", "password": PASSWORD})[0] == 302
    _, page = thief.request("/sign-in/two-factor")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    statuses = [
        thief.post_with("/sign-in/two-factor", {"code": "000000", "email": f"decoy{n}@example.org"}, token)[0]
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_emails_asked_for_are_limited_per_account_across_workers(server):
    statuses = [
        Browser(server, f"203.0.113.{10 + n}").post("/password-reset", {"email": "applicant2@example.org"})[0]
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
