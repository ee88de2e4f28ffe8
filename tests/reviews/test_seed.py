"""`flask seed applications`, and office pages whose SQL count does not grow with the data."""


from sqlalchemy import func, select

from tests.builders import counting_queries, seed
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection
from workflow.audit.models import ApplicationEvent
from workflow.reviews.models import ApplicationDistrict, Assessment
from workflow.reviews.queries import QUEUE_STATES
from workflow.votes.models import Vote


def test_seed_needs_hubs(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "applications", "--count", "5"])
    assert result.exit_code != 0 and "no hubs" in result.output


def test_seed_makes_realistic_applications(app, db, hub):
    result = seed(app, 300)
    assert "Seeded 300 applications" in result.output
    db.session.expire_all()
    applications = db.session.scalars(select(Application)).all()
    assert len(applications) == 300
    assert {a.state for a in applications} == set(QUEUE_STATES)
    assert len({a.hub_id for a in applications}) == 2
    assert len({a.reference for a in applications}) == 300
    assert db.session.scalar(select(func.count()).select_from(ApplicationSection)) == 300
    assert db.session.scalar(select(func.count()).select_from(ApplicationDistrict)) >= 300
    events = db.session.scalar(select(func.count()).select_from(ApplicationEvent))
    assert events == sum(a.event_count for a in applications)
    decided = [a for a in applications if a.state in {State.APPROVED, State.DECLINED}]
    assert all(a.decided_at and a.decided_at >= a.submitted_at for a in decided)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == len(
        [a for a in applications if a.state in {State.APPROVED, State.DECLINED, State.WITH_TRUSTEES}]
    )
    assert db.session.scalar(select(func.count()).select_from(Assessment)) >= len(decided)
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output

    seed(app, 50)  # seeding again adds to what is there
    assert db.session.scalar(select(func.count()).select_from(Application)) == 350


def _urls(db) -> list[str]:
    """An office URL of every kind, for the data there is now."""
    db.session.expire_all()
    in_review = db.session.scalar(
        select(Application.id).where(Application.state == State.IN_REVIEW).order_by(Application.id)
    )
    approved = db.session.scalar(
        select(Application.id).where(Application.state == State.APPROVED).order_by(Application.id)
    )
    return [
        "/office",
        "/office?state=approved&page=9999",
        "/office?state=approved&page=2&sort=organisation",
        "/office?state=in_review&organisation_type=school&district=Corby&officer=mine"
        "&submitted_from=1&submitted_from=1&submitted_from=2020",
        "/office?state=approved&q=strings&sort=reference",
        "/office/dashboard",
        f"/office/applications/{in_review}",
        f"/office/applications/{approved}",
        "/office/export.csv?state=approved",
    ]


def _counts(client, db) -> dict[str, int]:
    counts = {}
    for url in _urls(db):
        with counting_queries(db) as statements:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()
        counts[url.split("/")[2].split("?")[0] if url.count("/") > 1 else url] = len(statements)
    return counts


def test_query_counts_do_not_grow_from_10_to_1000_applications(app, client, login, db, hub, officer):
    login(officer)
    seed(app, 10)
    few = [len_ for len_ in _count_list(client, db)]
    seed(app, 990)
    many = _count_list(client, db)
    assert many == few, list(zip(_urls(db), few, many))
    assert max(many) <= 30


def _count_list(client, db) -> list[int]:
    counts = []
    for url in _urls(db):
        with counting_queries(db) as statements:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()
        counts.append(len(statements))
    return counts
