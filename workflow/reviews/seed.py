"""`flask seed applications --count N`: synthetic applications across hubs and states, fast.

Rows go in with executemany in batches (organisations, applications, their offer
section and districts, a chained history, assessments, votes and the partnerships
that approvals start), so a hundred thousand applications take minutes, not hours.
"""

import random
from datetime import timedelta
from types import SimpleNamespace

import click
from sqlalchemy import func, insert, select, text

from ..accounts.models import Role, User, UserRole
from ..applications.lifecycle import State
from ..applications.models import Application, ApplicationSection
from ..audit.models import ApplicationEvent
from ..audit.operations import GENESIS, digest_text, event_digest
from ..directory.models import Partnership
from ..directory.partnerships import local_day
from ..cli import refuse_in_production
from ..database import dialect
from ..extensions import db
from ..hubs.models import Hub
from ..letters.operations import add_years
from ..organisations.models import Organisation, OrganisationType
from ..types import utcnow
from ..votes.models import Vote, VoteStatus
from ..votes.rule import Choice, Majority
from .counts import fold_queue_counts
from .models import ApplicationDistrict, Assessment, Recommendation

BATCH = 5000
# How the seeded applications spread over the states: most are decided.
STATE_WEIGHTS = {
    State.SUBMITTED: 10, State.IN_REVIEW: 12, State.INFO_REQUESTED: 5, State.WITH_TRUSTEES: 5,
    State.APPROVED: 43, State.DECLINED: 15, State.WITHDRAWN: 10,
}
# The history each state implies: (kind, from, to) after the submission.
PATHS = {
    State.SUBMITTED: [],
    State.IN_REVIEW: [("take", State.SUBMITTED, State.IN_REVIEW)],
    State.INFO_REQUESTED: [
        ("take", State.SUBMITTED, State.IN_REVIEW), ("request_information", State.IN_REVIEW, State.INFO_REQUESTED)
    ],
    State.WITH_TRUSTEES: [
        ("take", State.SUBMITTED, State.IN_REVIEW), ("put_to_trustees", State.IN_REVIEW, State.WITH_TRUSTEES)
    ],
    State.APPROVED: [
        ("take", State.SUBMITTED, State.IN_REVIEW), ("put_to_trustees", State.IN_REVIEW, State.WITH_TRUSTEES),
        ("approve", State.WITH_TRUSTEES, State.APPROVED),
    ],
    State.DECLINED: [
        ("take", State.SUBMITTED, State.IN_REVIEW), ("put_to_trustees", State.IN_REVIEW, State.WITH_TRUSTEES),
        ("decline", State.WITH_TRUSTEES, State.DECLINED),
    ],
    State.WITHDRAWN: [("withdraw", State.SUBMITTED, State.WITHDRAWN)],
}
ASSESSED = {State.WITH_TRUSTEES, State.APPROVED, State.DECLINED}
WORDS = ["Community", "Youth", "County", "Village", "Riverside", "Northern", "Valley", "Festival", "City", "Heritage"]
KINDS = ["Strings", "Brass Band", "Choir", "Orchestra", "Music Trust", "Samba", "Folk Club", "Jazz Collective"]


