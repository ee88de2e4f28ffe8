"""Fixtures: one database per pytest-xdist worker, emptied after every test.

CONSORT_TEST_DB chooses the database: "sqlite" (default) or "postgresql" (the
local server on 127.0.0.1:5432, one database per worker, created here).
"""

import os
from datetime import timedelta

import pytest
from flask import g
from hypothesis import settings
from sqlalchemy import create_engine, text

from config import TestConfig
from workflow import create_app
from workflow.accounts.models import Role, User, UserRole
from workflow.accounts.passwords import hash_password
from workflow.applications.lifecycle import State
from workflow.applications.operations import start_application
from workflow.extensions import db as _db
from workflow.extensions import limiter
from workflow.hubs.operations import load_hubs
from workflow.organisations.models import Membership, Organisation, OrganisationType
from workflow.reviews.models import Assessment, Recommendation
from workflow.types import utcnow
from workflow.votes.operations import open_vote

from .builders import complete_answers, make_application

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("deep", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_ADMIN_URL = os.environ.get("CONSORT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"


def _worker() -> str:
    """This test process's name: the xdist worker, and the run's process id."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{run}"


def database_url(tmp_root, purpose: str = "test") -> str:
    """A fresh, empty database for this worker, on the engine chosen by CONSORT_TEST_DB."""
    if os.environ.get("CONSORT_TEST_DB", "sqlite") == "postgresql":
        name = f"consort_{purpose}_{_worker()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    return f"sqlite:///{tmp_root / f'consort-{purpose}.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp(f"consort-{_worker()}")
    url = database_url(root)
    options = {"connect_args": {"options": "-c synchronous_commit=off"}} if url.startswith("postgresql") else {}
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        INSTANCE_DIR=root,
        STORAGE_DIR=root / "storage",
        MAIL_FOLDER=root / "mail",
    )
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()
    drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture()
def rate_limited(app, monkeypatch):
    """The rate limits switched on (the suite runs with them off), from a clean slate."""
    monkeypatch.setitem(app.config, "RATE_LIMITS", True)
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture()
def restore_limiter(app):
    """For tests that build a production app: the one Flask-Limiter follows the last app built, and a
    production app points it at Redis, where resetting would clear other workers' counts. Point it back."""
    yield
    limiter.init_app(app)


def drop_database(url: str) -> None:
    """Remove a per-worker PostgreSQL database at the end of the run."""
    if not url.startswith("postgresql"):
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def db(app):
    """The database, emptied (and the mail folder cleared) after the test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as connection:
            # DELETE rather than TRUNCATE: on tables this small it is far faster. The
            # append-only trigger on events is bypassed for this clean-up only.
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
        for path in app.config["MAIL_FOLDER"].glob("*.eml"):
            path.unlink()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


HUB_CONFIGURATION = {
    "lead_organisation": "Demo Lead Trust",
    "hubs": [
        {
            "slug": "northamptonshire",
            "name": "Northamptonshire Music Education Hub",
            "reference_prefix": "NMEH",
            "introduction": "Music for every young person in the county.",
            "commitments": "Partners contribute in kind and pay no fee.",
            "address": "1 Demo Street\nNorthampton\nNN1 1AA",
            "charity_number": "0000000",
            "company_number": "00000000",
            "districts": ["Corby", "Kettering", "Northampton"],
            "goals": [
                {"title": "Every child singing and playing"},
                {"title": "Reaching every young person"},
            ],
        },
        {
            "slug": "rutland",
            "name": "Rutland Music",
            "reference_prefix": "RM",
            "districts": ["Oakham", "Uppingham"],
            "goals": [{"title": "Music in every Rutland school"}],
        },
    ],
}


@pytest.fixture()
def hub(db):
    hubs = load_hubs(HUB_CONFIGURATION)
    db.session.commit()
    return hubs[0]


@pytest.fixture()
def make_user(db, password_hash):
    """make_user(roles=..., applicant=False, organisation=None) -> User."""
    counter = {"n": 0}

    def make(*roles: Role, name: str | None = None, organisation: Organisation | None = None) -> User:
        counter["n"] += 1
        n = counter["n"]
        user = User(
            name=name or f"Person {n}",
            email=f"person{n}@example.org",
            password_hash=password_hash,
            is_applicant=not roles,
            email_verified_at=utcnow(),
        )
        user.role_rows = [UserRole(role=role) for role in roles]
        db.session.add(user)
        db.session.flush()
        if organisation is not None:
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
        db.session.commit()
        db.session.refresh(user)
        return user

    return make


@pytest.fixture()
def make_organisation(db):
    def make(name: str = "Kettering Community Strings") -> Organisation:
        organisation = Organisation(
            name=name,
            organisation_type=OrganisationType.REGISTERED_CHARITY,
            charity_number="1234567",
            address="2 Example Road",
            town="Kettering",
            postcode="NN16 8AA",
            website="https://strings.example.org",
            contact_name="Ada Lovelace",
            contact_role="Director",
            contact_email="ada@example.org",
            contact_phone="01536 000000",
            safeguarding_lead="Grace Hopper",
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture()
def organisation(make_organisation):
    return make_organisation()


@pytest.fixture()
def applicant(make_user, organisation):
    return make_user(name="Ada Lovelace", organisation=organisation)


@pytest.fixture()
def other_applicant(make_user, make_organisation):
    return make_user(name="Someone Else", organisation=make_organisation("Another Band"))


@pytest.fixture()
def officer(make_user):
    return make_user(Role.OFFICER, name="Olive Officer")


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN, Role.OFFICER, name="Adam Admin")


@pytest.fixture()
def chair(make_user):
    return make_user(Role.CHAIR, Role.TRUSTEE, name="Charlotte Chair")


@pytest.fixture()
def trustees(make_user, chair):
    """The board: the chair and three more trustees."""
    return [chair] + [make_user(Role.TRUSTEE, name=f"Trustee {n}") for n in (1, 2, 3)]


@pytest.fixture()
def login(client):
    """login(user): sign the test client in as this user (no password round-trip). For a session
    signed in just now, with its timestamps, use `tests.account_helpers.sign_in(login, user)`."""

    def sign_in(user: User, test_client=None):
        # Requests share the test's app context, so Flask-Login's cached user in g
        # would outlive a switch of user: forget it.
        g.pop("_login_user", None)
        with (test_client or client).session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["second_factor"] = True  # the two-factor step is done (workflow/accounts/sessions.py)
        return test_client or client

    return sign_in


@pytest.fixture()
def draft(db, hub, organisation, applicant, login):
    """The applicant's draft to the hub, with the applicant signed in."""
    application = start_application(applicant, organisation, hub)
    db.session.commit()
    login(applicant)
    return application


@pytest.fixture()
def soon():
    return utcnow() + timedelta(days=7)


@pytest.fixture()
def world(db, hub, organisation, applicant, officer, trustees, soon, app):
    """For the form-wide tests: an applicant's draft, an application in review with a
    recommendation, and one with the trustees on an open vote; ids and people by name."""
    draft = make_application(hub, organisation, applicant, State.DRAFT, answers=complete_answers(hub))
    in_review = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    with_trustees = make_application(hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer)
    for application in (in_review, with_trustees):
        db.session.add(Assessment(application_id=application.id, recommendation=Recommendation.APPROVE, reasons="Good"))
    with app.test_request_context():
        vote = open_vote(with_trustees, officer, soon)
    db.session.commit()
    return {
        "applicant": applicant, "officer": officer, "trustee": trustees[1], "anonymous": None,
        "draft": draft.id, "in_review": in_review.id, "vote": vote.id,
    }
