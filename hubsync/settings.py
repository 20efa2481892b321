"""hubsync settings: one django-environ ``env``; defaults run on a bare machine.

Every value comes from the environment (or a ``.env`` file beside manage.py).
The defaults use SQLite and kombu's filesystem broker under ``var/`` so that
``make run`` works without any server; production sets DATABASE_URL,
REDIS_URL, SECRET_KEY and HUBSYNC_ENCRYPTION_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
# A development default exists only with DEBUG on; production must set it.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-secret-key-change-me-0123456789")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "marketing",
    "connector",
    "settings_ui",
    "operations",  # /healthz, /readyz, /metrics, process heartbeats
    "axes",  # login rate limiting (see AXES_* below)
    "csp",  # Content-Security-Policy header (see CONTENT_SECURITY_POLICY below)
]

MIDDLEWARE = [
    # Refuses a body over MAX_REQUEST_BODY_BYTES before anything reads it (413).
    "hubsync.middleware.RequestBodyLimitMiddleware",
    # /healthz, /readyz and /metrics answered before host validation, the HTTPS redirect,
    # sessions, CSRF and the login rate limit (probes come by IP over plain http).
    "operations.middleware.OperationsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Serves the project's own static files (Bootstrap included) without a CDN or nginx.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every response to a logged-in user (pages, exports).
    "hubsync.middleware.PrivateCacheControlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who changed the integration settings (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# One hubsync installation = one Site; the integration settings hang off it.
SITE_ID = env.int("SITE_ID", default=1)

ROOT_URLCONF = "hubsync.urls"
WSGI_APPLICATION = "hubsync.wsgi.application"

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

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hubsync.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Celery workers and the web server write concurrently: wait for the lock
    # instead of failing with "database is locked". In WAL mode, synchronous=NORMAL syncs
    # at checkpoints instead of every commit: no corruption, only the last commits can be
    # lost to a power cut (https://www.sqlite.org/pragma.html#pragma_synchronous).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory: tests that start a real Celery worker share the test database.
    # One per test process, so that two test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-hubsync-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Request bodies: at most MAX_REQUEST_BODY_BYTES in all (hubsync.middleware, and the
# production server's own limit in hubsync/serve.py); form fields at most Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE, files (the JWT private key) are bounded by their form.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = min(2_621_440, MAX_REQUEST_BODY_BYTES)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000

# Content-Security-Policy (django-csp): scripts, styles, images, fonts and fetches from
# hubsync itself only — no inline script, no event-handler or style attributes, no
# framing, forms post only here and to Salesforce's login. https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # django-simple-history's admin history page has one style attribute
        # (``border-top: 0``): its hash, and no other inline style, is allowed.
        "style-src": [
            "'self'",
            "'unsafe-hashes'",
            "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # "Connect with Salesforce" posts here and is redirected to the org's login host
        # (login./test.salesforce.com, a My Domain); the emulator's origin is added on the
        # settings pages when SALESFORCE_EMULATOR_URL is set (settings_ui/views/base.py).
        "form-action": ["'self'", "https://*.salesforce.com"],
        "frame-ancestors": ["'none'"],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "settings_ui:integrations"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Fernet key(s) that encrypt the stored Salesforce password and security token.
# https://cryptography.io/en/latest/fernet/ — generate with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
# Several comma-separated keys allow rotation (the first encrypts, all decrypt).
# Only with DEBUG on is a key derived from SECRET_KEY as a development default.
HUBSYNC_ENCRYPTION_KEYS = env.list("HUBSYNC_ENCRYPTION_KEY", default=[])
if DEBUG and not HUBSYNC_ENCRYPTION_KEYS:
    HUBSYNC_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"hubsync:{SECRET_KEY}".encode()).digest()).decode()
    ]

# Point the connector at the local Salesforce emulator instead of salesforce.com
# (emulator/README.md; it needs the demo extra). Unset: the real Salesforce.
SALESFORCE_EMULATOR_URL = env("SALESFORCE_EMULATOR_URL", default=None)
# Credentials and tokens go only to login.salesforce.com, test.salesforce.com, a My Domain
# (*.my.salesforce.com) and the instance Salesforce returns (connector/salesforce_hosts.py).
# Special cases (another Salesforce cloud, e.g. ".my.salesforce.mil"): list them here,
# comma-separated; ".suffix" admits its subdomains.
SALESFORCE_ALLOWED_HOSTS = env.list("SALESFORCE_ALLOWED_HOSTS", default=[])

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Default broker is kombu's filesystem transport, which needs no server.
REDIS_URL = env("REDIS_URL", default=None)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Remote control (e.g. purge) keeps its files here too, not in the working directory.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("out", "processed", "control"):
        (VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
# The queue sync jobs are sent to and workers read (celery's default name): two
# deployments sharing one broker give each its own; every test process has its own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Minutes between incremental sync cycles started by celery beat.
SALESFORCE_SYNC_INTERVAL_MINUTES = env.int("SALESFORCE_SYNC_INTERVAL_MINUTES", default=5)
# Change Data Capture (connector/listener.py, `manage.py salesforce_listen`): the Pub/Sub
# API's address (grpcs:// TLS, grpc:// plain for the emulator), and the safety-net poll
# while change events flow (beat's cycles in between are skipped).
SALESFORCE_PUBSUB_URL = env(
    "SALESFORCE_PUBSUB_URL", default="grpcs://api.pubsub.salesforce.com:7443"
)
SALESFORCE_EVENTS_POLL_MINUTES = env.int("SALESFORCE_EVENTS_POLL_MINUTES", default=60)
# A worker's claim on due contacts older than this is taken to be a dead worker's and
# claimed again (connector/sync/queue.py); tests that kill workers make it short.
SALESFORCE_CLAIM_TTL_SECONDS = env.int("SALESFORCE_CLAIM_TTL_SECONDS", default=30 * 60)
# When one cycle would delete more than this share of all hubsync contacts (Salesforce
# deletes, with "delete in hubsync" ticked), the deletes are held for an admin to approve;
# fewer deletes than SALESFORCE_MASS_DELETE_MIN in a cycle are never a mass delete (a
# small database would otherwise hold every single delete).
SALESFORCE_MASS_DELETE_SHARE = env.float("SALESFORCE_MASS_DELETE_SHARE", default=0.10)
SALESFORCE_MASS_DELETE_MIN = env.int("SALESFORCE_MASS_DELETE_MIN", default=10)
# A first load reads objects with at least this many records with Bulk API 2.0 query
# (connector/sync/pull/first_load.py).
SALESFORCE_BULK_QUERY_MIN = env.int("SALESFORCE_BULK_QUERY_MIN", default=10_000)
# A backfill of more than one claimed batch pushes this many batches at once (threads, each
# with its own database connection): one waits for Salesforce while another works.
SALESFORCE_PUSH_PARALLELISM = env.int("SALESFORCE_PUSH_PARALLELISM", default=2)
# Failed record writes that waiting can heal back off 1, 2, 4 … times this many seconds
# (connector/sync/failures.py); tests make it short.
SALESFORCE_RETRY_BACKOFF_SECONDS = env.int("SALESFORCE_RETRY_BACKOFF_SECONDS", default=60)
# Beat looks this often whether a retry shown on the page ("retries at …") has come due and
# starts a cycle for it (a database query, no API call, while nothing is due).
SALESFORCE_RETRY_CHECK_SECONDS = env.int("SALESFORCE_RETRY_CHECK_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "salesforce-retries-due": {
        "task": "connector.tasks.salesforce_retries_due",
        "schedule": float(SALESFORCE_RETRY_CHECK_SECONDS),
    },
    "salesforce-incremental-sync": {
        "task": "connector.tasks.salesforce_sync",
        "schedule": SALESFORCE_SYNC_INTERVAL_MINUTES * 60.0,
        "kwargs": {"trigger": "schedule"},
    },
    # Parked records (10 failed attempts) get another chance at night.
    "salesforce-nightly-retry": {
        "task": "connector.tasks.salesforce_retry_parked",
        "schedule": crontab(hour=3, minute=0),
    },
}

# Logs go to stderr at LOG_LEVEL. LOG_FORMAT=json writes one JSON object per line
# (python-json-logger: time, level, logger, message, and run_id on the lines a sync cycle
# writes) for log collectors; the default is one plain line.
# https://nhairs.github.io/python-json-logger/latest/
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"run_id": {"()": "connector.log_context.RunIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["run_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes announces itself at INFO whenever Django starts: every management command
    # printed it. Its lockout and failure lines are WARNING and still reach the logs.
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
# Celery workers log through the configuration above when the format is JSON (Celery's own
# plain format otherwise).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# Password guessing: django-axes counts failed logins per username + IP address (and per
# username across addresses) in the database; the 6th attempt within the cool-off is
# refused (even with the right password) and shows templates/axes/lockout.html. https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# hubsync/lockout.py: also AXES_USERNAME_FAILURE_LIMIT failures of one username from any
# number of addresses lock it (an admin unlocks: manage.py axes_reset_username USERNAME).
AXES_HANDLER = "hubsync.lockout.UsernameAcrossAddressesHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# The client's address: REMOTE_ADDR, unless AXES_IPWARE_PROXY_COUNT trusted proxies put it
# in X-Forwarded-For (trusting that header without a proxy would let a guesser pick any IP).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# The production server (``python -m hubsync.serve``, waitress): the reverse proxy that
# terminates TLS, whose X-Forwarded-Proto/-For/-Host/-Port it believes ("*": any
# peer; empty: none), and how many proxies are chained in front of hubsync.
TRUSTED_PROXY = env("TRUSTED_PROXY", default="127.0.0.1")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
WEB_THREADS = env.int("WEB_THREADS", default=8)
# Slow clients (hubsync/serve.py): at most this many open connections (at the limit the one
# waiting longest without being served is closed to make room), seconds to read one request
# (headers and body, however steadily it trickles in), seconds an idle connection stays open.
# https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html
WEB_CONNECTION_LIMIT = env.int("WEB_CONNECTION_LIMIT", default=100)
WEB_REQUEST_READ_TIMEOUT = env.int("WEB_REQUEST_READ_TIMEOUT", default=60)
WEB_CHANNEL_TIMEOUT = env.int("WEB_CHANNEL_TIMEOUT", default=60)
WEB_LISTEN = env("WEB_LISTEN", default="0.0.0.0:8000")

# Prometheus metrics at /metrics, only for "Authorization: Bearer <METRICS_TOKEN>";
# unset: /metrics answers 404. https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Worker, beat and listener processes write a heartbeat this often (operations/heartbeat.py;
# `manage.py salesforce_health`).
HEARTBEAT_SECONDS = env.float("HEARTBEAT_SECONDS", default=30.0)

if not DEBUG:
    # https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
    # waitress sets wsgi.url_scheme from a trusted proxy's X-Forwarded-Proto (and drops
    # the header from any other peer); behind another server the header itself says https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and scrapers speak plain http to the container (operations.middleware answers
    # them before SecurityMiddleware; this keeps them unredirected should the order change).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