def _seed_users() -> tuple[list[int], int]:
    """The active officers' ids (three seed officers if there are none) and a seed applicant's id."""
    officers = list(
        db.session.scalars(select(UserRole.user_id).where(UserRole.role == Role.OFFICER).order_by(UserRole.user_id))
    )
    if not officers:
        for n in range(1, 4):
            user = User(name=f"Seed Officer {n}", email=f"seed-officer{n}@seed.consort.invalid",
                        password_hash="!", is_applicant=False)
            user.role_rows = [UserRole(role=Role.OFFICER)]
            db.session.add(user)
            db.session.flush()
            officers.append(user.id)
    applicant = db.session.scalar(select(User.id).where(User.email == "seed-applicant@seed.consort.invalid"))
    if applicant is None:
        user = User(name="Seed Applicant", email="seed-applicant@seed.consort.invalid", password_hash="!")
        db.session.add(user)
        db.session.flush()
        applicant = user.id
    return officers, applicant


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start:start + BATCH])


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def seed_applications(count: int, seed: int = 1) -> int:
    """Add `count` submitted applications spread over every hub and office state; returns how many."""
    rng = random.Random(seed)
    hubs = list(db.session.scalars(select(Hub).order_by(Hub.id)))
    if not hubs:
        raise click.ClickException("There are no hubs: load them first with `flask hubs load` or `flask demo`.")
    officers, applicant = _seed_users()
    now = utcnow().replace(microsecond=0)
    kinds = list(OrganisationType)

    first_organisation = _next_id(Organisation)
    organisation_count = max(1, count // 3)
    organisations = [
        {
            "id": first_organisation + n,
            "name": f"{rng.choice(WORDS)} {rng.choice(KINDS)} {first_organisation + n}",
            "organisation_type": kinds[n % len(kinds)],
            "town": rng.choice(WORDS), "created_at": now,
            **{field: "" for field in ("type_other", "charity_number", "company_number", "address", "postcode",
                                       "website", "contact_name", "contact_role", "contact_email", "contact_phone",
                                       "safeguarding_lead")},
        }
        for n in range(organisation_count)
    ]
    _insert(Organisation, organisations)

    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    first = _next_id(Application)
    applications, sections, districts, events, assessments, votes, partnerships = [], [], [], [], [], [], []
    for n in range(count):
        application_id = first + n
        hub = hubs[n % len(hubs)]
        state = rng.choices(states, weights)[0]
        submitted = now - timedelta(days=rng.uniform(1, 730), seconds=rng.randrange(86400))
        changed = submitted + (now - submitted) * rng.uniform(0.2, 0.9)
        changed = changed.replace(microsecond=0)
        submitted = submitted.replace(microsecond=0)
        officer = None if state in {State.SUBMITTED, State.WITHDRAWN} else officers[n % len(officers)]
        path = PATHS[state]
        applications.append({
            "id": application_id, "hub_id": hub.id, "form_version_id": hub.current_form().id, "organisation_id": first_organisation + rng.randrange(organisation_count),
            "state": state, "reference": f"{hub.reference_prefix}-{submitted.year}-S{application_id:07d}",
            "created_by_id": applicant, "created_at": submitted - timedelta(days=2), "submitted_at": submitted,
            "state_changed_at": changed, "decided_at": changed if state in {State.APPROVED, State.DECLINED} else None,
            "assigned_officer_id": officer, "reopened_sections": ["offer"] if state is State.INFO_REQUESTED else [],
            "event_count": 1 + len(path),
        })
        served = sorted(rng.sample([d.name for d in hub.districts], k=min(len(hub.districts), rng.randint(1, 2))))
        sections.append({
            "application_id": application_id, "key": "offer", "completed": True, "version": 1, "updated_at": submitted,
            "updated_by_id": applicant,
            "answers": {"description": "Weekly groups and holiday courses.", "districts": served,
                        "age_groups": ["5_to_18"], "genres": ["classical"], "settings": ["community"]},
        })
        districts += [{"application_id": application_id, "district": name} for name in served]
        events += _history(application_id, applicant, officer or officers[0], submitted, changed, path)
        if state in ASSESSED or (state is State.IN_REVIEW and n % 2):
            approve = state is not State.DECLINED and rng.random() < 0.8
            assessments.append({
                "application_id": application_id, "recorded_by_id": officer, "recorded_at": changed,
                "checklist": {c.title: {"met": "yes", "note": ""} for c in hub.criteria},
                "recommendation": Recommendation.APPROVE if approve else Recommendation.DECLINE,
                "reasons": "Seeded recommendation.",
            })
        if state in ASSESSED:
            decided = state in {State.APPROVED, State.DECLINED}
            votes.append({
                "application_id": application_id, "opened_by_id": officer, "opened_at": changed - timedelta(days=7),
                "deadline": changed, "quorum": 3, "majority": Majority.SIMPLE, "overdue": False,
                "status": VoteStatus.CLOSED if decided else VoteStatus.OPEN,
                "closed_at": changed if decided else None,
                "outcome": (Choice.APPROVE if state is State.APPROVED else Choice.DECLINE) if decided else None,
            })
        if state is State.APPROVED:  # as start_partnership does: the term runs from the decision's day
            starts_on = local_day(changed)
            partnerships.append({
                "organisation_id": applications[-1]["organisation_id"], "hub_id": hub.id,
                "application_id": application_id, "starts_on": starts_on,
                "ends_on": add_years(starts_on, hub.partnership_term_years),
            })
    for model, rows in ((Application, applications), (ApplicationSection, sections), (ApplicationDistrict, districts),
                        (ApplicationEvent, events), (Assessment, assessments), (Vote, votes),
                        (Partnership, partnerships)):
        _insert(model, rows)
    fold_queue_counts()  # the triggers wrote one change per application
    if dialect() == "postgresql":
        for table in ("organisations", "applications"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    return count


def _history(application_id, applicant, officer, submitted, changed, path) -> list[dict]:
    """The chained events of a seeded application: its submission, then the steps to its state."""
    steps = [("submit", State.DRAFT, State.SUBMITTED, applicant, submitted)]
    for n, (kind, source, target) in enumerate(path, 1):
        moment = changed if n == len(path) else submitted + (changed - submitted) * n / (len(path) + 1)
        actor = applicant if kind == "withdraw" else (None if kind in {"approve", "decline"} else officer)
        steps.append((kind, source, target, actor, moment.replace(microsecond=0)))
    rows, previous, empty = [], GENESIS, digest_text("")
    for sequence, (kind, source, target, actor, moment) in enumerate(steps, 1):
        row = {
            "application_id": application_id, "sequence": sequence, "kind": kind, "actor_id": actor,
            "from_state": source.value, "to_state": target.value, "created_at": moment,
            "detail_digest": empty, "previous_digest": previous,
        }
        row["digest"] = previous = event_digest(SimpleNamespace(**row))
        rows.append(row)
    return rows


@click.group("seed")
def seed() -> None:
    """Synthetic data for trying the office at scale (never on a live service: refused in production)."""
    refuse_in_production("flask seed adds made-up applications")


@seed.command("applications")
@click.option("--count", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", "rng_seed", default=1, show_default=True, help="Random seed, for repeatable data.")
def seed_applications_command(count: int, rng_seed: int) -> None:
    """Add COUNT submitted applications across the hubs and the office's states."""
    seed_applications(count, rng_seed)
    db.session.commit()
    click.echo(f"Seeded {count:,} applications.")
