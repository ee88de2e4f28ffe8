"""Forms of the decision letter page."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from .templating import validate_template
from .verification import MAX_CODE_INPUT

FREE_PARAGRAPH_MAX = 5000
TEMPLATE_MAX = 50_000


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


class TemplateForm(FlaskForm):
    body = TextAreaField(
        "Template",
        widget=GovTextArea(),
        description="HTML with merge fields in double curly brackets, such as {{ organisation }}.",
        validators=[InputRequired("Enter the template"), Length(max=TEMPLATE_MAX, message=f"A template must be {TEMPLATE_MAX} characters or fewer")],
    )
    save = SubmitField("Save as a new version", widget=GovSubmitInput())
    preview = SubmitField("Preview with sample details (PDF)", widget=GovSubmitInput())

    def validate_body(self, field):
        problem = validate_template((field.data or "").replace("\r\n", "\n"))
        if problem is not None:
            line, message = problem
            raise ValidationError(f"Line {line}: {message}")


class VerifyCodeForm(FlaskForm):
    class Meta:
        csrf = False  # a look-up by GET; it changes nothing

    code = StringField(
        "Verification code",
        widget=GovTextInput(),
        description="It is printed at the foot of every page of the letter, for example ABCDE-FGHIJ.",
        validators=[InputRequired("Enter the verification code printed on the letter"), Length(max=MAX_CODE_INPUT, message="Enter the code as printed on the letter")],
    )
    check = SubmitField("Check the code", widget=GovSubmitInput())


class VerifyUploadForm(FlaskForm):
    letter = FileField("The letter as a PDF", widget=GovFileInput(), validators=[FileRequired("Choose the PDF of the letter")])
    check_file = SubmitField("Check the file", widget=GovSubmitInput())
