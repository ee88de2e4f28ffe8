"""Deadline day: gunicorn serving the app on SQLite and PostgreSQL, simulated applicants
saving sections and submitting, beside a bare Flask "hello" ceiling under the same server.

Two loads, each stated in the report:
- deadline day: N applicants (200; --quick 20), each signed in once before the run,
  pausing 1 to 3 seconds between actions as people do (before opening the section, before
  saving it, before the check page, before submitting), saving the last section a few
  times and then submitting; afterwards every saved answer and every submission is
  checked in the database;
- saturation: 32 clients without pauses saving sections, against 32 clients without
  pauses asking the "hello" endpoint, and, between the two, a signed-in one-word answer
  and a signed-in empty page (benchmarks/floors.py), which show where a save's time goes.
The client keeps each applicant's session cookie and checks that every response is
the page it asked for (a lost cookie would show as a redirect to the sign-in page).
"""

import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from .report import summary_ms

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECTION = "complementarity"
WORKERS = 2 * (os.cpu_count() or 2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One simulated person: a keep-alive connection and a cookie jar."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), page, seconds


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    if not match:
        raise AssertionError(f"no {name} on the page")
    return match.group(1)


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saved: dict[int, str] = field(default_factory=dict)
    submitted: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, problem: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if problem:
                self.errors.append(problem)


def _expect(tally: Tally, result, status: int, location_end: str | None = None, must_contain: str | None = None):
    code, headers, page, seconds = result
    problem = None
    if code != status:
        problem = f"status {code} (wanted {status})"
    elif location_end and not headers.get("Location", "").endswith(location_end):
        problem = f"redirected to {headers.get('Location')}"
    elif must_contain and must_contain not in page:
        problem = f"page without {must_contain!r}"
    tally.record(seconds, problem)
    return page


def sign_in(browser: Browser, email: str, password: str) -> None:
    page = browser.request("GET", "/sign-in")[2]
    status, headers, *_ = browser.request(
        "POST", "/sign-in", {"csrf_token": _hidden(page, "csrf_token"), "email": email, "password": password}
    )
    if status != 302 or "/sign-in" in headers.get("Location", ""):
        raise AssertionError(f"could not sign in {email}: {status}")


def save_once(browser: Browser, tally: Tally, application_id: int, words: str, pause=lambda: None) -> None:
    """Open the section, `pause` (reading and typing), save it."""
    url = f"/applications/{application_id}/sections/{SECTION}"
    page = _expect(tally, browser.request("GET", url), 200, must_contain=f'name="{SECTION}"')
    pause()
    form = {"csrf_token": _hidden(page, "csrf_token"), "version": _hidden(page, "version"), SECTION: words}
    _expect(tally, browser.request("POST", url, form), 302, location_end=f"/applications/{application_id}")
    with tally.lock:
        tally.saved[application_id] = words


def applicant_day(port: int, tally: Tally, application_id: int, email: str, password: str, saves: int,
                  ready: threading.Barrier):
    """Sign in, wait until everyone has, then the day's saves and the submission."""
    browser = Browser(port)
    try:
        sign_in(browser, email, password)
    except Exception as error:  # counted as an error; the others still start together
        tally.record(0.0, f"could not sign in: {type(error).__name__}: {error}")
        ready.wait()
        return
    ready.wait()
    rng = random.Random(application_id)

    def pause():
        time.sleep(rng.uniform(1, 3))

    try:
        for n in range(saves):
            pause()
            save_once(browser, tally, application_id, f"We complement the partners in {n + 1} ways (draft {n + 1}).", pause)
        pause()
        page = _expect(tally, browser.request("GET", f"/applications/{application_id}/check"), 200, must_contain="Submit")
        pause()
        _expect(
            tally,
            browser.request("POST", f"/applications/{application_id}/submit", {"csrf_token": _hidden(page, "csrf_token")}),
            302,
            location_end="/submitted",
        )
        with tally.lock:
            tally.submitted.add(application_id)
    except Exception as error:  # one person's failure is counted, not fatal to the run
        tally.record(0.0, f"{type(error).__name__}: {error}")


def save_action(browser: Browser, tally: Tally, application_id: int) -> None:
    save_once(browser, tally, application_id, f"Saturation {time.monotonic()}")


def page_action(path: str, must_contain: str):
    """Ask for `path` and check the answer."""

    def action(browser: Browser, tally: Tally, application_id: int) -> None:
        _expect(tally, browser.request("GET", path), 200, must_contain=must_contain)

    return action


# The saturation rungs: (label, gunicorn app, action, signed in), "hello" first.
RUNGS = [
    ("bare Flask hello", "benchmarks.hello:app", page_action("/hello", "hello"), False),
    ("signed-in one-word answer", "benchmarks.floors:app", page_action("/floor/signed-in", "signed in as"), True),
    ("signed-in empty page", "benchmarks.floors:app", page_action("/floor/page", "Signed-in floor"), True),
    ("saving a section", "wsgi:app", save_action, True),
]


def saturate(port: int, clients: list[tuple], seconds: float, action, signed_in: bool) -> tuple[int, list[float], int]:
    """Clients repeating `action` without pauses for `seconds`, timed once all have signed in.

    Returns (requests, latencies, errors).
    """
    tally = Tally()
    ready = threading.Barrier(len(clients) + 1)
    window = {}

    def run(application_id, email, password):
        browser = Browser(port)
        if signed_in:
            sign_in(browser, email, password)
        ready.wait()
        while time.monotonic() < window["stop"]:
            try:
                action(browser, tally, application_id)
            except AssertionError as error:
                tally.record(0.0, str(error))

    threads = [threading.Thread(target=run, args=client) for client in clients]
    for thread in threads:
        thread.start()
    window["stop"] = time.monotonic() + 3600
    ready.wait()
    window["stop"] = time.monotonic() + seconds
    for thread in threads:
        thread.join()
    return len(tally.latencies), tally.latencies, len(tally.errors)


class Server:
    """gunicorn on 127.0.0.1 with production settings for plain http on loopback."""

    def __init__(self, app: str, env: dict):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WORKERS), "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode())
                time.sleep(0.2)

    def worker_memory_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'consort.sqlite3'}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "consort_bench_load" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "consort_bench_load"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/consort_bench_load"


