"""Configuration read from the environment, with safe defaults for development."""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSORT_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The development key is public (it is in this file): only development may sign with it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Development defaults: SQLite under instance/, mail written as .eml files."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'consort.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    INSTANCE_DIR = INSTANCE_DIR
    STORAGE_DIR = Path(os.environ.get("CONSORT_STORAGE", INSTANCE_DIR / "storage"))
    MAIL_FOLDER = Path(os.environ.get("CONSORT_MAIL_FOLDER", INSTANCE_DIR / "mail"))
    # "folder": the app writes each outgoing message as an .eml file as soon as the
    # request commits; "smtp": `flask tick` delivers the outbox over SMTP.
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "folder")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Consort <no-reply@consort.invalid>")
    OFFICE_EMAIL = os.environ.get("OFFICE_EMAIL", "trust-office@consort.invalid")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    LEAD_ORGANISATION = os.environ.get("LEAD_ORGANISATION", "NMPAT (demo)")
    # Where people reach Consort: every link in an email and the letters' "check this
    # letter" address. In development it follows PORT (scripts/start's port).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")
    # The trustees' vote rule: see workflow/votes/rule.py. The quorum is a count ("3")
    # or a fraction of the board when a vote opens, rounded up ("1/2" or "50%").
    VOTE_QUORUM = os.environ.get("VOTE_QUORUM", "3")
    VOTE_MAJORITY = os.environ.get("VOTE_MAJORITY", "simple")
    VOTE_REMINDER_DAYS = int(os.environ.get("VOTE_REMINDER_DAYS", "2"))
    # Days after the decision or withdrawal before `flask tick` anonymises a declined or withdrawn application.
    ANONYMISE_AFTER_DAYS = int(os.environ.get("ANONYMISE_AFTER_DAYS", "365"))
    # Days before a partnership ends when `flask tick` reminds the office and the partner.
    PARTNERSHIP_REMINDER_DAYS = int(os.environ.get("PARTNERSHIP_REMINDER_DAYS", "90"))
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # A page sends at most three files (the documents section), each up to UPLOAD_MAX_BYTES:
    # a file over its limit then gets a message beside it, and the page's other answers are kept.
    MAX_CONTENT_LENGTH = 3 * UPLOAD_MAX_BYTES + 256 * 1024
    # The documents one application keeps, counting those sent to the trust office and replaced since
    # (a draft's replaced files are deleted): an upload past either cap is refused beside its field.
    DOCUMENTS_MAX_PER_APPLICATION = int(os.environ.get("DOCUMENTS_MAX_PER_APPLICATION", "30"))
    DOCUMENTS_MAX_BYTES_PER_APPLICATION = int(os.environ.get("DOCUMENTS_MAX_BYTES_PER_APPLICATION", 100 * 1024 * 1024))
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", "3600"))
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # Sessions end after this long without a request, and this long after signing in;
    # the password is asked again before sensitive changes if not typed this recently.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    RECENT_PASSWORD_MINUTES = int(os.environ.get("RECENT_PASSWORD_MINUTES", "10"))
    # Rate limits (Flask-Limiter; see workflow/accounts/limits.py and docs/security.md):
    # wrong passwords and codes per account and per address (loose, for an office sharing
    # one address), emails sent per account and per address, invitations per sender.
    RATE_LIMITS = True
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per minute;20 per hour")
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 5 minutes")
    EMAIL_LIMIT_PER_ACCOUNT = os.environ.get("EMAIL_LIMIT_PER_ACCOUNT", "5 per hour")
    EMAIL_LIMIT_PER_ADDRESS = os.environ.get("EMAIL_LIMIT_PER_ADDRESS", "20 per hour")
    INVITATION_LIMIT_PER_ACCOUNT = os.environ.get("INVITATION_LIMIT_PER_ACCOUNT", "20 per hour")
    # Public checks of a letter (each shows the organisation and decision of a real code).
    VERIFY_RATE_LIMIT = True
    VERIFY_LIMIT_PER_ADDRESS = os.environ.get("VERIFY_LIMIT_PER_ADDRESS", "30 per 10 minutes")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "consort")
    # The key recovery codes are hashed with (HMAC-SHA256), kept out of the database. When unset
    # it is derived from SECRET_KEY; set it so that changing SECRET_KEY leaves the codes working.
    RECOVERY_CODE_KEY = os.environ.get("RECOVERY_CODE_KEY")
    # Fernet keys the TOTP secrets are encrypted with, comma-separated: the first encrypts, all
    # decrypt (to rotate, put the new key first). When unset a key derived from SECRET_KEY is
    # used, and it is always tried too; set this so that changing SECRET_KEY leaves two-factor working.
    TOTP_ENCRYPTION_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS")
    # Behind a reverse proxy: how many proxies set X-Forwarded-For (0: none, use the peer address).
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    # Applicants are warned this many minutes before their session times out, and can extend it.
    SESSION_WARNING_MINUTES = int(os.environ.get("SESSION_WARNING_MINUTES", "5"))
    # Answers posted after a session expired are held this long for the same person to sign in again.
    HELD_ANSWERS_MINUTES = int(os.environ.get("HELD_ANSWERS_MINUTES", "120"))


class ProductionConfig(Config):
    """Production: secrets must come from the environment; cookies are secure."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # Browsers accept a __Host- cookie only over https; plain http on loopback
    # (benchmarks) turns SESSION_COOKIE_SECURE off and keeps the ordinary name.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_SECURE = True
    # A sync gunicorn worker serves one request at a time: a small pool each, so that
    # workers x (pool_size + max_overflow) stays well inside PostgreSQL's max_connections.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "2")),
        "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "3")),
        # A server restart leaves stale connections; a file has none to test.
        "pool_pre_ping": not Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite"),
    }


class TestConfig(Config):
    """Tests: a database URL and folders given by the test fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_TRANSPORT = "folder"
    PUBLIC_URL = "http://localhost"
    # Off so the suite never trips them; the tests of the limits switch them on.
    RATE_LIMITS = False
    VERIFY_RATE_LIMIT = False


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine only (or is not a web address at all)."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in {"http", "https"} or not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def production_refusals(settings) -> list[str]:
    """Why these settings must not serve the public; empty when they may."""
    refusals = []
    if str(settings.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        refusals.append(
            "RATELIMIT_STORAGE_URI is memory://, so each worker would count attempts on its own: "
            "set it to the shared Redis (redis://127.0.0.1:6379)"
        )
    if is_loopback(settings.get("PUBLIC_URL", "")):
        refusals.append(
            f"PUBLIC_URL is {settings.get('PUBLIC_URL')!r}: set it to the address people use "
            "(https://apply.example.org), or every emailed link and every letter's check address points nowhere"
        )
    return refusals


def config_from_environment() -> type[Config]:
    """The configuration class named by CONSORT_ENV: development (the default) or production.

    Any other value stops the app, so that a misspelt "Production" never runs the
    development configuration in public. Tests pass their configuration class directly.
    """
    name = os.environ.get("CONSORT_ENV", "development")
    classes = {"development": Config, "production": ProductionConfig}
    if name not in classes:
        raise RuntimeError(f"CONSORT_ENV is {name!r}: set it to development or production")
    return classes[name]
