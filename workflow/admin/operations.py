"""Administrative changes; each one is written to the admin log."""

import secrets

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role, User, UserRole
from ..accounts.operations import create_member, end_other_sessions, find_user
from ..accounts.passwords import hash_password
from ..errors import LinkGone, NotAllowed, WrongState
from ..extensions import db
from ..hubs.images import IMAGE_NAMES, put_image
from ..hubs.models import Criterion, District, Goal, Hub, ImageKind, Round
from ..hubs.operations import DEFAULT_CRITERIA, STANDARD_FORM, form_data, prefix_taken, publish_form, slug_taken
from ..notifications.operations import queue_email
from ..types import utcnow
from .models import AdminEvent, DeploymentSettings
from .settings import FIELDS, SETTINGS_ID, deployment_settings

INVITATION_DAYS = 7
HUB_TEXT_FIELDS = (
    "name", "introduction", "commitments", "how_to_apply", "contact", "address",
    "charity_number", "company_number", "reference_prefix", "partnership_term_years", "open_all_year",
)
ROLE_LABELS = {Role.OFFICER: "Officer", Role.ADMIN: "Admin", Role.TRUSTEE: "Trustee", Role.CHAIR: "Chair"}


def record_admin_event(actor, kind: str, obj, summary: str) -> AdminEvent:
    """Write one entry to the admin log."""
    event = AdminEvent(
        actor_id=actor.id if actor is not None else None,
        kind=kind,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        summary=summary,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def _sync_titles(existing: list, titles: list[str], make, key: str = "title") -> list:
    """Rows for `titles`, keeping each existing row whose title is unchanged."""
    by_title = {getattr(row, key): row for row in existing}
    return [by_title.get(title) or make(title) for title in titles]


def update_hub(hub: Hub, actor, values: dict, goals: list[tuple[str, str]], districts: list[str], criteria: list[str]) -> list[str]:
    """Change a hub's text, letterhead, prefix, term, goals, districts and criteria; returns what changed."""
    if prefix_taken(values["reference_prefix"], other_than=hub.id):
        raise WrongState(f"Another hub already uses the reference prefix {values['reference_prefix']}.")
    before = {name: getattr(hub, name) for name in HUB_TEXT_FIELDS}
    before |= {
        "goals": [(g.title, g.description) for g in hub.goals],
        "districts": [d.name for d in hub.districts],
        "criteria": [c.title for c in hub.criteria],
    }
    for name in HUB_TEXT_FIELDS:
        setattr(hub, name, values[name])
    hub.goals = _sync_titles(hub.goals, [title for title, _ in goals], lambda t: Goal(title=t))
    for position, (goal, (_, description)) in enumerate(zip(hub.goals, goals), start=1):
        goal.position, goal.description = position, description
    hub.districts = _sync_titles(hub.districts, districts, lambda n: District(name=n), key="name")
    hub.criteria = _sync_titles(hub.criteria, criteria, lambda t: Criterion(title=t))
    for position, criterion in enumerate(hub.criteria, start=1):
        criterion.position = position
    after = {name: values[name] for name in HUB_TEXT_FIELDS} | {
        "goals": list(goals), "districts": list(districts), "criteria": list(criteria),
    }
    changed = _changed(before, after)
    if changed:
        db.session.flush()
        record_admin_event(actor, "hub_changed", hub, f"{hub.name}: changed {', '.join(changed)}")
    return changed


def create_hub(actor, name: str, slug: str, lead_organisation: str, reference_prefix: str) -> Hub:
    """A new hub with the default assessment criteria; its page is filled in on the hub's edit page."""
    if slug_taken(slug):
        raise WrongState(f"Another hub already has the web address /hubs/{slug}.")
    if prefix_taken(reference_prefix):
        raise WrongState(f"Another hub already uses the reference prefix {reference_prefix}.")
    hub = Hub(
        slug=slug, name=name.strip(), lead_organisation=lead_organisation.strip(), reference_prefix=reference_prefix,
        criteria=[Criterion(position=n, title=title) for n, title in enumerate(DEFAULT_CRITERIA, start=1)],
    )
    try:
        with db.session.begin_nested():
            db.session.add(hub)
    except IntegrityError:
        raise WrongState("Someone added a hub with this web address or reference prefix at the same moment.") from None
    publish_form(hub, form_data(STANDARD_FORM, "the standard form"), user=actor)
    record_admin_event(actor, "hub_created", hub, f"{hub.name} added at /hubs/{hub.slug}, references {hub.reference_prefix}")
    return hub


def change_hub_image(hub: Hub, actor, kind: ImageKind, data: bytes) -> bool:
    """Replace the hub's logo or chair's signature with checked image bytes; False if it is the same image."""
    image, changed = put_image(hub, kind, data)
    if changed:
        record_admin_event(
            actor, "hub_image_changed", hub,
            f"{hub.name}: new {IMAGE_NAMES[kind]} ({image.content_type}, {len(data)} bytes, SHA-256 {image.sha256[:12]})",
        )
    return changed


def remove_hub_image(hub: Hub, actor, kind: ImageKind) -> bool:
    """Remove the hub's logo or chair's signature; False if it had none."""
    image = hub.image(kind)
    if image is None:
        return False
    hub.images.remove(image)
    db.session.flush()
    record_admin_event(actor, "hub_image_removed", hub, f"{hub.name}: {IMAGE_NAMES[kind]} removed")
    return True


def add_round(hub: Hub, actor, name: str, opens_at, closes_at) -> Round:
    """Plan an application round for a hub."""
    if closes_at <= opens_at:
        raise WrongState("A round must close after it opens.")
    round_ = Round(hub_id=hub.id, name=name.strip(), opens_at=opens_at, closes_at=closes_at)
    db.session.add(round_)
    db.session.flush()
    db.session.refresh(hub)
    record_admin_event(
        actor, "round_added", round_,
        f"{hub.name}: round {round_.name} from {opens_at.isoformat()} to {closes_at.isoformat()}",
    )
    return round_


def remove_round(round_: Round, actor) -> None:
    """Delete a round (drafts survive; they wait for the next round)."""
    record_admin_event(actor, "round_removed", round_, f"{round_.hub.name}: round {round_.name} removed")
    db.session.delete(round_)
    db.session.flush()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="consort-invitation")


