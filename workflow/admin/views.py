"""The administration pages: admins only (403 for everyone else), each page asking the policy for its own action."""

from datetime import datetime, time
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts import limits
from ..accounts.models import Role, User
from ..accounts.sessions import require_recent_password
from ..extensions import db
from ..forms import EmptyForm
from ..hubs.images import IMAGE_NAMES, image_response
from ..hubs.models import Hub, ImageKind, Round
from ..policy import authorize
from ..types import LONDON
from ..words import possessive
from .forms import (
    HubForm,
    HubImageForm,
    InviteForm,
    NewHubForm,
    RolesForm,
    RoundForm,
    SetPasswordForm,
    SettingsForm,
    goal_blocks,
    hub_form_data,
    hub_values,
    lines,
)
from .models import AdminEvent
from .operations import (
    ROLE_LABELS,
    accept_invitation,
    add_round,
    change_hub_image,
    change_roles,
    create_hub,
    invite_member,
    invited_user,
    remove_hub_image,
    remove_round,
    resend_invitation,
    set_active,
    update_hub,
    update_settings,
)
from .settings import FIELDS, deployment_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")
public = Blueprint("invitations", __name__)

IMAGE_USES = {
    ImageKind.LOGO: "The logo heads every decision letter and the hub's public page.",
    ImageKind.SIGNATURE: "The chair's signature is printed above their name in every decision letter. "
    "It is never shown on a public page.",
}


def admin_action(action: str):
    """Sign in, then the policy's answer for `action`, before anything else the page does."""

    def decorate(view):
        @wraps(view)
        def authorized(*args, **kwargs):
            authorize(current_user, action)
            return view(*args, **kwargs)

        return login_required(authorized)

    return decorate


def _staff_account(user_id: int) -> User:
    """An office or board account (applicants' accounts are not administered here: 404)."""
    person = db.get_or_404(User, user_id)
    if person.is_applicant:
        abort(404)
    return person


@bp.route("")
@admin_action("administer")
def index():
    """What an admin can change."""
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    return render_template("admin/index.html", hubs=hubs, settings=deployment_settings())


@bp.route("/hubs/new", methods=["GET", "POST"])
@admin_action("edit_hub")
def new_hub():
    """Add a hub: its name, web address, lead organisation and reference prefix; the rest on its edit page."""
    lead = db.session.scalar(select(Hub.lead_organisation).order_by(Hub.id).limit(1))
    form = NewHubForm(data={"lead_organisation": lead or ""})
    if form.validate_on_submit():
        hub = create_hub(current_user, form.name.data, form.chosen_slug, form.lead_organisation.data, form.reference_prefix.data)
        flash(f"{hub.name} has been added. Write its introduction, goals and districts below.", "success")
        return redirect(url_for("admin.edit_hub", hub_id=hub.id))
    return render_template("admin/new_hub.html", form=form)


@bp.route("/hubs/<int:hub_id>", methods=["GET", "POST"])
@admin_action("edit_hub")
def edit_hub(hub_id: int):
    hub = db.get_or_404(Hub, hub_id)
    form = HubForm(data=hub_form_data(hub), hub_id=hub.id)
    if form.validate_on_submit():
        changed = update_hub(
            hub, current_user, hub_values(form), goal_blocks(form.goals.data),
            lines(form.districts.data), lines(form.criteria.data),
        )
        flash(f"{hub.name} has been saved." if changed else "Nothing was changed.", "success")
        return redirect(url_for("admin.edit_hub", hub_id=hub.id))
    return render_template("admin/hub.html", hub=hub, form=form)


@bp.route("/hubs/<int:hub_id>/<any(logo, signature):kind>", methods=["GET", "POST"])
@admin_action("edit_hub")
def hub_image(hub_id: int, kind: str):
    """Upload (or replace) the hub's letterhead logo or its chair's signature."""
    hub = db.get_or_404(Hub, hub_id)
    kind = ImageKind(kind)
    form = HubImageForm()
    if form.validate_on_submit():
        changed = change_hub_image(hub, current_user, kind, form.image_bytes)
        flash(f"The {IMAGE_NAMES[kind]} has been saved." if changed else "This is the image already saved: nothing was changed.", "success")
        return redirect(url_for("admin.edit_hub", hub_id=hub.id))
    return render_template(
        "admin/hub_image.html", hub=hub, kind=kind, name=IMAGE_NAMES[kind], uses=IMAGE_USES[kind], image=hub.image(kind),
        form=form, remove_form=EmptyForm(),
    )


