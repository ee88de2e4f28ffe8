"""Forms of the decision letter page."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

FREE_PARAGRAPH_MAX = 5000


class FreeParagraphForm(FlaskForm):
    free_paragraph = TextAreaField(
        "Conditions or feedback",
        widget=GovCharacterCount(),
        description="For an approval, any conditions the trustees set; for a decline, the trustees' feedback. "
        "Leave it empty if there is none. Leave a blank line between paragraphs.",
        validators=[Length(max=FREE_PARAGRAPH_MAX, message=f"Conditions or feedback must be {FREE_PARAGRAPH_MAX} characters or fewer")],
    )
    save = SubmitField("Save conditions or feedback", widget=GovSubmitInput())


class IssueForm(FlaskForm):
    confirm = BooleanField(
        "I have checked the preview. Issue the letter to the organisation: it cannot be changed afterwards.",
        widget=GovCheckboxInput(),
        validators=[InputRequired("Confirm that you have checked the letter before you issue it")],
    )
    issue = SubmitField("Issue the letter", widget=GovSubmitInput())
