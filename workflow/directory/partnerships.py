"""Partnership terms: started on approval, reminded before the end, renewed from the last answers."""

from datetime import date, datetime

from sqlalchemy import select, update

from ..applications.lifecycle import State
from ..applications.models import Application, ApplicationSection
from ..applications.operations import start_application
from ..applications.sections import all_answers, form_of
from ..audit.operations import record_event
from ..errors import WrongState
from ..extensions import db
from ..letters.operations import add_years
from ..notifications.operations import notify_office, notify_organisation
from ..types import london, utcnow
from .models import DirectoryEntry, Partnership, renewal_window

# Sections a renewal starts from: everything but the profile (always live), the
# uploads (they belong to the old application) and the declarations (made afresh).
# A renewal starts from the last answers, by question key, except the files (the organisation
# uploads its current ones) and the section the declarations and commitments are made in.
NOT_RENEWED = {"file"}


def local_day(moment: datetime | None) -> date:
    return london(moment or utcnow()).date()


def start_partnership(application: Application) -> Partnership:
    """The partnership an approved application starts (once), and its directory entry.

    The term runs from the decision's day for the hub's term in years, as the letter says.
    """
    existing = db.session.scalar(select(Partnership).where(Partnership.application_id == application.id))
    if existing is not None:
        return existing
    if application.state is not State.APPROVED:
        raise WrongState("Only an approved application starts a partnership.")
    starts_on = local_day(application.decided_at)
    partnership = Partnership(
        organisation_id=application.organisation_id,
        hub_id=application.hub_id,
        application_id=application.id,
        starts_on=starts_on,
        ends_on=add_years(starts_on, application.hub.partnership_term_years),
    )
    db.session.add(partnership)
    directory_entry(application.organisation)
    db.session.flush()
    return partnership


def directory_entry(organisation) -> DirectoryEntry:
    """The organisation's public entry, made from its profile the first time it is needed."""
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == organisation.id))
    if entry is None:
        entry = DirectoryEntry(organisation_id=organisation.id, website=organisation.website or "")
        db.session.add(entry)
        db.session.flush()
    return entry


def partnerships_of(organisation_ids: list[int]) -> list[Partnership]:
    return list(
        db.session.scalars(
            select(Partnership)
            .where(Partnership.organisation_id.in_(organisation_ids))
            .order_by(Partnership.ends_on.desc())
        )
    )


def remind_partnerships_ending(now: datetime | None = None) -> int:
    """Email the office and the partner, once, when renewal opens near a partnership's end; returns how many."""
    now = now or utcnow()
    today = local_day(now)
    horizon = today + renewal_window()
    due_ids = db.session.scalars(
        select(Partnership.id).where(
            Partnership.reminded_at.is_(None), Partnership.ends_on <= horizon, Partnership.ends_on >= today
        )
    ).all()
    reminded = 0
    for partnership_id in due_ids:
        # Claimed with one compare-and-set UPDATE, so two ticks at once remind only once.
        claimed = db.session.execute(
            update(Partnership)
            .where(Partnership.id == partnership_id, Partnership.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        partnership = db.session.get(Partnership, partnership_id)
        context = {"partnership": partnership, "hub": partnership.hub, "partner": partnership.organisation}
        notify_office(
            "partnership_ending_office",
            f"Partnership ending: {partnership.organisation.name} ({partnership.hub.name})",
            **context,
        )
        notify_organisation(
            "partnership_ending", partnership.organisation,
            f"Your partnership with {partnership.hub.name} ends soon", **context,
        )
        reminded += 1
    db.session.flush()
    return reminded


def renew_partnership(partnership: Partnership, user) -> Application:
    """A draft renewal with the last application's answers copied in; marked on the partnership.

    Compare-and-set on the mark: when two members renew at once, one draft is kept and the other refused (409).
    """
    draft = start_application(user, partnership.organisation, partnership.hub)
    previous = partnership.application
    answers = all_answers(previous)
    for section in form_of(draft).sections:
        carried = {
            name: answers[name] for question in section.questions if question.type not in NOT_RENEWED
            for name in (question.key, question.other_key) if name in answers
        }
        if carried and draft.section(section.key) is None and not section.shows_commitments:
            db.session.add(ApplicationSection(application_id=draft.id, key=section.key, answers=carried, updated_by_id=user.id))
    claimed = db.session.execute(
        update(Partnership)
        .where(Partnership.id == partnership.id, Partnership.renewal_application_id.is_(None))
        .values(renewal_application_id=draft.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise WrongState("A renewal has already been started for this partnership.")
    db.session.flush()
    db.session.expire(partnership, ["renewal_application_id", "renewal"])
    db.session.refresh(draft)
    record_event(draft, "renewal_started", user, detail=f"Renews {previous.reference}")
    return draft
