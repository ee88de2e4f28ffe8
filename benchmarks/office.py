"""The office's pages at national scale: seed 100,000 applications, then time the pages.

For SQLite and PostgreSQL in turn: a fresh database, `seed_applications`, then about
thirty requests of each page through the Flask test client (server time, no
network), with the number of SQL statements each ran.
"""

import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, delete, event, select, text

from config import BASE_DIR, TestConfig
from workflow import create_app
from workflow.accounts.models import Role, User, UserRole
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.extensions import db
from workflow.hubs.operations import load_hubs, read_configuration
from workflow.reviews.models import DashboardSnapshot
from workflow.reviews.snapshot import refresh_snapshot

from .report import summary_ms

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_NAME = "consort_bench_office"
REQUESTS = 30
TARGETS_MS = {"dashboard, figures kept by the tick": 150, "dashboard, counted afresh": 150}
DEFAULT_TARGET_MS = 50


def _postgres_url() -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


def _drop_postgres() -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    admin.dispose()


def _app(url: str, folder: Path):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_DIR=folder,
        STORAGE_DIR=folder / "storage",
        MAIL_FOLDER=folder / "mail",
        SESSION_IDLE_MINUTES=24 * 60,
    )


def _seed(app, count: int) -> tuple[float, User]:
    from workflow.reviews.seed import seed_applications

    with app.app_context():
        db.create_all()
        load_hubs(read_configuration(BASE_DIR / "hubs" / "nmpat.toml"))
        officer = User(name="Bench Officer", email="bench-officer@bench.invalid", password_hash="!", is_applicant=False)
        officer.role_rows = [UserRole(role=Role.OFFICER)]
        db.session.add(officer)
        db.session.commit()
        started = time.perf_counter()
        seed_applications(count)
        db.session.commit()
        seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        return seconds, officer.get_id()


def _pages(app) -> dict[str, str | list[str]]:
    """Each page's URL; the application page is a different application on each request."""
    with app.app_context():
        assessed = db.session.scalars(
            select(Application.id).where(Application.state == State.WITH_TRUSTEES).order_by(Application.id).limit(REQUESTS + 2)
        ).all()
        return {
            "queue, first page": "/office?state=approved",
            "queue, last page": "/office?state=approved&page=100000",
            "queue, filtered": "/office?state=approved&organisation_type=school&district=Corby&sort=submitted",
            "queue, searched": "/office?state=approved&q=riverside+choir",
            "dashboard, figures kept by the tick": "/office/dashboard",
            "dashboard, counted afresh": "/office/dashboard",
            "application page": [f"/office/applications/{number}" for number in assessed],
        }


def _prepare_dashboard(app, kept: bool) -> None:
    """Keep fresh figures as `flask tick` does, or remove them so the page counts afresh."""
    with app.app_context():
        db.session.execute(delete(DashboardSnapshot))
        if kept:
            refresh_snapshot()
        db.session.commit()


def _tick_recount(app, times: int = 5) -> tuple[float, float]:
    """Median and 95th percentile ms of the tick's recount of the dashboard's figures, committed."""
    samples = []
    with app.app_context():
        for _ in range(times):
            started = time.perf_counter()
            refresh_snapshot()
            db.session.commit()
            samples.append(time.perf_counter() - started)
    return summary_ms(samples)


def _measure(app, user_id: str, requests: int = REQUESTS) -> list[list]:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["second_factor"] = True
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    rows = []
    with app.app_context():
        engine = db.engine
    for name, urls in _pages(app).items():
        if name.startswith("dashboard"):
            _prepare_dashboard(app, kept="kept" in name)
        samples = []
        for n in range(requests + 2):
            url = urls if isinstance(urls, str) else urls[n % len(urls)]
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            elapsed = time.perf_counter() - started
            event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (url, response.status_code)
            if n >= 2:  # the first two warm the caches
                samples.append(elapsed)
        median, p95 = summary_ms(samples)
        target = TARGETS_MS.get(name, DEFAULT_TARGET_MS)
        rows.append([name, median, p95, len(statements), target, "yes" if median < target else "NO"])
    return rows


def measure_database(report, kind: str, count: int, requests: int = REQUESTS) -> list[list]:
    """Seed a fresh database of this kind with `count` applications, time the pages, add the table."""
    with tempfile.TemporaryDirectory(prefix="consort-bench-office-") as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'office.sqlite3'}" if kind == "sqlite" else _postgres_url()
        try:
            app = _app(url, folder)
            seconds, user_id = _seed(app, count)
            report.note(f"**{kind}**: seeded {count:,} applications in {seconds:.1f} s.")
            rows = _measure(app, user_id, requests)
            report.table(["page", "median ms", "p95 ms", "SQL statements", "target ms", "met"], rows)
            median, p95 = _tick_recount(app)
            report.note(
                f"`flask tick`'s recount of the dashboard's figures (the page shows them with the time they "
                f"were counted): median {median:.0f} ms, p95 {p95:.0f} ms."
            )
            with app.app_context():
                db.engine.dispose()
            return rows
        finally:
            if kind == "postgresql":
                _drop_postgres()


def run(report, args) -> None:
    count = 2_000 if args.quick else 100_000
    report.section(f"Office pages at {count:,} applications")
    report.note(
        f"Each page requested {REQUESTS} times through the Flask test client after two warm-up requests "
        "(the application page: a different application each time); "
        "server time in milliseconds, and the SQL statements one request runs. "
        "Targets: queue and application page median under 50 ms, dashboard under 150 ms (at 100,000). "
        "The dashboard is timed twice: reading the figures `flask tick` keeps, and with none kept, counting afresh."
    )
    for kind in ("sqlite", "postgresql"):
        measure_database(report, kind, count)