@bp.route("/hubs/<int:hub_id>/<any(logo, signature):kind>/remove", methods=["POST"])
@admin_action("edit_hub")
def remove_image(hub_id: int, kind: str):
    hub = db.get_or_404(Hub, hub_id)
    kind = ImageKind(kind)
    if EmptyForm().validate_on_submit() and remove_hub_image(hub, current_user, kind):
        flash(f"The {IMAGE_NAMES[kind]} has been removed.", "success")
    return redirect(url_for("admin.edit_hub", hub_id=hub.id))


@bp.route("/hubs/<int:hub_id>/<any(logo, signature):kind>/image")
@admin_action("edit_hub")
def hub_image_file(hub_id: int, kind: str):
    """The image itself, for the admin's pages (the signature is never public)."""
    image = db.get_or_404(Hub, hub_id).image(ImageKind(kind)) or abort(404)
    return image_response(image, public=False)


@bp.route("/hubs/<int:hub_id>/rounds", methods=["GET", "POST"])
@admin_action("change_rounds")
def rounds(hub_id: int):
    hub = db.get_or_404(Hub, hub_id)
    form = RoundForm()
    if form.validate_on_submit():
        opens_at = datetime.combine(form.opens_on.data, time.min, LONDON)
        closes_at = datetime.combine(form.closes_on.data, time(23, 59), LONDON)
        add_round(hub, current_user, form.name.data, opens_at, closes_at)
        flash(f"The round {form.name.data.strip()} has been added.", "success")
        return redirect(url_for("admin.rounds", hub_id=hub.id))
    return render_template("admin/rounds.html", hub=hub, form=form, remove_form=EmptyForm())


@bp.route("/rounds/<int:round_id>/remove", methods=["POST"])
@admin_action("change_rounds")
def delete_round(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    hub_id = round_.hub_id
    remove_round(round_, current_user)
    flash("The round has been removed.", "success")
    return redirect(url_for("admin.rounds", hub_id=hub_id))


@bp.route("/users")
@admin_action("administer")
def users():
    people = db.session.scalars(select(User).where(User.is_applicant.is_(False)).order_by(User.name)).all()
    return render_template("admin/users.html", people=people, role_labels=ROLE_LABELS)


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_action("invite_staff")
@limits.per_account(limits.INVITATIONS, limits.person_signed_in)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
@require_recent_password
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        user = invite_member(current_user, form.name.data, form.email.data, {Role(r) for r in form.roles.data})
        limits.count()
        flash(f"We have emailed {user.email} a link to set their password.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_action("change_roles")
@require_recent_password
def user(user_id: int):
    person = _staff_account(user_id)
    form = RolesForm(data={"roles": [role.value for role in person.roles]})
    if form.validate_on_submit():
        changed = change_roles(current_user, person, {Role(r) for r in form.roles.data})
        flash(f"{possessive(person.name)} roles have been saved." if changed else "Nothing was changed.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user.html", person=person, form=form, button_form=EmptyForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_action("switch_account")
@require_recent_password
def switch_account(user_id: int):
    """Switch an account off (it can no longer sign in) or on again."""
    person = _staff_account(user_id)
    if EmptyForm().validate_on_submit():
        set_active(current_user, person, not person.active)
        flash(f"{possessive(person.name)} account is switched {'on' if person.active else 'off'}.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@admin_action("invite_staff")
@limits.per_account(limits.INVITATIONS, limits.person_signed_in)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
@require_recent_password
def send_invitation_again(user_id: int):
    person = _staff_account(user_id)
    if EmptyForm().validate_on_submit():
        resend_invitation(current_user, person)
        limits.count()
        flash(f"We have emailed {person.email} a new link to set their password.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/settings", methods=["GET", "POST"])
@admin_action("change_settings")
def settings():
    current = deployment_settings()
    form = SettingsForm(data={name: getattr(current, name) for name in FIELDS})
    if form.validate_on_submit():
        values = {name: form[name].data for name in FIELDS} | {"vote_quorum": form.vote_quorum.data.strip()}
        changed = update_settings(current_user, values)
        flash("The settings have been saved." if changed else "Nothing was changed.", "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/settings.html", form=form)


@bp.route("/activity")
@admin_action("see_activity")
def activity():
    """The admin log, newest first."""
    events = db.session.scalars(select(AdminEvent).order_by(AdminEvent.created_at.desc(), AdminEvent.id.desc()).limit(500)).all()
    return render_template("admin/activity.html", events=events)


@public.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation_page(token: str):
    """An invited member of staff or the board sets their password."""
    person = invited_user(token)
    form = SetPasswordForm(user=person)
    if form.validate_on_submit():
        accept_invitation(person, form.password.data)
        flash("Your password has been set. Sign in with your email address and new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("admin/accept_invitation.html", form=form, person=person)
