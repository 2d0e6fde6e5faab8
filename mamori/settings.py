"""All settings, read from environment variables (the table is in README.md).

Nothing else in mamori reads the environment: other modules read django.conf.settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mamori.core.files import DIRECTORY_MODE, FILE_MODE, secure_process
from mamori.core.logcontext import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("MAMORI_DATA_DIR", BASE_DIR / "var")).resolve()
# Everything mamori writes is private to its user (mamori.core.files): umask 077 for the process,
# the data directory 0700, files an older version left readable tightened to 0600.
secure_process(DATA_DIR, extra_files=[os.environ.get("MAMORI_SQLITE_PATH", "")])


def _secret_key() -> str:
    """MAMORI_SECRET_KEY, or a random key kept in the data directory (created on first use)."""
    configured = os.environ.get("MAMORI_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


SECRET_KEY = _secret_key()
# Old keys still accepted for reading during a key rotation (see `mamori rotate-keys`).
SECRET_KEY_FALLBACKS = env_list("MAMORI_SECRET_KEY_FALLBACKS")
# The install's id and key (mamori.core.install): keys the audit chain and signs backups.
INSTALL_KEY_FILE = Path(
    os.environ.get("MAMORI_INSTALL_KEY_FILE", "") or DATA_DIR / "install_key"
).resolve()
# Append-only record of the audit trail's head (mamori.audit.head), outside the database.
AUDIT_HEAD_FILE = Path(
    os.environ.get("MAMORI_AUDIT_HEAD_FILE", "") or DATA_DIR / "audit-head.log"
).resolve()
DEBUG = env_bool("MAMORI_DEBUG")
BASE_URL = os.environ.get("MAMORI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("MAMORI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("MAMORI_CSRF_TRUSTED_ORIGINS", BASE_URL)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # its templates and static Swagger UI: /api/docs without a CDN (CSP allows 'self')
    "mamori.core",
    "mamori.audit",
    "mamori.orgs",
    "mamori.accounts",
    "mamori.findings",
    "mamori.inventory",
    "mamori.mailcheck",
    "mamori.intel",
    "mamori.monitoring",
    "mamori.notify",
    "mamori.assessments",
    "mamori.incidents",
    "mamori.payees",
    "mamori.continuity",
    "mamori.routines",
    "mamori.privacy",
    "mamori.training",
    "mamori.licences",
]

MIDDLEWARE = [
    # Request id, access line and latency histogram (mamori.core.logcontext).
    "mamori.core.logcontext.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mamori.core.middleware.ContentSecurityPolicyMiddleware",
    "mamori.core.middleware.DatabaseOutageMiddleware",
    # Django's, saving a session only when it changed (and once a minute for idle expiry).
    "mamori.core.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mamori.accounts.middleware.SessionGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A damaged SQLite page: one clear 503 page, logged once (mamori.core.dbcheck).
    "mamori.core.dbcheck.DamagedDatabaseMiddleware",
]

ROOT_URLCONF = "mamori.urls"
WSGI_APPLICATION = "mamori.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mamori.orgs.context.current_organization",
            ],
            "builtins": ["mamori.core.templatetags.mamori_tags"],
        },
    }
]

# Database: SQLite by default; PostgreSQL when DATABASE_URL is set.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("MAMORI_SQLITE_PATH", str(DATA_DIR / "mamori.sqlite3")),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
            # A file, not memory, so that worker processes started by tests share it; one per
            # test run, so that two runs on one data directory do not share (and break) it.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    # Django's Argon2, with a bound on concurrent hashes (memory): mamori.accounts.hashers.
    "mamori.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

# Sessions: idle expiry (refreshed while in use), HTTPS-only cookies when served over HTTPS.
HTTPS = env_bool("MAMORI_HTTPS", BASE_URL.startswith("https://"))
SESSION_COOKIE_AGE = env_int("MAMORI_SESSION_IDLE_SECONDS", 60 * 60 * 2)
# Not on every request (a read-only page must not write, e.g. on a full disk): the session
# middleware (mamori.core.middleware.SessionMiddleware) refreshes a session in use once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("MAMORI_BEHIND_PROXY") else None
)
X_FRAME_OPTIONS = "DENY"
SUDO_SECONDS = env_int("MAMORI_SUDO_SECONDS", 15 * 60)

# Login rate limits: failures allowed per window, per account and per IP address.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("MAMORI_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("MAMORI_LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("MAMORI_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Password hashes (Argon2, ~100 MB each at peak) running at once per process, and how long a
# sign-in waits for a free slot before it is asked to try again.
PASSWORD_HASH_CONCURRENCY = env_int("MAMORI_PASSWORD_HASH_CONCURRENCY", 2)
PASSWORD_HASH_WAIT_SECONDS = env_int("MAMORI_PASSWORD_HASH_WAIT_SECONDS", 10)
INVITATION_DAYS = env_int("MAMORI_INVITATION_DAYS", 7)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("MAMORI_TIME_ZONE", "Asia/Tokyo")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("MAMORI_STATIC_ROOT", "") or DATA_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Production (the container image, a packaged install): files collected once with
# `mamori manage collectstatic` into MAMORI_STATIC_ROOT and served with hashed names and
# far-future caching from WhiteNoise's manifest. Development and tests: served from the package
# through the finders, nothing to collect.
STATIC_MANIFEST = env_bool("MAMORI_STATIC_MANIFEST")
if not STATIC_MANIFEST:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Files the app keeps for users (incident and restore-test evidence, imports waiting for
# confirmation). Several web/worker nodes must see the same files: either a shared folder
# (MAMORI_MEDIA_ROOT on NFS etc.) or MAMORI_STORAGE=s3, an S3-compatible bucket (README,
# "Several nodes: shared files"). Default: a local folder in the data directory.
MEDIA_ROOT = Path(os.environ.get("MAMORI_MEDIA_ROOT", "") or DATA_DIR / "files").resolve()
STORAGE_KIND = os.environ.get("MAMORI_STORAGE", "").strip().lower() or "local"
if STORAGE_KIND not in {"local", "s3"}:
    raise ImproperlyConfigured(
        f"MAMORI_STORAGE must be 'local' or 's3', not {STORAGE_KIND!r}"
        f" / MAMORI_STORAGE は local か s3 です"
    )
if STORAGE_KIND == "s3":
    if not os.environ.get("MAMORI_S3_BUCKET", "").strip():
        raise ImproperlyConfigured(
            "MAMORI_STORAGE=s3 needs MAMORI_S3_BUCKET / MAMORI_S3_BUCKET を設定してください"
        )
    default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MAMORI_S3_BUCKET"].strip(),
            "endpoint_url": os.environ.get("MAMORI_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("MAMORI_S3_REGION", "").strip() or None,
            # Empty: boto3's own chain (instance role, AWS_* variables, ~/.aws) is used.
            "access_key": os.environ.get("MAMORI_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": os.environ.get("MAMORI_S3_SECRET_ACCESS_KEY", "").strip() or None,
            "location": os.environ.get("MAMORI_S3_PREFIX", "").strip().strip("/"),
            # Objects stay private (no ACL, no public URL); downloads go through mamori's views.
            "default_acl": None,
            "querystring_auth": True,
            # Two uploads with the same name must never replace each other's evidence.
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
else:
    # Uploaded files are written under a temporary name and linked into place when complete, so
    # a failed write (a full disk) leaves nothing behind (mamori.core.storage).
    default_storage = {"BACKEND": "mamori.core.storage.AtomicFileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = DIRECTORY_MODE
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAMORI_UPLOAD_MAX_BYTES", 30 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Mail: console backend unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("MAMORI_SMTP_HOST", "")
EMAIL_PORT = env_int("MAMORI_SMTP_PORT", 587)
EMAIL_HOST_USER = os.environ.get("MAMORI_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MAMORI_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MAMORI_SMTP_STARTTLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("MAMORI_FROM_EMAIL", "mamori@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Outbound HTTP (mamori.core.http): private, loopback and link-local addresses are refused
# unless listed here (CIDR networks, comma-separated).
OUTBOUND_ALLOW_NETWORKS = env_list("MAMORI_OUTBOUND_ALLOW_NETWORKS")
OUTBOUND_USER_AGENT = f"mamori/0.1 (+{BASE_URL})"
NVD_API_KEY = os.environ.get("MAMORI_NVD_API_KEY", "").strip()  # optional: faster NVD sync

# Inventory rules: thresholds in days.
LINK_SHARE_MAX_DAYS = env_int("MAMORI_LINK_SHARE_MAX_DAYS", 90)
DEVICE_UPDATE_MAX_DAYS = env_int("MAMORI_DEVICE_UPDATE_MAX_DAYS", 60)
ACCOUNT_REVIEW_MAX_DAYS = env_int("MAMORI_ACCOUNT_REVIEW_MAX_DAYS", 365)

# Mail check: days a checked mail's raw bytes are kept (verdict and signals stay), the domain
# of the check addresses (check+<org>@domain), the mamori smtpd listener and the IMAP poll interval.
MAIL_RETENTION_DAYS = env_int("MAMORI_MAIL_RETENTION_DAYS", 30)
MAIL_DOMAIN = os.environ.get("MAMORI_MAIL_DOMAIN", "localhost").strip().lower()
MAIL_SMTPD_HOST = os.environ.get("MAMORI_SMTPD_HOST", "127.0.0.1")
MAIL_SMTPD_PORT = env_int("MAMORI_SMTPD_PORT", 2525)
MAIL_IMAP_POLL_SECONDS = env_int("MAMORI_MAIL_IMAP_POLL_SECONDS", 300)
# Who vouches that a forward comes from the member its From names (mamori.mailcheck.authresults):
# Authentication-Results of these authserv-ids (the report mailbox's server, or the front server
# listed in MAIL_FRONT_RELAYS for smtpd), and the organisations' own mail servers
# ("[org-slug=]CIDR"). Anything else is stored as from an unverified sender.
MAIL_TRUSTED_AUTHSERV_IDS = env_list("MAMORI_MAIL_TRUSTED_AUTHSERV_IDS")
MAIL_FRONT_RELAYS = env_list("MAMORI_MAIL_FRONT_RELAYS")
MAIL_ORG_RELAYS = env_list("MAMORI_MAIL_ORG_RELAYS")
# Amplification caps of the check address: recipients per message, checks per sender per hour.
MAIL_CHECK_MAX_RECIPIENTS = env_int("MAMORI_MAIL_CHECK_MAX_RECIPIENTS", 5)
MAIL_CHECK_MAX_PER_SENDER_HOUR = env_int("MAMORI_MAIL_CHECK_MAX_PER_SENDER_HOUR", 20)

# Background jobs.
JOB_LEASE_SECONDS = env_int("MAMORI_JOB_LEASE_SECONDS", 300)
JOB_POLL_SECONDS = env_int("MAMORI_JOB_POLL_SECONDS", 2)
# A worker serving the urgent queue polls this often (seconds, fractions allowed): a job enqueued
# by another process (a web process, another machine) waits at most this long. A worker in the
# enqueuing process is woken at once instead (mamori.core.jobwake).
JOB_URGENT_POLL_SECONDS = float(os.environ.get("MAMORI_JOB_URGENT_POLL_SECONDS", "").strip() or 0.5)
# On SIGTERM (serve, worker, smtpd): seconds given to requests, jobs and mail in progress.
SHUTDOWN_GRACE_SECONDS = env_int("MAMORI_SHUTDOWN_GRACE_SECONDS", 20)


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (cpusets)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# `mamori serve`: web processes sharing the listening socket (mamori.core.webprocesses). One per
# usable CPU by default (SQLite too: WAL and the busy timeout let them write in turn), at most 8.
WEB_PROCESSES = env_int("MAMORI_WEB_PROCESSES", max(1, min(_usable_cpus(), 8)))

# Finished (done) job rows are deleted after this many days by a daily job; failed ones stay.
JOB_HISTORY_DAYS = env_int("MAMORI_JOB_HISTORY_DAYS", 30)
# /readyz says "degraded" when no worker was seen, or the oldest due job waited, this long.
READY_WORKER_SECONDS = env_int("MAMORI_READY_WORKER_SECONDS", 600)
# Prometheus /metrics answers only with "Authorization: Bearer <this>"; unset: 404.
METRICS_TOKEN = os.environ.get("MAMORI_METRICS_TOKEN", "")

# MAMORI_LOG_FORMAT=json: one JSON object per line (request, job and organisation ids included);
# MAMORI_ACCESS_LOG=true: one line per request (route name, status, duration — never the path).
LOGGING = logging_config(
    os.environ.get("MAMORI_LOG_FORMAT", "plain"), os.environ.get("MAMORI_LOG_LEVEL", "INFO")
)
if os.environ.get("MAMORI_ACCESS_LOG", "").lower() not in {"1", "true", "yes", "on"}:
    LOGGING["loggers"]["mamori.requests"] = {"level": "WARNING"}
