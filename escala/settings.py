"""One settings module, driven by environment variables.

Every knob is read through a small typed helper that fails loudly on a bad value, so a typo in a
deployment shows up at start-up, not as odd behaviour later.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("ESCALA_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/ (dev only)."""
    if key := env_str("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Sign-in: local accounts, password reset, two-factor (TOTP, recovery codes, passkeys), the
    # user's own sessions, and the providers single sign-on adds (docs/decisions/0010-sign-in.md).
    "escala.accounts",  # before allauth: its templates give allauth's pages Escala's look
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "escala.core",
    "escala.people",
    "escala.tiers",
    "escala.tickets",
    "escala.sla",
    "escala.automation",
    "escala.mail",
    "escala.demo",
    "escala.api",
    "escala.webhooks",
    "escala.knowledge",
    "escala.reports",
    "escala.surveys",
    "escala.problems",
    "escala.desk",
    "escala.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "escala.tickets.middleware.RelayPageEvents",
]

ROOT_URLCONF = "escala.urls"
WSGI_APPLICATION = "escala.wsgi.application"

FORM_RENDERER = "escala.core.forms.FastSelectRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: embedded SQLite by default, PostgreSQL when DATABASE_URL says so -----------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'escala.sqlite3'}")
try:
    # Persistent connections (one per server thread), checked before reuse after an idle spell.
    _db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600), conn_health_checks=True
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    # IMMEDIATE: every atomic block takes the write lock up front, so two writers to one ticket
    # queue up instead of both reading the old row (SQLite has no SELECT ... FOR UPDATE).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the in-memory default: threads then see real locking, as in production.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test_escala_{os.getpid()}.sqlite3")}
