"""Each trustee's standing register of interests, and the likely conflicts it flags."""

from sqlalchemy import func, select

from ..extensions import db
from ..organisations.models import Organisation
from ..types import utcnow
from .models import TrusteeInterest, normalise_name


def interests_of(trustee) -> list[TrusteeInterest]:
    """A trustee's register, by organisation name."""
    return list(
        db.session.scalars(
            select(TrusteeInterest)
            .where(TrusteeInterest.trustee_id == trustee.id)
            .order_by(TrusteeInterest.organisation_name, TrusteeInterest.id)
        )
    )


def _organisation_named(name: str) -> Organisation | None:
    """The one organisation of this name (any case), if exactly one has it."""
    rows = db.session.scalars(
        select(Organisation).where(func.lower(Organisation.name) == name.lower()).limit(2)
    ).all()
    rows = [row for row in rows if normalise_name(row.name) == normalise_name(name)]
    return rows[0] if len(rows) == 1 else None


def add_interest(trustee, organisation_name: str, connection: str = "") -> TrusteeInterest:
    """Add an organisation to a trustee's register, linked to its record if one has that name."""
    name = " ".join(organisation_name.split())
    if not name:
        raise ValueError("an interest names an organisation")
    organisation = _organisation_named(name)
    interest = TrusteeInterest(
        trustee_id=trustee.id,
        organisation_name=name,
        organisation_id=organisation.id if organisation else None,
        connection=connection.strip(),
        recorded_at=utcnow(),
    )
    db.session.add(interest)
    db.session.flush()
    return interest


def remove_interest(interest: TrusteeInterest) -> None:
    """Take an organisation off its trustee's register."""
    db.session.delete(interest)
    db.session.flush()


def likely_conflicts(organisation, trustee_ids) -> dict[int, list[TrusteeInterest]]:
    """The interests of these trustees that name ``organisation``, by trustee id."""
    ids = set(trustee_ids)
    if not ids:
        return {}
    candidates = db.session.scalars(
        select(TrusteeInterest).where(
            TrusteeInterest.trustee_id.in_(ids),
            (TrusteeInterest.organisation_id == organisation.id)
            | (func.lower(TrusteeInterest.organisation_name) == organisation.name.lower())
            | TrusteeInterest.organisation_id.is_(None),
        )
    )
    flagged: dict[int, list[TrusteeInterest]] = {}
    for interest in candidates:
        if interest.matches(organisation):
            flagged.setdefault(interest.trustee_id, []).append(interest)
    return flagged


def flagged_members(vote, flags: dict[int, list[TrusteeInterest]]) -> list[str]:
    """Each flagged trustee of the vote with the organisations named, in the board's order."""
    return [
        f"{member.trustee.name} ({', '.join(interest.organisation_name for interest in flags[member.trustee_id])})"
        for member in vote.members
        if member.trustee_id in flags
    ]
