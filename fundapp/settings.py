"""Settings for fundapp, read from the environment (see .env.example).

Defaults suit a developer's machine: DEBUG on, an SQLite file, eager Celery. Outside DEBUG a
SECRET_KEY must be given and the security headers and cookies are on, so that
``python manage.py check --deploy`` is clean with production values.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file beside manage.py fills in what the real environment does not set.
load_dotenv(BASE_DIR / ".env", override=False)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(copy .env.example, or set DEBUG=1 on a developer machine)."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "djmoney",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "axes",
    "django_prometheus",
    "ledger",
    "approvals",
    "disbursement",
    "fundapp",
]

MIDDLEWARE = [
    # First and last: request latency and counts for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "common.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password someone else set is changed before any other page answers (fundapp.passwords).
    "fundapp.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "fundapp.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page (429).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# django-axes first: a locked-out (username, address) is refused before the password is checked,
# so the right password after too many wrong ones does not log in during the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "fundapp.urls"

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
                "fundapp.context_processors.perms",
                "fundapp.context_processors.roles",
                "fundapp.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "fundapp.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# Persistent connections (issue 17, point 7): CONN_MAX_AGE seconds a worker keeps its database
# connection (0: a new one per request, the default; 60 or more under gunicorn, with
# CONN_HEALTH_CHECKS so a connection the server dropped is replaced, not failed on). Pooling
# beyond that: PgBouncer in transaction mode or psycopg's pool (docs/deploy.md).
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "0"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_MAX_AGE > 0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # BEGIN IMMEDIATE: a posting takes the write lock up front, so two writers queue
            # instead of one failing with "database is locked" when it upgrades its lock.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache every throttle, look-up limit and login lockout counts in. Shared by every worker
# process and host when CACHE_URL (or REDIS_URL) names a Redis (Django's own Redis backend):
# without it each process counts alone in its memory, and limits multiply with the workers.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "fundapp"),
        }
    }
    # Sessions read from the shared cache, written through to the database (issue 17, point 2):
    # a restart of Redis signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL in ("", "locmem://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fundapp",
        }
    }
else:
    raise ImproperlyConfigured(
        "CACHE_URL (or REDIS_URL) must be redis://, rediss://, unix:// or locmem:// "
        f"(got {CACHE_URL.split(':', 1)[0]}://...)."
    )

# The client's address (common.clientip): REMOTE_ADDR, unless it is one of these proxies
# (addresses or networks, comma-separated); only then is X-Forwarded-For read, right to left,
# and the first address that is not a trusted proxy is the client's. Empty: the header is ignored
# (a client could write anything in it).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# The public pages' limits (common.throttle.public_try), in the shared cache: each public form
# (objection, confirmation objection, objection look-up, case look-up, receipt check) on its own
# count, PUBLIC_LOOKUP_LIMIT times per client address per PUBLIC_LOOKUP_WINDOW_MINUTES —
# generous, since a township office PC or a carrier's NAT is one address for many people —;
# the look-ups of a number (case, receipt) also PUBLIC_LOOKUP_PER_CASE_LIMIT times per
# (address, number) per PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES: that is what stops guessing.
PUBLIC_LOOKUP_LIMIT = int(os.environ.get("PUBLIC_LOOKUP_LIMIT", "60"))
PUBLIC_LOOKUP_WINDOW_MINUTES = int(os.environ.get("PUBLIC_LOOKUP_WINDOW_MINUTES", "10"))
PUBLIC_LOOKUP_PER_CASE_LIMIT = int(os.environ.get("PUBLIC_LOOKUP_PER_CASE_LIMIT", "5"))
PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES = int(
    os.environ.get("PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES", "60")
)
# Objections one client address, and one phone/contact, may file against one notice (all its
# lines; approvals.services.objection_file). Held in the database for the notice's whole period.
OBJECTION_CAP_PER_ADDRESS = int(os.environ.get("OBJECTION_CAP_PER_ADDRESS", "3"))
OBJECTION_CAP_PER_CONTACT = int(os.environ.get("OBJECTION_CAP_PER_CONTACT", "3"))

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user name from
# one address, that pair is refused for LOGIN_COOLOFF_MINUTES, right password or not, on the
# login page and the admin's. Counted in the shared cache (Redis) when there is one, else in the
# database (axes' AccessAttempt table, also shared by every worker; never in one process's
# memory). `manage.py axes_reset_username <name>` (or axes_reset_ip) lifts it early (with Redis,
# fundapp.lockout remembers which pairs to reset);
# with the database handler the admin's "Access attempts" page can delete an attempt too.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = (
    "fundapp.lockout.SharedCacheHandler"
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A wrong try during the lockout does not start the cool-off again (an attacker cannot keep a
# user out for ever by trying once every few minutes).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "common.clientip.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "fundapp.views.locked_out"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside DEBUG whitenoise serves hashed, compressed copies named by a manifest that
# ``collectstatic`` writes (``make install`` runs it with STATIC_MANIFEST=1, so a DEBUG-off server
# finds the manifest). DEBUG and the tests use the plain storage: no collectstatic needed.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Money: django-money, CNY by default; the ledger keeps 2 decimal places.
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "CNY")
CURRENCIES = tuple(env_list("CURRENCIES", f"{DEFAULT_CURRENCY},USD,HKD"))
if DEFAULT_CURRENCY not in CURRENCIES:
    CURRENCIES = (DEFAULT_CURRENCY, *CURRENCIES)
CURRENCY_DECIMAL_PLACES = 2

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "common.throttle.LockoutTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # Counted in the shared cache per user (signed in) or per client address (common.clientip).
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttle.ApiAnonThrottle",
        "common.throttle.ApiUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "60/min"),
        "user": os.environ.get("API_USER_RATE", "1200/min"),
    },
}
# Wrong API tokens from one client address before its requests are refused for
# API_TOKEN_COOLOFF_MINUTES (common.throttle.LockoutTokenAuthentication).
API_TOKEN_FAILURE_LIMIT = int(os.environ.get("API_TOKEN_FAILURE_LIMIT", "20"))
API_TOKEN_COOLOFF_MINUTES = int(os.environ.get("API_TOKEN_COOLOFF_MINUTES", "15"))
SPECTACULAR_SETTINGS = {
    "TITLE": "fundapp API",
    "DESCRIPTION": "Relief-fund ledger: accounts, funds, journal entries, balances, statements.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in users (session or token), not the public.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI and ReDoc from our own static files, never from a CDN, and
    # Swagger's online validator badge (a request to an outside host) is off.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Every operation may answer 429 (common.throttle): documented once, for all of them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.document_throttling",
    ],
    # One schema name per choice set, however many fields use it (side, normal_side...).
    "ENUM_NAME_OVERRIDES": {
        "SideEnum": "ledger.models.Side",
        "AccountTypeEnum": "ledger.models.AccountType",
        "PledgeKindEnum": "ledger.collection.models.PledgeKind",
        "EntryRequestStatusEnum": "ledger.models.RequestStatus",
        "EntryRequestKindEnum": "ledger.models.RequestKind",
        "PeriodStatusEnum": "ledger.models.PeriodStatus",
    },
}

# Uploads (issue 13): the limits of each kind (common.uploads.DEFAULT_LIMITS holds every one;
# these override it), checked before and while a file is read; any request body larger than
# UPLOAD_MAX_REQUEST_BYTES is refused unread (413, common.middleware).
_MB = 1024 * 1024
UPLOAD_LIMITS = {
    "document": {"bytes": int(os.environ.get("UPLOAD_DOCUMENT_MAX_BYTES", 10 * _MB))},
    "import": {
        "bytes": int(os.environ.get("IMPORT_MAX_BYTES", 5 * _MB)),
        "rows": int(os.environ.get("IMPORT_MAX_ROWS", "5000")),
    },
    "bank_result": {
        "bytes": int(os.environ.get("BANK_RESULT_MAX_BYTES", 50 * _MB)),
        "rows": int(os.environ.get("BANK_RESULT_MAX_ROWS", "200000")),
    },
}
UPLOAD_MAX_REQUEST_BYTES = int(os.environ.get("UPLOAD_MAX_REQUEST_BYTES", 60 * _MB))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440  # form fields (Django's default, stated)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440  # larger files go to a temporary file while checked

# The fund's own facts and secrets.
# Who issues receipts and letters (printed as the payee).
# The fund office's signing key and certificate (PEM files) for every PDF it issues
# (common.pdfsign; `manage.py make_signing_cert` makes a self-signed pair). Empty: unsigned PDFs,
# and check --deploy warns (fundapp.W010).
PDF_SIGNING_KEY_FILE = os.environ.get("PDF_SIGNING_KEY_FILE", "")
PDF_SIGNING_CERT_FILE = os.environ.get("PDF_SIGNING_CERT_FILE", "")
PDF_SIGNING_KEY_PASSPHRASE = os.environ.get("PDF_SIGNING_KEY_PASSPHRASE", "")
FUND_ORGANISATION_NAME = os.environ.get(
    "FUND_ORGANISATION_NAME", "县人口与计划生育救助公益金管理委员会"
)
# The address printed in receipts' QR codes and short verification addresses (/r/<code>), where
# the public reaches this site. Unset (a developer's machine): the address of the request being
# served (common/publicurl.py); `make demo` sets it from DEMO_ADDR.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
# Key of the receipts' check codes (defaults to SECRET_KEY; set it so rotating SECRET_KEY does
# not invalidate printed receipts).
RECEIPT_CHECK_KEY = os.environ.get("RECEIPT_CHECK_KEY", "")
# Fernet key for ID and bank numbers at rest (python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"). Required outside DEBUG; back it up: without it the
# stored numbers cannot be read.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
# Rotation (approvals.crypto, docs/operations.md "Keys"): the keys used before, still read until
# `manage.py rotate_field_key` has re-encrypted everything; and the key of the look-up hashes,
# pinned to the first FIELD_ENCRYPTION_KEY before it is ever changed.
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS", "")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
# The ledger's hash chain key (ledger.chainkeys): entry hashes are HMAC-SHA256 under it, so a
# database writer cannot recompute them. Required outside DEBUG (check --deploy: fundapp.E002);
# DEBUG derives one from SECRET_KEY. Rotating: the old key goes into LEDGER_CHAIN_OLD_KEYS
# (comma-separated; verification needs every key of the chain), then `manage.py rotate_chain_key`.
LEDGER_CHAIN_KEY = os.environ.get("LEDGER_CHAIN_KEY", "")
LEDGER_CHAIN_OLD_KEYS = env_list("LEDGER_CHAIN_OLD_KEYS", "")
# Where the chain head is written outside the database (ledger.checkpoints): append-only JSON
# lines. Empty: no checkpoints (check --deploy warns: fundapp.W003).
LEDGER_CHECKPOINT_DIR = os.environ.get("LEDGER_CHECKPOINT_DIR", "")
# Seconds between two checkpoints written by `celery -A fundapp beat` (task ledger.checkpoint).
LEDGER_CHECKPOINT_EVERY = int(os.environ.get("LEDGER_CHECKPOINT_EVERY", "300"))
# Also write a checkpoint after every posting commits (costs a file append and fsync each).
LEDGER_CHECKPOINT_ON_COMMIT = env_bool("LEDGER_CHECKPOINT_ON_COMMIT", False)
# Where `manage.py backup` writes its dumps and manifests.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "var" / "backups"))
# Awards unpaid this many days after they became final are flagged as late.
PAYOUT_LATE_DAYS = int(os.environ.get("PAYOUT_LATE_DAYS", "30"))
# The post-payment sample check of a paid batch: max(MIN, PERCENT % of its paid payments).
PAYOUT_SAMPLE_MIN = int(os.environ.get("PAYOUT_SAMPLE_MIN", "5"))
PAYOUT_SAMPLE_PERCENT = float(os.environ.get("PAYOUT_SAMPLE_PERCENT", "5"))
# Where exported bank files are kept (never served over the web).
PAYOUT_EXPORT_DIR = Path(os.environ.get("PAYOUT_EXPORT_DIR", BASE_DIR / "var" / "bankfiles"))

# Celery: Redis when CELERY_BROKER_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it ends, not when it starts, and handed back to the broker when
# its worker process dies: a worker killed mid-job loses no job (every job task is safe to run
# again: disbursement/tasks.py). One task at a time per worker process, so a dying worker holds
# back no other message.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis gives an unacknowledged message to another worker after this many seconds (a worker
# killed whole cannot hand it back). A job running longer is not run twice (its heartbeat is
# fresh: the second delivery waits), but keep it above the usual length of a job.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose visibility timeout passed (kombu's default
    # is 100 s after a 10 s throttle: too slow for a short timeout).
    "unacked_restore_interval": max(1, min(60, BROKER_VISIBILITY_TIMEOUT // 3)),
    "unacked_restore_throttle": 1,
}
# Long jobs' heartbeat: the progress reporter writes it at most every JOB_HEARTBEAT_INTERVAL
# seconds; a running job silent for JOB_HEARTBEAT_TIMEOUT seconds is marked interrupted by the
# reaper (manage.py reap_jobs, the beat entry below every JOB_REAP_INTERVAL seconds, and each
# worker as it starts). The timeout must exceed the longest stretch a job works without
# reporting (one chunk of a result import: seconds).
JOB_HEARTBEAT_INTERVAL = float(os.environ.get("JOB_HEARTBEAT_INTERVAL", "2"))
JOB_HEARTBEAT_TIMEOUT = float(os.environ.get("JOB_HEARTBEAT_TIMEOUT", "300"))
JOB_REAP_INTERVAL = float(os.environ.get("JOB_REAP_INTERVAL", "60"))
# Scheduled jobs (fundapp/scheduler.py): ended notices closed every SCHEDULE_CLOSE_NOTICES_MINUTES
# (a notice ends at midnight: the first run after it makes its cases final), the overdue reminder
# once a day, the reaper, the checkpoint. `celery -A fundapp beat` sends them with a broker;
# without one `manage.py run_scheduler` (started by `make demo`) runs the same table in-process.
# Each entry goes through fundapp.scheduled_job, which runs a slot once whoever sends it.
SCHEDULE_CLOSE_NOTICES_MINUTES = float(os.environ.get("SCHEDULE_CLOSE_NOTICES_MINUTES", "60"))
SCHEDULE_REMINDERS_MINUTES = float(os.environ.get("SCHEDULE_REMINDERS_MINUTES", "1440"))


def _scheduled(name: str, seconds: float) -> dict:
    return {"task": "fundapp.scheduled_job", "args": (name,), "schedule": float(seconds)}


CELERY_BEAT_SCHEDULE = {
    "reap-jobs": _scheduled("reap-jobs", JOB_REAP_INTERVAL),
    "close-notices": _scheduled("close-notices", SCHEDULE_CLOSE_NOTICES_MINUTES * 60),
    "overdue-reminders": _scheduled("overdue-reminders", SCHEDULE_REMINDERS_MINUTES * 60),
}
if LEDGER_CHECKPOINT_DIR:
    # The chain head written outside the database every LEDGER_CHECKPOINT_EVERY seconds.
    CELERY_BEAT_SCHEDULE["ledger-checkpoint"] = _scheduled(
        "ledger-checkpoint", LEDGER_CHECKPOINT_EVERY
    )
# The whole ledger verified once a day (job verify-ledger: ledger.verification, its outcome kept
# as an audit event, shown on the home page of those who keep the books and in /healthz, which
# calls a verification older than LEDGER_VERIFY_MAX_AGE_HOURS stale).
LEDGER_VERIFY_MAX_AGE_HOURS = int(os.environ.get("LEDGER_VERIFY_MAX_AGE_HOURS", "36"))
CELERY_BEAT_SCHEDULE["verify-ledger"] = _scheduled("verify-ledger", 24 * 3600)
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# Security: on by default outside DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions end after SESSION_IDLE_MINUTES without a request (each request renews the cookie), and
# when the browser closes.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Content-Security-Policy (django-csp): every script, style, font and image comes from our own
# static files (vendored, no CDN; no inline script or style on any page), nothing frames us.
# ``data:`` images and fonts: Swagger UI's and the admin's icons are data URIs in their CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REFERRER_POLICY = "same-origin"

# Logs on standard error, one JSON object per line outside DEBUG (LOG_FORMAT=json|text), each
# with the request id of the request that wrote it (common.requestid; "-" outside requests).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# A service that writes at least this many rows at once (an import, a batch, a cycle) refreshes
# the planner's statistics of the tables it filled after it commits (common.dbstats).
ANALYZE_AFTER_ROWS = int(os.environ.get("ANALYZE_AFTER_ROWS", "1000"))

# /metrics (Prometheus text format) answers only these client addresses (common.clientip, so
# behind TRUSTED_PROXIES the real client) or a request with "Authorization: Bearer
# <METRICS_TOKEN>"; anyone else gets 404. Empty METRICS_ALLOWED_IPS and METRICS_TOKEN: off.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
