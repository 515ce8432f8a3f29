"""Settings for 三先, read from the environment.

Environment variables:
    DJANGO_SECRET_KEY   required when DJANGO_DEBUG is off
    DJANGO_DEBUG        "1" for development (default "0")
    DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/sanxian; SQLite file by default
    SQLITE_PATH         path of the embedded database (default ./db.sqlite3)
    DJANGO_ALLOWED_HOSTS comma-separated
    SANXIAN_HTTPS       "1" behind HTTPS: SSL redirect, HSTS, secure cookies
    SANXIAN_DATA_KEYS   Fernet keys for identity card and phone numbers (first encrypts)
    SANXIAN_LOOKUP_KEY  key of the digests that look those numbers up
    SANXIAN_PROXIES     number of trusted reverse proxies in front of the app (default 0); when
                        set, the client address comes from X-Forwarded-For and the scheme from
                        X-Forwarded-Proto
    REDIS_URL           optional shared cache (rate-limit counters) for several web processes
    SANXIAN_APPEAL_RATE_RESIDENT / _RESIDENT_IP / _STAFF / _STAFF_IP
                        appeal-filing limits, e.g. "5/10m" (see SANXIAN_APPEAL_RATES)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE

from sanxian import dbconfig

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    # Development and tests only; deployments set DJANGO_SECRET_KEY (see README).
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "sanxian.accounts",
    "sanxian.places",
    "sanxian.grids",
    "sanxian.party",
    "sanxian.workdays",
    "sanxian.meetings",
    "sanxian.issues",
    "sanxian.appeals",
    "sanxian.volunteers",
    "sanxian.activities",
    "sanxian.dashboards",
    "sanxian.audit",
    "sanxian.periodic",
    "sanxian.demo",
    "sanxian.synthetic",
    "sanxian.rosters",
    "sanxian.api",
    "sanxian.notifications",
    "sanxian.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "sanxian.accounts.sessions.SessionMiddleware",
    "sanxian.accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sanxian.audit.middleware.RefusedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanxian.urls"
WSGI_APPLICATION = "sanxian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sanxian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanxian.accounts.context_processors.navigation",
                "sanxian.accounts.care.care_mode",
                "sanxian.rosters.context_processors.rosters",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite (embedded default) runs in WAL mode with IMMEDIATE transactions so that
# concurrent writers queue on the busy timeout instead of failing mid-transaction.
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dbconfig.from_url(DATABASE_URL, pool=env_bool("DATABASE_POOL", False))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # Tests use a real file (WAL, IMMEDIATE transactions, separate connections per
            # thread) rather than a shared in-memory database.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or str(BASE_DIR / ".test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Background work ------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Authentication -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before the password is checked.
    "sanxian.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # At least three of: lowercase, uppercase, digits, symbols (等级保护 password complexity).
    {
        "NAME": "sanxian.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_length": 8, "min_classes": 3},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: each request moves the expiry, so 30 idle minutes sign the user out. Sessions
# are stored with their user, so disabling an account deletes its sessions at once.
SESSION_ENGINE = "sanxian.accounts.sessions"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Sign-in lockout (django-axes): 5 failures for one username, or from one address, lock
# sign-in for 30 minutes; failures while locked do not extend it; a successful sign-in
# clears the count. Staff unlock with `manage.py axes_reset_username NAME` or
# `manage.py axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "sanxian.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "sanxian.accounts.client.client_ip"
# Sign-ins and failures are recorded by the audit log; axes keeps only the failure counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Number of reverse proxies (nginx, a load balancer) in front of the app. With none, the
# client address is the connection's; with N, the N-th address from the right of
# X-Forwarded-For, and X-Forwarded-Proto tells whether the request came over HTTPS.
SANXIAN_PROXIES = int(os.environ.get("SANXIAN_PROXIES", "0") or 0)
if SANXIAN_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Cache and rate limits ------------------------------------------------------------
# Counters of the rate limits live in the cache: per process by default, shared between
# web processes when REDIS_URL is set (needs the redis package).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sanxian"}
    ),
    # Rendered dashboard figures, apart so that they never push rate-limit counters out.
    # Their keys name the data they show, so every process may keep its own.
    "figures": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sanxian-figures",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
RATELIMIT_IP_META_KEY = "sanxian.accounts.client.client_ip_or_unknown"
# Appeal filing (django-ratelimit rates: count/period, e.g. "5/10m").
SANXIAN_APPEAL_RATES = {
    # a resident filing their own appeals: per account, and per address
    "resident": os.environ.get("SANXIAN_APPEAL_RATE_RESIDENT", "5/10m"),
    "resident_ip": os.environ.get("SANXIAN_APPEAL_RATE_RESIDENT_IP", "30/h"),
    # staff filing on behalf of residents without a phone (a door-to-door round)
    "staff": os.environ.get("SANXIAN_APPEAL_RATE_STAFF", "20/10m"),
    "staff_ip": os.environ.get("SANXIAN_APPEAL_RATE_STAFF_IP", "60/h"),
}
# Open311 GeoReport v2 (/open311/v2/): the jurisdiction_id clients may send.
SANXIAN_OPEN311_JURISDICTION = os.environ.get("SANXIAN_OPEN311_JURISDICTION", "sanxian")

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sanxian" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "sanxian_language"
# The choice outlives the browser session (like care mode); signing in restores it anyway.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
FORMAT_MODULE_PATH = ["sanxian.formats"]

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "sanxian" / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Uploaded files (photos of appeals and actions) -------------------------------------
# Served only through views that check the user's scope, never as public static files.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Photos: at most this many bytes each, checked by content (Pillow), not by file name.
SANXIAN_MAX_PHOTO_BYTES = 5 * 1024 * 1024

# --- Roster import (sanxian/rosters) ------------------------------------------------------
# Uploaded rosters are kept here until imported (at most seven days): outside MEDIA_ROOT and
# every URL, readable by the application's user only.
SANXIAN_PRIVATE_ROOT = Path(os.environ.get("SANXIAN_PRIVATE_ROOT", str(BASE_DIR / "private")))
# Largest workbook accepted, and most rows read from one.
SANXIAN_IMPORT_MAX_BYTES = int(os.environ.get("SANXIAN_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
SANXIAN_IMPORT_MAX_ROWS = int(os.environ.get("SANXIAN_IMPORT_MAX_ROWS", "200000"))

# --- Personal data (identity card and phone numbers; see sanxian/personal_data.py) ------
# Fernet keys, comma-separated: the first encrypts, all decrypt (rotate by prepending).
SANXIAN_DATA_KEYS = os.environ.get("SANXIAN_DATA_KEYS", "")
# Key of the HMAC digests that find a number without decrypting it.
SANXIAN_LOOKUP_KEY = os.environ.get("SANXIAN_LOOKUP_KEY", "")
# Days a resident's personal data is kept after they move away (个人信息保护法 retention);
# then the daily job erases it, keeping the record itself.
SANXIAN_DEPARTED_RETENTION_DAYS = int(os.environ.get("SANXIAN_DEPARTED_RETENTION_DAYS", "730"))

# --- E-mail and links in notifications (sanxian/notifications) ---------------------------
# The console backend prints mail in development; a deployment sets EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST… variables.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sanxian@localhost")
# The address people open the product at, for links in e-mails and group-robot posts.
SANXIAN_SITE_URL = os.environ.get("SANXIAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = not DEBUG and env_bool("SANXIAN_HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Content Security Policy: scripts, style sheets, fonts and requests from this site only;
# no inline script, no framing, forms post only here. The one inline style sheet allowed is
# the rule htmx adds for its request indicators (by its hash). Style attributes are allowed
# (they cannot run script): ECharts' tooltips lay themselves out with them.
HTMX_INDICATOR_STYLE_HASH = "'sha256-bsV5JivYxvGywDAZ22EZJKBFip65Ng9xoJVLbBg7bdo='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, HTMX_INDICATOR_STYLE_HASH],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}
# Browser features the product never uses are switched off for every page.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
