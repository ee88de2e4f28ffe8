"""The members pages: who acts for an organisation, inviting a colleague, accepting, leaving, removing.

Routes on the organisations blueprint (imported by workflow/web.py before it is registered).
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..accounts import limits
from ..accounts.forms import InvitedRegisterForm
from ..accounts.models import Invitation, User
from ..accounts.operations import email_taken, register_invited
from ..accounts.sessions import start_session
from ..extensions import db
from ..forms import EmptyForm
from ..policy import authorize, refusal
from .forms_members import InviteForm
from .membership import (
    accept_invitation,
    cancel_invitation,
    find_invitation,
    invite_member,
    open_invitations,
    remove_member,
)
from .models import Organisation
from .views import bp


def _organisation(organisation_id: int) -> Organisation:
    """The organisation, once the signed-in person may manage its members (404 if they do not act for it)."""
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize(current_user, "manage_members", organisation)
    return organisation


@bp.route("/organisation/<int:organisation_id>/members", methods=["GET", "POST"])
@limits.per_account(limits.INVITATIONS, limits.person_signed_in)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
@login_required
def members(organisation_id: int):
    organisation = _organisation(organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        invite_member(organisation, current_user, form.email.data)
        limits.count()
        flash(f"We have sent an invitation to {form.email.data.strip().lower()}. It works for 7 days.", "success")
        return redirect(url_for("organisations.members", organisation_id=organisation.id))
    return render_template(
        "organisations/members.html", organisation=organisation, form=form,
        invitations=open_invitations(organisation), button=EmptyForm(),
    )


@bp.route("/organisation/<int:organisation_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove(organisation_id: int, user_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    member = db.session.get(User, user_id)
    if member is None or not member.is_member_of(organisation.id):
        abort(404)
    authorize(current_user, "remove_member", organisation)
    if EmptyForm().validate_on_submit():
        remove_member(organisation, current_user, member)
        if member.id == current_user.id:
            flash(f"You have left {organisation.name}.", "success")
            return redirect(url_for("index"))
        flash(f"{member.name} is no longer a member of {organisation.name}.", "success")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.route("/organisation/<int:organisation_id>/invitations/<int:invitation_id>/cancel", methods=["POST"])
@login_required
def cancel(organisation_id: int, invitation_id: int):
    organisation = _organisation(organisation_id)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        cancel_invitation(invitation)
        flash(f"The invitation to {invitation.email} is cancelled.", "success")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.route("/join/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The emailed link: sign in (or create an account) as the invited address, then join."""
    found = find_invitation(token)
    if found is None:
        return render_template("organisations/members_invitation.html", invitation=None), 410
    if current_user.is_authenticated:
        form = EmptyForm()
        refused = refusal(current_user, "accept_invitation", found)
        if refused is None and form.validate_on_submit():
            accept_invitation(found, current_user)
            flash(f"You are now a member of {found.organisation.name}.", "success")
            return redirect(url_for("applications.home"))
        return render_template("organisations/members_invitation.html", invitation=found, form=form, refused=refused)
    form = None if email_taken(found.email) else InvitedRegisterForm(email=found.email)
    if form is not None and form.validate_on_submit():
        user = register_invited(name=form.name.data, email=found.email, password=form.password.data)
        accept_invitation(found, user)
        start_session(user)
        flash(f"Your account has been created and you are now a member of {found.organisation.name}.", "success")
        return redirect(url_for("applications.home"))
    return render_template("organisations/members_invitation.html", invitation=found, form=form)
