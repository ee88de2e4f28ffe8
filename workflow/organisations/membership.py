"""An organisation's members: inviting a colleague by email, accepting, leaving and removing."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from ..accounts.models import Invitation, User
from ..accounts.operations import record_account_event
from ..errors import WrongState
from ..extensions import db
from ..notifications.operations import queue_email
from ..types import utcnow
from .models import Membership, Organisation

INVITATION_DAYS = 7


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_invitations(organisation: Organisation) -> list[Invitation]:
    now = utcnow()
    rows = db.session.scalars(
        select(Invitation).where(Invitation.organisation_id == organisation.id).order_by(Invitation.created_at)
    )
    return [invitation for invitation in rows if invitation.is_open(now)]


def invite_member(organisation: Organisation, inviter: User, email: str) -> Invitation:
    """Email a colleague a single-use link to join; it expires after a week."""
    email = email.strip().lower()
    if any(m.user.email == email for m in organisation.memberships):
        raise WrongState(f"{email} is already a member of {organisation.name}.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation.id, email=email, invited_by_id=inviter.id,
        token_digest=_digest(token), expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        "invitation", email, f"Join {organisation.name} on Consort",
        organisation=organisation, inviter=inviter, token=token, days=INVITATION_DAYS,
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The open invitation this token is for, or None (unknown, used, cancelled or expired)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_digest == _digest(token)))
    return invitation if invitation is not None and invitation.is_open(utcnow()) else None


def accept_invitation(invitation: Invitation, user: User) -> Membership | None:
    """Make the invited person a member (once); the link stops working."""
    if not invitation.is_open(utcnow()):
        raise WrongState("This invitation has expired or has already been used.")
    invitation.accepted_at = utcnow()
    membership = None
    if not user.is_member_of(invitation.organisation_id):
        membership = Membership(user_id=user.id, organisation_id=invitation.organisation_id)
        db.session.add(membership)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    db.session.refresh(user)
    record_account_event(user, "joined_organisation", detail=str(invitation.organisation_id))
    return membership


def cancel_invitation(invitation: Invitation) -> None:
    """Cancel an invitation still open: its link stops working."""
    if invitation.is_open(utcnow()):
        invitation.cancelled_at = utcnow()
        db.session.flush()


def remove_member(organisation: Organisation, user: User, member: User) -> None:
    """Remove a member (or leave, when `member` is `user`); the last member cannot go.

    The count is taken again under a lock on the organisation: two members removing
    each other at once cannot leave it with none (409).
    """
    membership = db.session.get(Membership, (member.id, organisation.id))
    if membership is None:
        raise WrongState(f"{member.name} is not a member of {organisation.name}.")
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
    count = db.session.scalar(select(func.count()).where(Membership.organisation_id == organisation.id))
    if count <= 1:
        raise WrongState("The last member cannot leave: invite a colleague to take over first.")
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(organisation, ["memberships"])
    db.session.expire(member, ["memberships"])
    kind = "left_organisation" if member.id == user.id else "removed_from_organisation"
    record_account_event(member, kind, actor=user, detail=str(organisation.id))
