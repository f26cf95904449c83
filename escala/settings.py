"""One settings module, driven by environment variables.

Every knob is read through a small typed helper that fails loudly on a bad value, so a typo in a
deployment shows up at start-up, not as odd behaviour later.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from escala.sso.ldap_config import ldap_settings
from escala.sso.oidc_config import oidc_settings

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
    "django.contrib.humanize",  # allauth's session list says "3 minutes ago"
    # Sign-in: local accounts, password reset, two-factor (TOTP, recovery codes, passkeys), the
    # user's own sessions, and the providers single sign-on adds (docs/decisions/0015-sign-in.md).
    "escala.accounts",  # before allauth: its templates give allauth's pages Escala's look
    "escala.sso",  # single sign-on (LDAP, OpenID Connect); before allauth: its SSO buttons
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount.providers.openid_connect",
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
    "escala.notifications",  # the agents' notification center (issue #18)
    "escala.desk",
    "escala.portal",
    # === issue 16: backups, health, metrics, worker heartbeats; data protection ===
    "escala.ops",
    "escala.privacy",
]

MIDDLEWARE = [
    # === issue 16: request latency metrics and the request id, outermost ===
    "escala.ops.metrics.RequestMetrics",
    "escala.ops.logs.RequestId",
    # A live poll that finds nothing new: 204 before the session and the user are read.
    "escala.desk.middleware.LiveShortcut",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "escala.accounts.middleware.RequireTwoFactor",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "escala.sso.csp.SignInFormActionMiddleware",  # the SSO buttons may post on to the providers
    "escala.tickets.middleware.RelayPageEvents",
    # === issue 16: the branded 404 also while DEBUG is on ===
    "escala.core.middleware.BrandedNotFound",
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
    # Persistent connections (one per server thread), checked (a SELECT 1) at the first query of
    # every request: a restarted database costs no request an error, for one round trip each.
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
            "BACKEND": "escala.core.filecache.FileCache",  # set_many culls once
            "LOCATION": str(VAR_DIR / "cache"),
            # The live console keeps a few entries per open page (stamps, presence, grants):
            # past Django's default of 300 entries each write would drop a third of them at
            # random, and every page whose stamp was dropped would look changed.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# === issue 16: several hosts share one Redis (Django's own RedisCache) ===
elif _cache_kind.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_kind,
            # Several sites (or test runs) may share one Redis database: keys carry this prefix.
            "KEY_PREFIX": env_str("ESCALA_CACHE_PREFIX", "escala"),
        }
    }
# === end issue 16 ===
else:
    raise ImproperlyConfigured(
        f"ESCALA_CACHE must be memory, file or a redis:// URL, not {_cache_kind!r}"
    )
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
# allauth's backend signs in through its rate limits; ours reads the session's user. Before them,
# LDAP / Active Directory when ESCALA_LDAP_SERVER_URI is set (escala/sso/ldap_config.py reads the
# ESCALA_LDAP_* variables; README "Single sign-on").
AUTHENTICATION_BACKENDS = [
    "escala.people.backends.PeopleBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
globals().update(ldap_settings(os.environ))
if AUTH_LDAP_SERVER_URI:  # noqa: F821 (set by ldap_settings)
    AUTHENTICATION_BACKENDS.insert(0, "escala.sso.directory.DirectoryBackend")
# Minutes between two checks of the directory for removed or disabled users (escala worker).
ESCALA_LDAP_SYNC_MINUTES = env_int("ESCALA_LDAP_SYNC_MINUTES", 15)
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
# OpenID Connect (escala/sso/oidc.py): one provider from ESCALA_OIDC_* (escala/sso/oidc_config.py),
# more as social applications in the admin. Sign-up through a provider is open: the directory
# mapping rules decide who gets in, and as what; a local account is never linked by mail.
SOCIALACCOUNT_PROVIDERS: dict = oidc_settings(os.environ)
SOCIALACCOUNT_ADAPTER = "escala.sso.oidc.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Brute force (docs/decisions/0015-sign-in.md). Failed sign-ins are counted per client address and
# per account, each in a sliding window; past the limit, that way in answers "too many failed
# attempts" until the window has moved on. One address gets fewer tries than it takes to lock an
# account, so an attacker from one address never locks a real user out, and a lock by many
# addresses lasts one account window at most (a password reset ends it at once).
ESCALA_LOGIN_FAILURES_PER_ADDRESS = env_int("ESCALA_LOGIN_FAILURES_PER_ADDRESS", 5)
ESCALA_LOGIN_ADDRESS_WINDOW = env_int("ESCALA_LOGIN_ADDRESS_WINDOW", 900)  # seconds
ESCALA_LOGIN_FAILURES_PER_ACCOUNT = env_int("ESCALA_LOGIN_FAILURES_PER_ACCOUNT", 10)
ESCALA_LOGIN_ACCOUNT_WINDOW = env_int("ESCALA_LOGIN_ACCOUNT_WINDOW", 300)  # seconds
ESCALA_API_BAD_TOKENS_PER_ADDRESS = env_int("ESCALA_API_BAD_TOKENS_PER_ADDRESS", 20)
# Mails that sign in or reset a password: per address and per mail address asked for.
ESCALA_SIGN_IN_MAIL_RATE = env_str("ESCALA_SIGN_IN_MAIL_RATE", "10/15m/ip,3/15m/key")
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{ESCALA_LOGIN_FAILURES_PER_ADDRESS}/{ESCALA_LOGIN_ADDRESS_WINDOW}s/ip,"
        f"{ESCALA_LOGIN_FAILURES_PER_ACCOUNT}/{ESCALA_LOGIN_ACCOUNT_WINDOW}s/key"
    ),
    "login": "30/m/ip",
    "reset_password": ESCALA_SIGN_IN_MAIL_RATE,
    "reset_password_from_key": "20/m/ip",
    "request_login_code": ESCALA_SIGN_IN_MAIL_RATE,
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "signup": "20/m/ip",
    # Escala's own: asking for a sign-in link or a registration mail; following a bad link.
    "escala_sign_in_link": ESCALA_SIGN_IN_MAIL_RATE,
    "escala_register": ESCALA_SIGN_IN_MAIL_RATE,
    "escala_bad_link": f"{ESCALA_LOGIN_FAILURES_PER_ADDRESS}/{ESCALA_LOGIN_ADDRESS_WINDOW}s/ip",
    # Wrong API tokens per client address (scripts retry more than people).
    "escala_bad_token": f"{ESCALA_API_BAD_TOKENS_PER_ADDRESS}/{ESCALA_LOGIN_ADDRESS_WINDOW}s/ip",
}
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: the socket's address).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ESCALA_TRUSTED_PROXY_COUNT", 0)
PASSWORD_RESET_TIMEOUT = env_int(
    "ESCALA_PASSWORD_RESET_TIMEOUT", 3600
)  # seconds a reset link works
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("ESCALA_REAUTHENTICATION_TIMEOUT", 300)
# Two-factor: TOTP (authenticator apps) with recovery codes, and passkeys (WebAuthn), also to sign
# in without a password. Whether agents and admins must have it: the admin's "Sign-in policy".
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("ESCALA_TOTP_ISSUER", "Escala")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("ESCALA_WEBAUTHN_ALLOW_HTTP", DEBUG)
# Requesters' sign-in link by mail: seconds it works (once); self-registration's address check.
ESCALA_MAGIC_LINK_SECONDS = env_int("ESCALA_MAGIC_LINK_SECONDS", 600)
ESCALA_REGISTRATION_LINK_SECONDS = env_int("ESCALA_REGISTRATION_LINK_SECONDS", 24 * 3600)
# Sessions: each sign-in's device is a row the person (and the admin) can see and end, written
# at sign-in; not touched on every page (that would cost a query per request).
USERSESSIONS_TRACK_ACTIVITY = False

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

# === issue 16: attachments on S3-compatible object storage (django-storages) ===================
# Local disk (MEDIA_ROOT) unless ESCALA_S3_BUCKET is set. Files are always served through
# Escala's own views (the visibility policy decides), never by public bucket URLs.
ESCALA_S3_BUCKET = env_str("ESCALA_S3_BUCKET")
if ESCALA_S3_BUCKET:
    _s3_endpoint = env_str("ESCALA_S3_ENDPOINT_URL") or None  # MinIO, Ceph, moto... (None: AWS)
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ESCALA_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env_str("ESCALA_S3_REGION") or None,
            # Credentials: ESCALA_S3_ACCESS_KEY_ID/SECRET, else boto3's own chain (AWS_* variables,
            # an instance role...).
            "access_key": env_str("ESCALA_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("ESCALA_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("ESCALA_S3_PREFIX"),
            "addressing_style": env_str(
                "ESCALA_S3_ADDRESSING_STYLE", "path" if _s3_endpoint else ""
            )
            or None,
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Raw inbound mail (escala/mail/rawstore.py, docs/decisions/0022-raw-mail-storage.md): kept in
# its database row ("database", the default without object storage: one file to back up, the row
# and its bytes in one commit) or in the "rawmail" storage ("storage", the default with
# ESCALA_S3_BUCKET: the same bucket under <ESCALA_S3_PREFIX>/rawmail/, or ESCALA_RAW_MAIL_ROOT on
# local disk). `escala mail move-raw --to-storage` moves what an existing installation holds.
ESCALA_RAW_MAIL_STORE = (
    env_str("ESCALA_RAW_MAIL_STORE", "storage" if ESCALA_S3_BUCKET else "database").strip().lower()
)
if ESCALA_RAW_MAIL_STORE not in ("database", "storage"):
    raise ImproperlyConfigured(
        f"ESCALA_RAW_MAIL_STORE must be database or storage, got {ESCALA_RAW_MAIL_STORE!r}"
    )
ESCALA_RAW_MAIL_ROOT = Path(env_str("ESCALA_RAW_MAIL_ROOT", str(VAR_DIR / "rawmail")))
if ESCALA_S3_BUCKET:
    _raw_prefix = "/".join(p for p in (env_str("ESCALA_S3_PREFIX").strip("/"), "rawmail") if p)
    _rawmail_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_default_storage["OPTIONS"],
            "location": _raw_prefix,
            # Names are the content's SHA-256: writing one again writes the same bytes, and an
            # S3 PUT replaces an object whole (never a half-written one).
            "file_overwrite": True,
        },
    }
else:
    _rawmail_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(ESCALA_RAW_MAIL_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": _default_storage,
    "rawmail": _rawmail_storage,
    "staticfiles": {"BACKEND": "escala.core.staticfiles.KeptUrls"},
}
# === end object storage ==========================================================================

# --- Security headers ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Database sessions, their read compiled once per connection (escala/core/sessions.py).
SESSION_ENGINE = "escala.core.sessions"
# === Production transport security (issue 16) ==================================================
# With DEBUG off every default is the safe one (`escala check --deploy --fail-level WARNING`
# passes); each can be turned down explicitly. Behind a TLS proxy, SECURE_PROXY_SSL_HEADER names
# the header it sets (e.g. X-Forwarded-Proto), or the SSL redirect would loop.
# The test suite (pytest imports these settings) talks plain HTTP to its client and live servers;
# tests/core/test_production.py checks the real defaults in a process of their own.
_TLS = not DEBUG and "pytest" not in sys.modules
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _TLS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _TLS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _TLS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _TLS)
if _proxy_header := env_str("SECURE_PROXY_SSL_HEADER"):
    # "X-Forwarded-Proto" (value https) or "X-Forwarded-Proto: https".
    _name, _sep, _value = _proxy_header.partition(":")
    _name = _name.strip()
    if not _name or not all(c.isalnum() or c == "-" for c in _name):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
            f"got {_proxy_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _name.upper().replace("-", "_"),
        _value.strip() or "https",
    )
# Probes from the load balancer or Prometheus reach these over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# === end production transport security ==========================================================
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
# Who may act by mail (escala/mail/authn.py; README "Mailbox modes"). The mode of mail that no
# mailbox claims (the pipe and the SMTP listener without one): strict, token or lenient.
ESCALA_MAIL_SENDER_POLICY = env_str("ESCALA_MAIL_SENDER_POLICY", "strict")
if ESCALA_MAIL_SENDER_POLICY not in ("strict", "token", "lenient"):
    raise ImproperlyConfigured("ESCALA_MAIL_SENDER_POLICY must be strict, token or lenient.")
# Authentication-Results of these authserv-ids are believed (the MTA must strip incoming ones).
ESCALA_MAIL_TRUSTED_AUTHSERV_IDS = env_list("ESCALA_MAIL_TRUSTED_AUTHSERV_IDS", [])
ESCALA_MAIL_TOKEN_DAYS = env_int("ESCALA_MAIL_TOKEN_DAYS", 120)  # a reply address's validity
# DNS for DKIM keys and DMARC records: "host[:port]" servers, comma-separated; empty: the system's.
ESCALA_DNS_RESOLVER = env_list("ESCALA_DNS_RESOLVER", [])
ESCALA_DNS_TIMEOUT = env_float("ESCALA_DNS_TIMEOUT", 3.0)
ESCALA_DNS_CACHE_SECONDS = env_int("ESCALA_DNS_CACHE_SECONDS", 3600)
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
    # issue 16: the file backend (one file per mail in EMAIL_FILE_PATH; the multi-host test).
    else {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
    if _mail_backend.endswith("filebased.EmailBackend")
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
# The address people reach Escala at, for links in mails (the satisfaction survey's).
ESCALA_SITE_URL = env_str("ESCALA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ESCALA_SURVEY_CHANGE_DAYS = env_int("ESCALA_SURVEY_CHANGE_DAYS", 3)
# Reports: up to this many tickets in a selection, medians and percentiles are computed exactly
# from every ticket; above it, from daily histograms (5% wide buckets, within 2.5%).
ESCALA_REPORTS_EXACT_LIMIT = env_int("ESCALA_REPORTS_EXACT_LIMIT", 20_000)
# Reports: up to this many tickets in a selection, medians and percentiles are computed exactly
# from every ticket; above it, from daily histograms (5% wide buckets, within 2.5%).
ESCALA_REPORTS_EXACT_LIMIT = env_int("ESCALA_REPORTS_EXACT_LIMIT", 20_000)

# === Observability (issue 16) ===================================================================
# Logs: "text" (default) or "json" (one object a line, for a log collector); both carry the
# request id (escala/ops/logs.py).
ESCALA_LOG_FORMAT = env_str("ESCALA_LOG_FORMAT", "text")
if ESCALA_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("ESCALA_LOG_FORMAT must be text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "escala.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": ESCALA_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# /metrics answers only to "Authorization: Bearer <this>"; empty (the default): 404, not exposed.
ESCALA_METRICS_TOKEN = env_str("ESCALA_METRICS_TOKEN")
# /readyz: a worker heartbeat at most this old (0: no worker required), and at most this many
# queued events and ready tasks.
ESCALA_READY_WORKER_SECONDS = env_int("ESCALA_READY_WORKER_SECONDS", 120)
ESCALA_READY_MAX_EVENT_BACKLOG = env_int("ESCALA_READY_MAX_EVENT_BACKLOG", 5000)
ESCALA_READY_MAX_TASK_QUEUE = env_int("ESCALA_READY_MAX_TASK_QUEUE", 5000)
# === end observability ============================================================================

# When the listeners of a committed ticket event (routing, triggers, SLA clocks, report facts,
# webhooks) run: "worker" (queued in the event's transaction, relayed by `escala worker` in
# batches; the console's pages relay their own at once) or "inline" (right after each commit).
ESCALA_EVENT_RELAY = env_str("ESCALA_EVENT_RELAY", "worker")
if ESCALA_EVENT_RELAY not in ("worker", "inline"):
    raise ImproperlyConfigured("ESCALA_EVENT_RELAY must be worker or inline")

# === Data protection (issue 16) ==================================================================
# Closed tickets older than this many days are anonymized ("anonymize") or deleted ("delete") by
# the worker once a day; 0 keeps everything (escala/privacy/retention.py).
ESCALA_RETENTION_DAYS = env_int("ESCALA_RETENTION_DAYS", 0)
ESCALA_RETENTION_ACTION = env_str("ESCALA_RETENTION_ACTION", "anonymize")
if ESCALA_RETENTION_ACTION not in ("anonymize", "delete"):
    raise ImproperlyConfigured("ESCALA_RETENTION_ACTION must be anonymize or delete")
if ESCALA_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("ESCALA_RETENTION_DAYS must be 0 (keep) or a number of days")