def invitation_token(user: User) -> str:
    """A link token to set the first password; it stops working once a password is set."""
    return _serializer().dumps({"user": user.id, "hash": user.password_hash[-16:]})


def invited_user(token: str) -> User:
    """The user an unused, unexpired invitation is for; else LinkGone (410)."""
    try:
        data = _serializer().loads(token, max_age=INVITATION_DAYS * 24 * 3600)
    except SignatureExpired:
        raise LinkGone("This invitation has expired. Ask an administrator to send a new one.") from None
    except BadSignature:
        raise LinkGone("This invitation link is not valid. Check you copied all of it.") from None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("hash"):
        raise LinkGone("This invitation has already been used. Sign in, or ask for a new one.")
    return user


def invite_member(actor, name: str, email: str, roles: set[Role]) -> User:
    """Create a staff or trustee account and email it a link to set its password."""
    if find_user(email) is not None:
        raise WrongState("An account with this email address already exists.")
    user = create_member(name=name, email=email, password=secrets.token_urlsafe(32), roles=roles)
    _send_invitation(user)
    record_admin_event(actor, "user_invited", user, f"{user.email} invited as {_role_names(user.roles)}")
    return user


def resend_invitation(actor, user: User) -> None:
    _send_invitation(user)
    record_admin_event(actor, "invitation_sent", user, f"Invitation sent again to {user.email}")


def _send_invitation(user: User) -> None:
    queue_email(
        "staff_invitation", user.email, "Set your password for Consort",
        user=user, roles=_role_names(user.roles), days=INVITATION_DAYS,
        link_path=url_for("invitations.accept_invitation_page", token=invitation_token(user)),
    )


def accept_invitation(user: User, password: str) -> None:
    """Set the invited person's password; the link cannot be used again."""
    user.password_hash = hash_password(password)
    user.email_verified_at = user.email_verified_at or utcnow()
    end_other_sessions(user)
    db.session.flush()


def _role_names(roles) -> str:
    return ", ".join(ROLE_LABELS[role] for role in sorted(roles, key=lambda r: r.value)) or "no role"


def change_roles(actor, user: User, roles: set[Role]) -> bool:
    """Give a staff or board account these roles; an admin cannot remove their own admin role."""
    if user.is_applicant:
        raise NotAllowed("Applicants' accounts cannot hold office or board roles.")
    if Role.CHAIR in roles:
        roles = roles | {Role.TRUSTEE}
        holder = db.session.scalars(
            db.select(UserRole).where(UserRole.role == Role.CHAIR, UserRole.user_id != user.id)
        ).first()
        if holder is not None:
            raise WrongState("The board already has a chair. Remove the role from them first.")
    if user.id == actor.id and Role.ADMIN not in roles:
        raise WrongState("You cannot remove your own admin role. Ask another administrator.")
    if not roles:
        raise WrongState("Choose at least one role.")
    before = set(user.roles)
    if before == roles:
        return False
    user.role_rows = [UserRole(role=role) for role in sorted(roles, key=lambda r: r.value)]
    end_other_sessions(user)
    db.session.flush()
    record_admin_event(
        actor, "roles_changed", user, f"{user.email}: {_role_names(before)} → {_role_names(roles)}"
    )
    return True


def set_active(actor, user: User, active: bool) -> None:
    """Switch an account off (it can no longer sign in) or on again."""
    if user.id == actor.id:
        raise WrongState("You cannot switch off your own account.")
    if user.active == active:
        return
    user.active = active
    end_other_sessions(user)
    db.session.flush()
    record_admin_event(actor, "user_activated" if active else "user_deactivated", user, user.email)


def update_settings(actor, values: dict) -> list[str]:
    """Change the vote rule, reminder periods and the anonymisation period."""
    current = deployment_settings()
    row = db.session.get(DeploymentSettings, SETTINGS_ID)
    if row is None:
        row = DeploymentSettings(id=SETTINGS_ID, **{name: getattr(current, name) for name in FIELDS})
        db.session.add(row)
    changed = [name for name in FIELDS if getattr(current, name) != values[name]]
    for name in FIELDS:
        setattr(row, name, values[name])
    db.session.flush()
    if changed:
        record_admin_event(
            actor, "settings_changed", row,
            "; ".join(f"{name.replace('_', ' ')}: {getattr(current, name)} → {values[name]}" for name in changed),
        )
    return changed