def _environment(folder: Path, url: str) -> dict:
    return {
        **os.environ,
        "CONSORT_ENV": "production",
        "SECRET_KEY": "benchmark-only",
        "PUBLIC_URL": "https://consort.invalid",  # production refuses a loopback address for its links
        "SESSION_COOKIE_SECURE": "0",
        # The limits count in the local Redis, as production requires, under this run's own prefix.
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "RATELIMIT_KEY_PREFIX": f"consort-benchmark-{folder.name}",
        "MAIL_TRANSPORT": "smtp",
        "CONSORT_INSTANCE": str(folder),
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi",
    }


def _verify(url: str, tally: Tally) -> tuple[int, int]:
    """(saved answers missing or wrong, submissions missing) in the database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT application_id, answers FROM application_sections WHERE key = :key"), {"key": SECTION}
        ).all()
        stored = {row[0]: row[1] if isinstance(row[1], dict) else json.loads(row[1]) for row in rows}
        states = dict(connection.execute(text("SELECT id, reference FROM applications")).all())
    engine.dispose()
    lost = sum(1 for app_id, words in tally.saved.items() if stored.get(app_id, {}).get(SECTION) != words)
    unsubmitted = sum(1 for app_id in tally.submitted if not states.get(app_id))
    return lost, unsubmitted


def run_database(kind: str, applicants: int, saves: int, saturation_seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = _database(kind, folder)
        env = _environment(folder, url)
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        setup = subprocess.run(
            [sys.executable, "-m", "benchmarks.load_setup", str(applicants + 32)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
        people = [
            (int(line.split()[0]), line.split()[1], "deadline-day-password") for line in setup.stdout.strip().splitlines()
        ]
        day_people, saturation_people = people[:applicants], people[applicants:]
        server = Server("wsgi:app", env)
        try:
            tally = Tally()
            ready = threading.Barrier(len(day_people) + 1)
            threads = [
                threading.Thread(target=applicant_day, args=(server.port, tally, app_id, email, password, saves, ready))
                for app_id, email, password in day_people
            ]
            for thread in threads:
                thread.start()
            ready.wait()  # every applicant has signed in
            began = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            lost, unsubmitted = _verify(url, tally)
            rungs = []
            for label, app, action, signed_in in RUNGS:
                rung = server if app == "wsgi:app" else Server(app, env)
                try:
                    requests, latencies, errors = saturate(rung.port, saturation_people, saturation_seconds, action, signed_in)
                finally:
                    if rung is not server:
                        rung.stop()
                rungs.append((label, requests / saturation_seconds, *summary_ms(latencies), errors))
            memory = server.worker_memory_mb()
        finally:
            server.stop()
        if kind == "postgresql":
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text('DROP DATABASE IF EXISTS "consort_bench_load" WITH (FORCE)'))
            admin.dispose()
    median, p95 = summary_ms(tally.latencies)
    return {
        "kind": kind,
        "day": (len(tally.latencies) / elapsed, median, p95, len(tally.errors), lost, len(day_people) - len(tally.submitted) + unsubmitted),
        "errors_sample": tally.errors[:3],
        "rungs": rungs,
        "memory": memory,
    }


def run(report, args) -> None:
    applicants, saves, seconds = (20, 2, 3.0) if args.quick else (200, 5, 15.0)
    report.section("Deadline day: gunicorn, simulated applicants")
    report.note(
        f"gunicorn with {WORKERS} sync workers on 127.0.0.1, production settings for plain http. "
        f"Deadline day: {applicants} applicants signed in before the run, each saving a section {saves} times "
        f"and then submitting, pausing 1 to 3 s before each request (opening the section, saving it, "
        f"checking, submitting). Saturation: 32 clients without pauses for {seconds:.0f} s on each rung, under the "
        "same server: a bare Flask \"hello\" (the ceiling); the whole app answering a signed-in request with one "
        "word (session, user, security headers, commit); the whole app drawing a signed-in empty page in the site's "
        "layout; and saving a section (a GET and a POST each). Targets: no error, nothing lost, 95th percentile "
        "under 250 ms on both databases; saving sections at least 30% of the hello ceiling."
    )
    results = [run_database(kind, applicants, saves, seconds) for kind in ("sqlite", "postgresql")]
    report.table(
        ["database", "requests/s", "median ms", "p95 ms", "errors", "answers lost", "submissions lost"],
        [[r["kind"], *r["day"]] for r in results],
    )
    for result in results:
        if result["errors_sample"]:
            report.note(f"{result['kind']}: first errors: {result['errors_sample']}")
    report.table(
        ["database", "32 clients without pauses", "requests/s", "median ms", "p95 ms", "errors", "ratio to hello"],
        [[r["kind"], *rung, f"{100 * rung[1] / r['rungs'][0][1]:.0f}%"] for r in results for rung in r["rungs"]],
    )
    report.table(
        ["database", "worker resident memory after the run (MB)"],
        [[r["kind"], ", ".join(f"{m:.0f}" for m in r["memory"])] for r in results],
    )
