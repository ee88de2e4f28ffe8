"""A real server (gunicorn on 127.0.0.1) and a real browser (Debian's Chromium via Playwright).

The server runs on its own SQLite database with the demo loaded; axe-core, from its
npm package, checks pages for WCAG 2.2 A and AA violations. Screenshots go to
artefacts/screenshots/ (git-ignored).
"""

import email
import io
import os
import re
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ..servers import free_port, gunicorn

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artefacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """gunicorn serving the app with the demo data; yields its base URL."""
    instance = tmp_path_factory.mktemp("browser-instance")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CONSORT_INSTANCE": str(instance),
        "FLASK_APP": "wsgi",
        "MAIL_TRANSPORT": "folder",
        "PUBLIC_URL": base,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    with gunicorn(env, instance / "gunicorn.log", port=port, workers=2):
        yield {"url": base, "instance": instance, "env": env}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    # Evaluated over the DevTools protocol, which the page's CSP rightly does not allow
    # for inline scripts: the policy stays as strict in tests as in production.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def check_page(page, name: str) -> None:
    """Screenshot the page, and fail on any axe violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def sign_in(page, base: str, email: str, password: str = "demo-password-2026") -> None:
    """Sign in as a demo account; office and board accounts also enter their TOTP code."""
    import pyotp

    from workflow.demo import DEMO_MEMBERS, demo_totp_secret

    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if email in {member[1] for member in DEMO_MEMBERS}:
        totp = pyotp.TOTP(demo_totp_secret(email))
        page.wait_for_url("**/sign-in/two-factor**")
        page.get_by_label("Code").fill(totp.now())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        if "/sign-in/two-factor" in page.url:  # this step's code was used already: each works once
            time.sleep(totp.interval - time.time() % totp.interval + 1)
            page.get_by_label("Code").fill(totp.now())
            page.get_by_role("button", name="Continue").click()


def real_pdf(tmp_path: Path) -> Path:
    """A small but real PDF document (one blank A4 page)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "safeguarding-policy.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def emailed_link(instance: Path, recipient: str, pattern: str) -> str:
    """The first link matching `pattern` in the newest .eml delivered to `recipient`."""
    for path in sorted((instance / "mail").glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if recipient.lower() not in str(message["To"]).lower():
            continue
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = re.search(pattern, body)
        if found:
            return found.group(0)
    raise AssertionError(f"no email to {recipient} with {pattern}")
