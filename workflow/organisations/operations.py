"""Keeping an organisation's profile, which fills the first section of every application."""

from werkzeug.datastructures import MultiDict

from ..extensions import db
from .forms import ProfileForm
from .models import Organisation, OrganisationType


def named_or_only_organisation(user, organisation_id: int | None) -> Organisation | None:
    """The organisation named (404 if there is none such), else the one the person acts for when
    there is exactly one; None when they have to choose."""
    if organisation_id is not None:
        return db.get_or_404(Organisation, organisation_id)
    memberships = user.memberships
    return memberships[0].organisation if len(memberships) == 1 else None


def update_profile(organisation: Organisation, data: dict) -> Organisation:
    """Save the profile's cleaned answers (see `ProfileForm.profile_data`)."""
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