else:
    # Each test run names its own database, so two runs on one PostgreSQL server never collide.
    _db["TEST"] = {"NAME": env_str("ESCALA_TEST_DB_NAME") or f"test_escala_{os.getpid()}"}
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: compiling one with JIT (planned cost over jit_above_cost, which a
    # search or a dashboard query at a million rows reaches) takes longer than running it.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES = {"default": _db}

# --- Cache: rate limits and who is viewing a ticket. "memory" is per process (development, tests);
# "file" is shared by the server's processes on one machine (`escala serve` chooses it).
_cache_kind = env_str("ESCALA_CACHE", "memory")
if _cache_kind == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _cache_kind == "file":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
else:
    raise ImproperlyConfigured(f"ESCALA_CACHE must be memory or file, not {_cache_kind!r}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work: Django's Tasks API on the database ---------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The model backend, with the user's agent or requester profile read in the same query.
# allauth's backend signs in through its rate limits; ours reads the session's user.
AUTHENTICATION_BACKENDS = [
    "escala.people.backends.PeopleBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in (django-allauth) -------------------------------------------------------------------
ACCOUNT_ADAPTER = "escala.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# People are made by admins, the directory or the mail channel; self-registration (accounts/signup
# in escala.accounts) verifies the address before the account exists.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SIGNUP_OPEN = False  # allauth's own sign-up form is closed: see escala.accounts.signup
ACCOUNT_UNIQUE_EMAIL = False  # existing people may share an address; sign-in is by username too
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_FORMS = {"login": "escala.accounts.forms.LoginForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Escala] "
SOCIALACCOUNT_PROVIDERS: dict = {}

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- Security headers ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: pages load only our own files (htmx is vendored).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# --- Escala's own knobs ------------------------------------------------------------------------
ESCALA_TICKET_PREFIX = env_str("ESCALA_TICKET_PREFIX", "ESC")
ESCALA_MAX_ATTACHMENT_BYTES = env_int("ESCALA_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
ESCALA_ALLOWED_ATTACHMENT_TYPES = env_list(
    "ESCALA_ALLOWED_ATTACHMENT_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "message/rfc822",
    ],
)
ESCALA_DEMO_PASSWORD = env_str("ESCALA_DEMO_PASSWORD")
# API: requests per token (or per signed-in user) per window of seconds; 0 turns the limit off.
ESCALA_API_RATE_LIMIT = env_int("ESCALA_API_RATE_LIMIT", 600)
ESCALA_API_RATE_WINDOW = env_int("ESCALA_API_RATE_WINDOW", 60)
# Webhooks: tries per delivery before it is marked failed (30 s, 1 min, 2 min... apart).
ESCALA_WEBHOOK_ATTEMPTS = env_int("ESCALA_WEBHOOK_ATTEMPTS", 6)

# --- Mail (escala.mail) ------------------------------------------------------------------------
ESCALA_MAIL_ADDRESS = env_str("ESCALA_MAIL_ADDRESS", "soporte@escala.example")
ESCALA_MAIL_FROM_NAME = env_str("ESCALA_MAIL_FROM_NAME", "Escala")
# The largest mail accepted, as it arrives (MIME-encoded: about 4/3 of its attachments): the
# SMTP/LMTP listener refuses a larger one with 552 before storing it, the pipe exits 65.
ESCALA_MAIL_MAX_RAW_BYTES = env_int("ESCALA_MAIL_MAX_RAW_BYTES", 25 * 1024 * 1024)
# Files kept per mail; the others are listed in a note on the ticket (and on the stored mail).
ESCALA_MAIL_MAX_ATTACHMENTS = env_int("ESCALA_MAIL_MAX_ATTACHMENTS", 50)
# Automatic acknowledgements ("request received"): at most one per sender per window (seconds),
# and none beyond a flood of new tickets from one domain (N per window; 0 turns it off). The
# mails are always filed; each limit that holds an acknowledgement back alerts the admins.
ESCALA_MAIL_ACK_WINDOW = env_int("ESCALA_MAIL_ACK_WINDOW", 600)
ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = env_int("ESCALA_MAIL_DOMAIN_FLOOD_LIMIT", 20)
ESCALA_MAIL_DOMAIN_FLOOD_WINDOW = env_int("ESCALA_MAIL_DOMAIN_FLOOD_WINDOW", 600)
ESCALA_MAIL_DOMAIN_FLOOD_EXEMPT = env_list("ESCALA_MAIL_DOMAIN_FLOOD_EXEMPT", [])
# Notifications to an address whose mail bounced for good: "suppress" (not sent; the agent sees
# why) or "send" (sent anyway, the address only flagged).
ESCALA_MAIL_BOUNCED_ADDRESSES = env_str("ESCALA_MAIL_BOUNCED_ADDRESSES", "suppress")
if ESCALA_MAIL_BOUNCED_ADDRESSES not in {"suppress", "send"}:
    raise ImproperlyConfigured(
        "ESCALA_MAIL_BOUNCED_ADDRESSES must be suppress or send, "
        f"got {ESCALA_MAIL_BOUNCED_ADDRESSES!r}"
    )
# Mail left `received` (a killed pipe, poll or listener) is processed by the worker once it is
# this many seconds old (the worker looks every 30 seconds).
ESCALA_MAIL_LEFTOVER_AFTER = env_int("ESCALA_MAIL_LEFTOVER_AFTER", 20)
ESCALA_MAIL_NOTIFY = env_bool("ESCALA_MAIL_NOTIFY", True)
# A matched reply from someone who is not on the ticket: "new_ticket" or "hold" (for an agent).
ESCALA_MAIL_STRANGER_REPLY = env_str("ESCALA_MAIL_STRANGER_REPLY", "new_ticket")
# Unknown senders: "create" a requester (organization by domain) or "hold" the mail.
ESCALA_MAIL_UNKNOWN_SENDERS = env_str("ESCALA_MAIL_UNKNOWN_SENDERS", "create")
ESCALA_MAIL_ALLOWED_DOMAINS = env_list("ESCALA_MAIL_ALLOWED_DOMAINS", [])  # empty: any domain
ESCALA_MAIL_DEFAULT_ORGANIZATION = env_str("ESCALA_MAIL_DEFAULT_ORGANIZATION", "Email")
ESCALA_MAIL_RATE_LIMIT = env_int("ESCALA_MAIL_RATE_LIMIT", 30)  # mails per sender per window
ESCALA_MAIL_RATE_WINDOW = env_int("ESCALA_MAIL_RATE_WINDOW", 3600)  # seconds
ESCALA_MAIL_VENDOR_CASE_PATTERN = env_str(
    "ESCALA_MAIL_VENDOR_CASE_PATTERN",
    r"(?i)\b(?:case|caso|incident|incidencia|ticket|ref|sr)\s*(?:#|n[oº°]\.?|number|:)?\s*"
    r"(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{3,40})",
)
ESCALA_MAIL_SMTP_HOST = env_str("ESCALA_MAIL_SMTP_HOST", "127.0.0.1")
ESCALA_MAIL_SMTP_PORT = env_int("ESCALA_MAIL_SMTP_PORT", 8025)
# PostgreSQL: process stored mail without waiting for the disk flush (safe: see mail/ingest.py).
ESCALA_MAIL_ASYNC_COMMIT = env_bool("ESCALA_MAIL_ASYNC_COMMIT", True)
ESCALA_MAIL_OUTBOX_MAX_ATTEMPTS = env_int("ESCALA_MAIL_OUTBOX_MAX_ATTEMPTS", 8)
# Outgoing mail (Django's MAILERS): SMTP by default; EMAIL_BACKEND may name another backend.
_mail_backend = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_mail_options = (
    {
        "host": env_str("EMAIL_HOST", "127.0.0.1"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER") or None,
        "password": env_str("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
    if _mail_backend.endswith("smtp.EmailBackend")
    else {}
)
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", f"{ESCALA_MAIL_FROM_NAME} <{ESCALA_MAIL_ADDRESS}>"
)
# Knowledge: triage suggestions above this confidence (0-1) are applied to new tickets; 0 = never.
# The level that owns new problems unless the agent or an admin picks another (Level 3: the
# engineers who investigate new and unknown problems).
ESCALA_PROBLEM_OWNER_LEVEL = env_int("ESCALA_PROBLEM_OWNER_LEVEL", 3)
ESCALA_TRIAGE_AUTO_APPLY = env_float("ESCALA_TRIAGE_AUTO_APPLY", 0.0)
ESCALA_TRIAGE_MODEL_PATH = Path(
    env_str("ESCALA_TRIAGE_MODEL_PATH", str(VAR_DIR / "triage" / "model.joblib"))
)
# Satisfaction surveys: a first answer is accepted this many days after the resolution, and the
# answer may be changed for this many days after it was first given.
ESCALA_SURVEY_OPEN_DAYS = env_int("ESCALA_SURVEY_OPEN_DAYS", 30)
ESCALA_SURVEY_CHANGE_DAYS = env_int("ESCALA_SURVEY_CHANGE_DAYS", 3)
# Reports: up to this many tickets in a selection, medians and percentiles are computed exactly
# from every ticket; above it, from daily histograms (5% wide buckets, within 2.5%).
ESCALA_REPORTS_EXACT_LIMIT = env_int("ESCALA_REPORTS_EXACT_LIMIT", 20_000)
# Reports: up to this many tickets in a selection, medians and percentiles are computed exactly
# from every ticket; above it, from daily histograms (5% wide buckets, within 2.5%).
ESCALA_REPORTS_EXACT_LIMIT = env_int("ESCALA_REPORTS_EXACT_LIMIT", 20_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# When the listeners of a committed ticket event (routing, triggers, SLA clocks, report facts,
# webhooks) run: "worker" (queued in the event's transaction, relayed by `escala worker` in
# batches; the console's pages relay their own at once) or "inline" (right after each commit).
ESCALA_EVENT_RELAY = env_str("ESCALA_EVENT_RELAY", "worker")
if ESCALA_EVENT_RELAY not in ("worker", "inline"):
    raise ImproperlyConfigured("ESCALA_EVENT_RELAY must be worker or inline")
