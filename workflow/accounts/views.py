"""Sign in (with the second step), sign out, register, and the account's own pages."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..forms import EmptyForm
from ..hubs.operations import known_slug
from ..policy import authorize
from . import limits, tokens
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    EnrolForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
    SignInLinkForm,
)
from .keys import decrypt_totp_secret, encrypt_totp_secret
from .models import User
from .operations import (
    authenticate,
    change_email,
    change_password,
    email_change,
    password_reset_user,
    record_account_event,
    record_failed_sign_in,
    register_or_tell_owner,
    request_email_change,
    request_password_reset,
    request_sign_in_link,
    reset_password,
    send_verification,
    sign_in_link_user,
    sign_out,
    sign_out_everywhere,
    use_sign_in_link,
    verification_user,
    verify_email,
)
from .passwords import verify_password
from .sessions import (
    end_session,
    keep_session,
    mark_password_typed,
    require_recent_password,
    safe_next,
    second_factor_done,
    start_session,
)
from .two_factor import (
    check_second_factor,
    enable_two_factor,
    new_secret,
    provisioning_uri,
    recovery_codes_left,
    replace_recovery_codes,
    turn_off_two_factor,
)

bp = Blueprint("accounts", __name__)
bp.app_errorhandler(RateLimitExceeded)(limits.too_many_attempts)

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"

CANDIDATE_SECRET = "totp_candidate"


# Every request loads its user: one statement, built once, with the roles and memberships.
SIGNED_IN_USER = (
    select(User)
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.role_rows), joinedload(User.memberships))
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session, if the session's version is still current."""
    identifier, _, version = user_id.partition(":")
    if not identifier.isdigit() or not version.isdigit():
        return None
    user = db.session.scalars(SIGNED_IN_USER, {"user_id": int(identifier)}).unique().one_or_none()
    if user is None or user.session_version != int(version):
        return None
    return user


def _next_asked() -> str | None:
    """The page asked for after signing in (`next`), if it is a path on this site."""
    return safe_next(request.args.get("next"))


def _next_url() -> str:
    return _next_asked() or url_for("index", hub=_hub_slug())


def _hub_slug() -> str | None:
    """The hub someone came to apply to (from its page), carried through signing in or registering."""
    return known_slug(request.args.get("hub"))


def _profile_first(hub: str | None) -> str:
    """Where a new applicant starts: their organisation's profile, then the hub they came for."""
    return url_for("organisations.profile", next=url_for("applications.home", hub=hub) if hub else None)


@bp.errorhandler(tokens.DeadLink)
def _dead_link(link: tokens.DeadLink):
    """An emailed link that does not work: which, why, and how to ask for another."""
    return render_template("accounts/link_expired.html", what=link.what, voided=link.reason == tokens.VOIDED), 410


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.per_account(limits.PASSWORD, limits.email_typed)
@limits.per_address(limits.SIGN_IN_FROM_ADDRESS)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            record_failed_sign_in(form.email.data)
            limits.count()
            form.email.errors.append("Enter a correct email address and password")
        else:
            return _first_step_done(user, password_typed=True)
    return render_template("accounts/sign_in.html", form=form, hub=_hub_slug())


def _first_step_done(user: User, *, password_typed: bool):
    """After the password or a sign-in link: on to the second step, or in."""
    start_session(user, password_typed=password_typed)
    if user.needs_second_factor:
        step = "accounts.two_factor" if user.has_second_factor else "accounts.two_factor_setup"
        return redirect(url_for(step, next=_next_asked(), hub=_hub_slug()))
    record_account_event(user, "signed_in")
    return redirect(_next_url())


@bp.route("/sign-in/link", methods=["POST"])
@limits.per_account(limits.SIGN_IN_LINKS, limits.email_typed)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
def email_sign_in_link():
    """Ask for a sign-in link by email (offered when the password is paused for an account)."""
    form = SignInLinkForm()
    if not form.validate_on_submit():
        return render_template("accounts/sign_in_paused.html", form=form, message="Enter the email address of your account."), 400
    request_sign_in_link(form.email.data)
    limits.count()
    return render_template("accounts/check_email.html", email=form.email.data.strip().lower(), sent="sign-in-link")


