"""Keeping an organisation's profile, which fills the first section of every application."""

from werkzeug.datastructures import MultiDict

from ..errors import NotAllowed
from ..extensions import db
from .forms import ProfileForm
from .models import Organisation, OrganisationType


def can_edit_profile(organisation: Organisation, user) -> bool:
    """Only the people who act for an organisation keep its profile."""
    return bool(user and user.is_authenticated and user.is_applicant and user.is_member_of(organisation.id))


def update_profile(organisation: Organisation, user, data: dict) -> Organisation:
    """Save the profile's cleaned answers (see `ProfileForm.profile_data`)."""
    if not can_edit_profile(organisation, user):
        raise NotAllowed("Only the people who act for this organisation can change its profile.")
    kind = OrganisationType(data["organisation_type"]) if data.get("organisation_type") else None
    for field in Organisation.PROFILE_FIELDS:
        if field != "organisation_type" and field in data:
            setattr(organisation, field, (data[field] or "").strip())
    organisation.organisation_type = kind
    if kind is not OrganisationType.OTHER:
        organisation.type_other = ""
    db.session.flush()
    return organisation


def profile_form(organisation: Organisation):
    """The profile form filled from what the organisation's profile holds now."""
    return ProfileForm(formdata=MultiDict(organisation.profile()), meta={"csrf": False})


def profile_errors(organisation: Organisation) -> dict[str, list[str]]:
    """What is missing or wrong in the profile; empty when it is complete."""
    form = profile_form(organisation)
    form.validate()
    return {name: list(errors) for name, errors in form.errors.items() if name != "submit"}


def profile_is_complete(organisation: Organisation) -> bool:
    return not profile_errors(organisation)
