"""Visitline settings, read from the environment.

Defaults run the embedded demo (SQLite, in-memory cache); production sets
VISITLINE_ENV=production and must then provide a real secret key, DEBUG off and
its allowed hosts, or the process refuses to start.
"""

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("VISITLINE_DATA_DIR", str(BASE_DIR / "data")))

DEMO_SECRET_KEY = "visitline-demo-secret-key-do-not-use-in-production"

ENVIRONMENT = env_str("VISITLINE_ENV", "demo")
if ENVIRONMENT not in {"demo", "production"}:
    raise ImproperlyConfigured(f"VISITLINE_ENV must be demo or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)

# Identity document numbers are encrypted with their own key, so rotating
# SECRET_KEY never makes them unreadable. To rotate this key, list the old
# ones in IDENTITY_PREVIOUS_KEYS (still read) and keep IDENTITY_DIGEST_KEY
# (the keyed hash that finds duplicates) unchanged.
IDENTITY_KEY = env_str("IDENTITY_KEY", "" if PRODUCTION else SECRET_KEY)
IDENTITY_PREVIOUS_KEYS = env_list("IDENTITY_PREVIOUS_KEYS", [])
IDENTITY_DIGEST_KEY = env_str("IDENTITY_DIGEST_KEY", IDENTITY_KEY)

if PRODUCTION:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production needs its own SECRET_KEY of at least 50 characters.")
    if DEBUG:
        raise ImproperlyConfigured("Production refuses to run with DEBUG on.")
    for required in ("DATABASE_URL", "ALLOWED_HOSTS", "IDENTITY_KEY"):
        if not env_str(required):
            raise ImproperlyConfigured(f"Production needs {required} to be set.")
    if len(IDENTITY_KEY) < 32:
        raise ImproperlyConfigured("IDENTITY_KEY must be at least 32 characters.")

# Addresses of the reverse proxies whose X-Forwarded-For is believed (config/asgi.py);
# none by default, so a forged header cannot change the address rate limits count.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# The admin is a superuser's back office behind the console's second factor
# (apps/accounts/admin_site.py); production leaves it out unless ADMIN_ENABLED.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", default=not PRODUCTION)

INSTALLED_APPS = [
    "apps.accounts.admin_site.VisitlineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "apps.accounts",
    "apps.audit",
    "apps.facilities",
    "apps.policy",
    "apps.people",
    "apps.bookings",
    "apps.notifications",
    "apps.waitlist",
    "apps.allocation",
    "apps.calls",
    "apps.api",
    "apps.worker",
    "apps.demo",
    "apps.public",
    "apps.portal",
    "apps.console",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_htmx",
    "ninja",  # its API docs page, served from its own static files (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages travel compressed to weak phones. Django's GZipMiddleware pads each
    # response with random bytes against BREACH, and CSRF tokens are masked.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A paired video terminal's session reaches /terminal/ only.
    "apps.calls.middleware.TerminalConfinementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.console.context.console_links",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'visitline.sqlite3'}")
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE takes the write lock when a transaction begins, so two
        # bookings never both read "one seat left" (SQLite has no row locks).
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
        config["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME", "") or None}
    pool_size = env_int("DB_POOL_MAX_SIZE", 0)
    if pool_size and config["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI each request runs in a thread of its own, so a persistent
        # connection is never reused: Django would open one per request, and
        # a rush would pass PostgreSQL's max_connections. A pool per process
        # bounds and reuses them (it replaces DB_CONN_MAX_AGE).
        if config["CONN_MAX_AGE"]:
            raise ImproperlyConfigured("Set DB_POOL_MAX_SIZE or DB_CONN_MAX_AGE, not both.")
        config["OPTIONS"] = {
            "pool": {
                "min_size": min(2, pool_size),
                "max_size": pool_size,
                "timeout": env_int("DB_POOL_TIMEOUT", 10),
            }
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Signaling for video visits: Channels groups. One process needs nothing more;
# several processes share Redis (REDIS_URL), so a family on one process and a
# terminal on another are in one call.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "visitline")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("ug", _("Uyghur")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from exc

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Video-visit recordings, behind Django's storage interface: a local
    # folder by default, an object store by changing this one entry.
    "recordings": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("RECORDINGS_ROOT", str(DATA_DIR / "recordings"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# SMS: the file backend writes the demo's messages to data/sms.jsonl; a real
# provider is one dotted path away (a class with a ``send(Sms)`` method).
SMS_BACKEND = env_str("SMS_BACKEND", "lib.sms.FileBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(DATA_DIR / "sms.jsonl"))

# Background work: Django's tasks API (the django-tasks backport) on the
# database backend; `manage.py db_worker` runs it. The scheduler task re-queues
# itself every SCHEDULER_INTERVAL_SECONDS.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
SCHEDULER_INTERVAL_SECONDS = env_int("SCHEDULER_INTERVAL_SECONDS", 60)

# E-mail to families who gave an address; the demo prints them.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "visits@visitline.invalid")

# Outbox delivery: attempts before giving up, the first retry delay (doubled
# each time), and how long a sender may hold a message before another may
# take it over through the idempotent path.
MESSAGE_MAX_ATTEMPTS = env_int("MESSAGE_MAX_ATTEMPTS", 5)
MESSAGE_RETRY_BASE_SECONDS = env_int("MESSAGE_RETRY_BASE_SECONDS", 60)
MESSAGE_LEASE_SECONDS = env_int("MESSAGE_LEASE_SECONDS", 120)
# Reminders: hours before a visit; a contact request unanswered this many days
# is declined with a reason the family sees; a waitlist offer is held this long.
REMINDER_DAY_BEFORE_HOURS = env_int("REMINDER_DAY_BEFORE_HOURS", 24)
REMINDER_SOON_MINUTES = env_int("REMINDER_SOON_MINUTES", 60)
CONTACT_REQUEST_DEADLINE_DAYS = env_int("CONTACT_REQUEST_DEADLINE_DAYS", 14)
WAITLIST_HOLD_MINUTES = env_int("WAITLIST_HOLD_MINUTES", 120)
# Public base of links in messages (the join link of a video visit).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Video visits (docs/video.md). The media backend is a dotted path to a class
# with join_config/on_end, so an SFU can replace the peer-to-peer default.
VIDEO_MEDIA_BACKEND = env_str("VIDEO_MEDIA_BACKEND", "apps.calls.media.PeerToPeerBackend")
# ICE: STUN/TURN URLs given to the browsers. With a secret (coturn's
# static-auth-secret, use-auth-secret) each join gets TURN credentials valid
# VIDEO_TURN_TTL_SECONDS; "relay" forces every call through TURN.
VIDEO_STUN_URLS = env_list("VIDEO_STUN_URLS", [])
VIDEO_TURN_URLS = env_list("VIDEO_TURN_URLS", [])
VIDEO_TURN_SECRET = env_str("VIDEO_TURN_SECRET")
VIDEO_TURN_TTL_SECONDS = env_int("VIDEO_TURN_TTL_SECONDS", 3600)
VIDEO_ICE_TRANSPORT_POLICY = env_str("VIDEO_ICE_TRANSPORT_POLICY", "all")
if VIDEO_ICE_TRANSPORT_POLICY not in {"all", "relay"}:
    raise ImproperlyConfigured("VIDEO_ICE_TRANSPORT_POLICY must be all or relay")
# An extension never runs into the terminal's next visit closer than this.
CALL_CHANGEOVER_MINUTES = env_int("CALL_CHANGEOVER_MINUTES", 5)
# A paired terminal stays signed in this long; a pairing code is good this long.
TERMINAL_SESSION_DAYS = env_int("TERMINAL_SESSION_DAYS", 90)
TERMINAL_PAIRING_CODE_MINUTES = env_int("TERMINAL_PAIRING_CODE_MINUTES", 15)
# One uploaded recording chunk at most (the terminal sends a few seconds each).
RECORDING_CHUNK_MAX_BYTES = env_int("RECORDING_CHUNK_MAX_BYTES", 8 * 1024 * 1024)

# Sign-in and lookup limits, "count/period" as django-ratelimit reads them.
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")

# The integration API (docs/api.md): requests per token, and the largest JSON body.
API_TOKEN_RATE = env_str("API_TOKEN_RATE", "6000/m")
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)

LOGIN_URL = "portal:sign_in"
OTP_TOTP_ISSUER = "Visitline"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# TOTP secrets are shown once, at enrolment in the console, never again in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