@bp.route("/sign-in/link/<token>", methods=["GET", "POST"])
def sign_in_by_link(token: str):
    """The emailed sign-in link: a button (a mail scanner's GET spends nothing), then the second step if any."""
    user = sign_in_link_user(token)
    form = EmptyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            end_session()
        use_sign_in_link(user)
        return _first_step_done(user, password_typed=False)
    return render_template("accounts/sign_in_link.html", form=form, email=user.email)


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limits.per_account(limits.SECOND_FACTOR, limits.person_signed_in)
@limits.per_address(limits.SIGN_IN_FROM_ADDRESS)
@login_required
def two_factor():
    """The second step: a code from the authenticator app, or a recovery code."""
    if session.get("second_factor"):
        return redirect(_next_url())
    if not current_user.has_second_factor:
        return redirect(url_for("accounts.two_factor_setup", next=_next_asked()))
    form = CodeForm()
    if form.validate_on_submit():
        used = check_second_factor(current_user, form.code.data)
        if used is None:
            record_account_event(current_user, "two_factor_failed")
            limits.count()
            form.code.errors.append("The code is not right, or has been used: enter the code your app shows now")
        else:
            second_factor_done()
            if used == "recovery":
                record_account_event(current_user, "recovery_code_used")
                flash(f"You used a recovery code. You have {recovery_codes_left(current_user)} left.", "info")
            record_account_event(current_user, "signed_in")
            return redirect(_next_url())
    return render_template("accounts/two_factor.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@require_recent_password
def two_factor_setup():
    """Enrol an authenticator app: its secret and otpauth URI as text, then a code to prove it."""
    if current_user.has_second_factor and not session.get("second_factor"):
        return redirect(url_for("accounts.two_factor", next=_next_asked()))
    secret = _candidate_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = enable_two_factor(current_user, secret, form.code.data)
        if codes is None:
            form.code.errors.append("The code is not right: check the secret is typed correctly and enter the code your app shows now")
        else:
            session.pop(CANDIDATE_SECRET, None)
            second_factor_done()
            record_account_event(current_user, "two_factor_enabled")
            record_account_event(current_user, "signed_in")
            return _show_recovery_codes(codes, _next_url())
    return render_template(
        "accounts/two_factor_setup.html", form=form, secret=secret,
        uri=provisioning_uri(current_user, secret), replacing=current_user.has_second_factor,
    )


def _candidate_secret() -> str:
    """The secret being enrolled, kept encrypted in the session: the cookie is signed, not secret."""
    secret = decrypt_totp_secret(session.get(CANDIDATE_SECRET) or "")
    if secret is None:
        secret = new_secret()
        session[CANDIDATE_SECRET] = encrypt_totp_secret(secret)
    return secret


def _show_recovery_codes(codes: list[str], next_url: str):
    """New recovery codes, shown once: in the answer to the POST that made them, never in the session or a cache."""
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """POST replaces the recovery codes (after the password again) and shows the new ones once."""
    if request.method == "POST":
        if not session.get("second_factor"):
            abort(404)
        return _replace_recovery_codes()
    return redirect(url_for("accounts.account"))


@require_recent_password
def _replace_recovery_codes():
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("accounts.account"))
    codes = replace_recovery_codes(current_user)
    record_account_event(current_user, "recovery_codes_replaced")
    return _show_recovery_codes(codes, url_for("accounts.account"))


@bp.route("/account/two-factor/turn-off", methods=["POST"])
@login_required
@require_recent_password
def turn_off_second_factor():
    authorize(current_user, "turn_off_second_factor", current_user)
    if EmptyForm().validate_on_submit():
        turn_off_two_factor(current_user)
        record_account_event(current_user, "two_factor_turned_off")
        flash("Two-factor sign-in is off.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/sign-out", methods=["POST"], endpoint="sign_out")
