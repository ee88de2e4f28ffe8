"""The directory's filters (a GET form) and the partner's entry form."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, Email, Length, Optional

from ..applications.forms import as_choices
from ..organisations.models import ORGANISATION_TYPE_LABELS
from ..widgets import (
    GovCheckboxesInput,
    GovEmailInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from .queries import AGE_GROUP_LABELS, GENRE_LABELS, Filters


class FilterForm(Form):
    """Filters read from the query string; unknown values are ignored, never an error."""

    hub = SelectField("Hub", widget=GovSelect(), validators=[Optional()])
    organisation_type = SelectField("Type of organisation", widget=GovSelect(), validators=[Optional()])
    district = SelectField("District", widget=GovSelect(), validators=[Optional()])
    age_groups = SelectMultipleField("Age groups", choices=as_choices(AGE_GROUP_LABELS.items()), widget=GovCheckboxesInput(), validators=[Optional()])
    genres = SelectMultipleField("Genres and activities", choices=as_choices(GENRE_LABELS.items()), widget=GovCheckboxesInput(), validators=[Optional()])

    def __init__(self, formdata, hubs):
        super().__init__(formdata)
        self.hub.choices = as_choices([("", "Any hub")] + [(hub.slug, hub.name) for hub in hubs])
        self.organisation_type.choices = as_choices(
            [("", "Any type")] + [(kind.value, label) for kind, label in ORGANISATION_TYPE_LABELS.items()]
        )
        self.district.choices = as_choices(
            [("", "Any district")] + sorted({(d.name, d.name) for hub in hubs for d in hub.districts})
        )

    def filters(self) -> Filters:
        def allowed(field, value):
            return value if value in {choice.value for choice in field.choices} else ""

        return Filters(
            hub=allowed(self.hub, self.hub.data or ""),
            organisation_type=allowed(self.organisation_type, self.organisation_type.data or ""),
            district=allowed(self.district, self.district.data or ""),
            age_groups=tuple(v for v in self.age_groups.data or [] if v in AGE_GROUP_LABELS),
            genres=tuple(v for v in self.genres.data or [] if v in GENRE_LABELS),
        )


class EntryForm(FlaskForm):
    description = TextAreaField(
        "About your organisation", description="A few sentences for the public: what you offer and who can take part.",
        widget=GovTextArea(), validators=[Optional(), Length(max=1500, message="About your organisation must be 1500 characters or fewer")],
    )
    website = StringField(
        "Website", widget=GovTextInput(),
        validators=[Optional(), URL(message="Enter a website address like https://www.example.org"), Length(max=300)],
    )
    public_email = EmailField(
        "Email address for the public", widget=GovEmailInput(),
        validators=[Optional(), Email("Enter an email address in the correct format, like name@example.org"), Length(max=254)],
    )
    submit = SubmitField("Save your entry", widget=GovSubmitInput())


class HideForm(FlaskForm):
    reason = StringField("Why are you hiding this partner? (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=500)])
    submit = SubmitField("Hide from the directory", widget=GovSubmitInput())
