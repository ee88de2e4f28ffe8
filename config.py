"""Configuration read from the environment, with safe defaults for development."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSORT_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Development defaults: SQLite under instance/, mail written as .eml files."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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
    SERVER_NAME_FOR_MAIL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # The trustees' vote rule: see workflow/votes/rule.py.
    VOTE_QUORUM = int(os.environ.get("VOTE_QUORUM", "3"))
    VOTE_MAJORITY = os.environ.get("VOTE_MAJORITY", "simple")
    VOTE_REMINDER_DAYS = int(os.environ.get("VOTE_REMINDER_DAYS", "2"))
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024 + 64 * 1024
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", "3600"))
    SQLITE_BUSY_TIMEOUT_MS = 15000


class ProductionConfig(Config):
    """Production: secrets must come from the environment; cookies are secure."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


class TestConfig(Config):
    """Tests: a database URL and folders given by the test fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_TRANSPORT = "folder"
    SERVER_NAME_FOR_MAIL = "http://localhost"


def config_from_environment() -> type[Config]:
    """The configuration class named by CONSORT_ENV (development by default)."""
    name = os.environ.get("CONSORT_ENV", "development")
    return {"production": ProductionConfig, "testing": TestConfig}.get(name, Config)