@login_required
def sign_out_page():
    """Sign out: the session version moves on, so no copy of this session's cookie works again."""
    sign_out(current_user)
    end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/register", methods=["GET", "POST"])
@limits.per_account(limits.EMAILS, limits.email_typed)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
def register():
    """Create an account; the page after answers the same whether the address had one (the email says)."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = RegisterForm()
    if form.validate_on_submit():
        register_or_tell_owner(
            name=form.name.data, email=form.email.data, password=form.password.data,
            organisation_name=form.organisation_name.data, hub=_hub_slug(),
        )
        limits.count()
        return render_template("accounts/check_email.html", email=form.email.data.strip().lower(), sent="registered")
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm-password", methods=["GET", "POST"])
@limits.per_account(limits.PASSWORD, limits.person_signed_in)
@limits.per_address(limits.SIGN_IN_FROM_ADDRESS)
@login_required
def confirm_password():
    """The password again, before changing the email, the second factor or anyone's roles."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data):
            mark_password_typed()
            return redirect(_next_url())
        record_account_event(current_user, "password_confirm_failed")
        limits.count()
        form.password.errors.append("The password is not right")
    return render_template("accounts/confirm_password.html", form=form)


@bp.route("/session/extend", methods=["POST"])
@login_required
def extend_session():
    """Called by the timeout warning's "Stay signed in": this request counts as activity."""
    return "", 204


@bp.route("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html", form=EmptyForm(),
        codes_left=recovery_codes_left(current_user) if current_user.has_second_factor else 0,
    )


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_all():
    if EmptyForm().validate_on_submit():
        sign_out_everywhere(current_user)
        end_session()
        flash("You have signed out on every device.", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@limits.per_account(limits.PASSWORD, limits.person_signed_in)
@limits.per_address(limits.SIGN_IN_FROM_ADDRESS)
@login_required
def change_own_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        if change_password(current_user, form.current.data, form.password.data):
            keep_session()
            flash("Your password has been changed. You have been signed out on your other devices.", "success")
            return redirect(url_for("accounts.account"))
        limits.count()
        record_account_event(current_user, "password_confirm_failed")
        form.current.errors.append("Your current password is not right")
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@limits.per_account(limits.EMAILS, limits.person_signed_in)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
@login_required
@require_recent_password
def change_own_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        request_email_change(current_user, form.email.data)
        limits.count()
        return render_template("accounts/check_email.html", email=form.email.data.strip().lower(), sent="change")
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    user, new_email = email_change(token)
    form = EmptyForm()
    if form.validate_on_submit():
        change_email(user, new_email)
        flash(f"Your email address is now {new_email}.", "success")
        return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in"))
    return render_template("accounts/confirm_email.html", form=form, email=new_email, change=True)


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify(token: str):
    """The emailed link: a button to confirm (a mail scanner's GET changes nothing)."""
    user = verification_user(token)
    form = EmptyForm()
    if form.validate_on_submit():
        verify_email(user)
        hub = _hub_slug()
        if current_user.is_authenticated:
            flash("Thank you: your email address is confirmed.", "success")
            return redirect(url_for("index", hub=hub))
        flash("Thank you: your email address is confirmed. Sign in to complete your organisation's profile.", "success")
        return redirect(url_for("accounts.sign_in", hub=hub, next=_profile_first(hub)))
    return render_template("accounts/confirm_email.html", form=form, email=user.email, change=False)


@bp.route("/account/verify-email", methods=["POST"])
@limits.per_account(limits.EMAILS, limits.person_signed_in)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
@login_required
def resend_verification():
    if EmptyForm().validate_on_submit() and not current_user.is_email_verified:
        send_verification(current_user)
        limits.count()
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.account"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limits.per_account(limits.EMAILS, limits.email_typed)
@limits.per_address(limits.EMAILS_FROM_ADDRESS)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        limits.count()
        return render_template("accounts/check_email.html", email=form.email.data.strip().lower(), sent="reset")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    user = password_reset_user(token)
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        reset_password(user, form.password.data)
        if current_user.is_authenticated:
            end_session()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)
