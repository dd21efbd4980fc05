"""HeelJournal settings: one module, read from the environment, loud on bad values.

With no environment at all it runs for development (`make run`): SQLite, the database
cache and a file-system Celery broker, so no server is needed. Production sets
DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, SECRET_KEY and DEBUG=0.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of a development checkout (SQLite, broker, mail)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Older keys still accepted for signatures (admin sessions) while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

INSTALLED_APPS = [
    "careteam.apps.HeelJournalAdminConfig",  # Django's admin, its autocomplete audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "tracking",
    "guidance",
    "careteam",
]

MIDDLEWARE = [
    "heeljournal.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "heeljournal.middleware.CommonMiddleware",  # Django's, without redirecting API writes
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- HTTPS, cookies, admin sessions (docs/deploy.md has the production environment) --------
# Behind a proxy that ends TLS and sets X-Forwarded-Proto (replacing any a client sent).
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]  # load balancers probe it over plain HTTP
# Sent on HTTPS answers only, so harmless in development and tests.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)  # a commitment: opt in
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Sessions are the admin's (clinicians read patients' logs there): they end after this long
# without a request, and with the browser; a deployment that forgets the variable still
# signs an idle clinician out.
SESSION_COOKIE_AGE = env.int("ADMIN_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The admin's messages live in its session. Django's default reads a signed cookie first, and
# builds its signer on every request, the API's included: 4% of listing a page (py-spy).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "heeljournal.urls"
WSGI_APPLICATION = "heeljournal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "heeljournal.postgresql"  # Django's, reading times in C
    # An idle connection whose server vanished without a word is found within about a minute
    # (heeljournal/postgresql checks an idle connection's socket before each request).
    keepalives = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
    # Values bound by the server, and a statement run DB_PREPARE_THRESHOLD times on a connection
    # prepared there: PostgreSQL then skips parsing and planning it, half its CPU time for the
    # statement that logs an episode (bench/README.md). 0 turns preparing off, as PgBouncer in
    # transaction mode before 1.22 needs (docs/deploy.md).
    binding = {"server_side_binding": True, "prepare_threshold": env.int("DB_PREPARE_THRESHOLD", default=5) or None}
    DATABASES["default"]["OPTIONS"] = keepalives | binding | DATABASES["default"].get("OPTIONS", {})
else:
    # SQLite ignores the columns an index only includes (the daily series' index); it is the
    # development database, so every command need not say so.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # A transaction that reads, then writes (a journal PUT) failed at once with "database is
    # locked" beside another writer: it now takes the write lock first, and waits for it.
    sqlite = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["OPTIONS"] = sqlite | DATABASES["default"].get("OPTIONS", {})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is shared by every server process: throttles, login counters and cached tokens.
# Redis when REDIS_URL is set, failing open; otherwise the database, which needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
# Redis is on the local network and answers in a millisecond: a call that waits longer than
# this finds it away, and the request goes on without it (heeljournal/cache.py).
REDIS_CONNECT_TIMEOUT_SECONDS = env.float("REDIS_CONNECT_TIMEOUT_SECONDS", default=0.5)
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=0.5)
# After finding Redis away, a process leaves it alone this long before trying again.
CACHE_RETRY_AFTER_SECONDS = env.float("CACHE_RETRY_AFTER_SECONDS", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "heeljournal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
FORMAT_MODULE_PATH = ["heeljournal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG  # a development server serves assets without collectstatic

# Large enough for any record the contract allows (a journal note is 5,000 characters).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["heeljournal.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["heeljournal.parsers.NestingSafeJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "heeljournal.renderers.SingleRendererNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A request-rate cap per signed-in device, counted in Redis as its token is read (a
    # database cache would cost queries per request).
    "DEFAULT_THROTTLE_CLASSES": ["heeljournal.throttling.DeviceRateThrottle"] if REDIS_URL else [],
    "DEFAULT_THROTTLE_RATES": {
        "device": env.str("API_RATE_PER_DEVICE", default=env.str("API_RATE_PER_USER", default="600/min")),
        "register": env.str("REGISTRATIONS_PER_ADDRESS", default="30/hour"),
    },
    "EXCEPTION_HANDLER": "heeljournal.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "HeelJournal API",
    "DESCRIPTION": "A heel-numbness journal that tells people when to see a professional. "
    "It does not diagnose and does not replace a professional.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page works offline: Swagger UI is served from this checkout, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Every error answer goes in the document too (heeljournal/api.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "heeljournal.api.document_error_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SupportLevelEnum": "heeljournal.enums.SupportLevel",
        "FootwearKindEnum": "heeljournal.enums.FootwearKind",
        "ActivityKindEnum": "heeljournal.enums.ActivityKind",
    },
}

# --- Auth ----------------------------------------------------------------------------------
# A token dies after this long without use; each use pushes the end out again.
TOKEN_IDLE_DAYS = env.int("TOKEN_IDLE_DAYS", default=30)
# Signed-in devices per user; signing in on one more signs out the least recently used.
MAX_TOKENS_PER_USER = env.int("MAX_TOKENS_PER_USER", default=10)
# How long a token and its user stay in the shared cache; only with Redis (a database cache
# would cost the query it saves). Revocation drops the cached copy at once.
TOKEN_CACHE_SECONDS = env.int("TOKEN_CACHE_SECONDS", default=300 if REDIS_URL else 0)
# Failed logins allowed in a window, per email and per client address.
LOGIN_FAILURES_PER_EMAIL = env.int("LOGIN_FAILURES_PER_EMAIL", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Number of proxies in front of the app whose X-Forwarded-For may be trusted.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# A clinician's invite code works once, for this many days.
CARE_INVITE_DAYS = env.int("CARE_INVITE_DAYS", default=7)
# DRF reads it for the client address of throttles and login counters; unset, it would take
# X-Forwarded-For as the client sends it, and a forged one a request would dodge every limit.
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

# --- Sync ----------------------------------------------------------------------------------
# Lists newest first; a phone may ask for up to MAX_PAGE_SIZE.
PAGE_SIZE = env.int("PAGE_SIZE", default=50)
MAX_PAGE_SIZE = env.int("MAX_PAGE_SIZE", default=200)
# A start time may lie this far in the future (clock drift between phone and server).
FUTURE_ALLOWANCE_SECONDS = env.int("FUTURE_ALLOWANCE_SECONDS", default=5 * 60)
# ...and may lie no further back than this year.
EARLIEST_START_YEAR = env.int("EARLIEST_START_YEAR", default=1900)

# --- Clinical rules (../shared/clinical-rules.md); every one appears in an escalation's evidence.
PERSISTENT_WINDOW_DAYS = env.int("PERSISTENT_WINDOW_DAYS", default=14)
PERSISTENT_MIN_LOGGED_DAYS = env.int("PERSISTENT_MIN_LOGGED_DAYS", default=10)
WORSENING_WINDOW_DAYS = env.int("WORSENING_WINDOW_DAYS", default=14)
WORSENING_MIN_LOGGED_DAYS_PER_HALF = env.int("WORSENING_MIN_LOGGED_DAYS_PER_HALF", default=3)
WORSENING_MIN_RISE = env.float("WORSENING_MIN_RISE", default=2.0)
SUDDEN_SEVERE_MIN_SEVERITY = env.int("SUDDEN_SEVERE_MIN_SEVERITY", default=7)
PATTERN_WINDOW_DAYS = env.int("PATTERN_WINDOW_DAYS", default=30)
BILATERAL_MIN_EPISODES = env.int("BILATERAL_MIN_EPISODES", default=5)
BILATERAL_MIN_SHARE = env.float("BILATERAL_MIN_SHARE", default=0.5)
RADIATING_MIN_EPISODES = env.int("RADIATING_MIN_EPISODES", default=3)
ESCALATION_CLOSE_AFTER_DAYS = env.int("ESCALATION_CLOSE_AFTER_DAYS", default=14)
# An alert the user acknowledged stays away this long, though its rule still holds: one back the
# next morning would make a stream of it (clinical-rules.md, "One alert, not a stream").
ACKNOWLEDGED_REST_DAYS = env.int("ACKNOWLEDGED_REST_DAYS", default=14)
RESEND_EVERY_DAYS = env.int("RESEND_EVERY_DAYS", default=7)
RESEND_MAX_TIMES = env.int("RESEND_MAX_TIMES", default=3)
# A red flag logged this recently keeps the red-flag advice at the top of guidance "for me".
GUIDANCE_RECENT_RED_FLAG_DAYS = env.int("GUIDANCE_RECENT_RED_FLAG_DAYS", default=14)
if GUIDANCE_RECENT_RED_FLAG_DAYS < 1:  # 0 would silently stop putting the urgent advice first
    raise ImproperlyConfigured("GUIDANCE_RECENT_RED_FLAG_DAYS must be at least 1")

# Insights compare a footwear or activity only with this many tracked days with and without it.
INSIGHT_MIN_DAYS = env.int("INSIGHT_MIN_DAYS", default=3)

# --- Alert delivery ------------------------------------------------------------------------
# A cap on "book a visit" alerts per user per day, against a storm; urgent and emergency are never capped.
MAX_VISIT_ALERTS_PER_DAY = env.int("MAX_VISIT_ALERTS_PER_DAY", default=3)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
# A claim older than this means its sender died mid-send (every send times out well before).
NOTIFICATION_CLAIM_TIMEOUT_SECONDS = env.int("NOTIFICATION_CLAIM_TIMEOUT_SECONDS", default=15 * 60)
# A change to a user's episodes is evaluated this long after it, so a burst is evaluated once.
TREND_DEBOUNCE_SECONDS = env.int("TREND_DEBOUNCE_SECONDS", default=5)
TREND_SWEEP_BATCH_SIZE = env.int("TREND_SWEEP_BATCH_SIZE", default=500)
# A claimed batch is due again after this, should its worker die mid-sweep.
TREND_CLAIM_LEASE_SECONDS = env.int("TREND_CLAIM_LEASE_SECONDS", default=10 * 60)
# After a time-zone change the records are filed again this long after, when every request on its
# way at the change has ended (a record logged then was dated in the old zone).
LOCAL_DATES_REFILE_SECONDS = env.int("LOCAL_DATES_REFILE_SECONDS", default=60)
if LOCAL_DATES_REFILE_SECONDS < 1:  # 0 would file them again before those requests have ended
    raise ImproperlyConfigured("LOCAL_DATES_REFILE_SECONDS must be at least 1")
# Deleted records stay as tombstones this long so that every phone learns of the deletion.
SYNC_TOMBSTONE_DAYS = env.int("SYNC_TOMBSTONE_DAYS", default=90)
# A sync also answers the changes of this long before `updated_since`. A change is stamped
# before it commits, so one stamped a moment before the latest a phone has seen may commit
# after that phone's last pull; going back this far still brings it. A phone applies each
# record by its id, so one it already has does no harm.
SYNC_OVERLAP_SECONDS = env.int("SYNC_OVERLAP_SECONDS", default=60)

# --- Celery ----------------------------------------------------------------------------------
# Without a broker server, kombu's file-system transport: its in and out folders are one.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's, a client per channel. Not for rediss://: kombu turns TLS on by the name of its
    # own transport, and would connect to a rediss:// broker in the clear through ours.
    CELERY_BROKER_TRANSPORT = "heeljournal.broker:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Redis re-delivers an unacknowledged task after this; it must exceed every countdown.
    # Without socket timeouts a publish to a Redis that stalls (paused, failing over, behind a
    # dead NAT entry) would wait forever inside a request; the read timeout stays above the
    # worker's 1 s BRPOP wait.
    else {
        "visibility_timeout": 2 * 60 * 60,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": env.float("BROKER_SOCKET_TIMEOUT_SECONDS", default=1.0),
    }
)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Publishing must never hang a request: a short, bounded retry when the broker is away.
# One retry covers a pooled connection that went stale; each attempt waits at most the
# broker's socket timeout.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Sweep batches have a queue of their own, so that a long sweep never stands between a
# user's change and its evaluation, or an alert and its delivery. A worker started without
# -Q consumes both queues.
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("sweep", routing_key="sweep"))
CELERY_TASK_ROUTES = {"tracking.tasks.evaluate_trend_batch": {"queue": "sweep"}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Email and push --------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HeelJournal <alerts@heeljournal.invalid>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Push through FCM HTTP v1 (iOS too). Without a service-account file, pushes are only logged.
FCM_CREDENTIALS_FILE = env.str("FCM_CREDENTIALS_FILE", default="")
FCM_PROJECT_ID = env.str("FCM_PROJECT_ID", default="")
FCM_ENDPOINT = env.str("FCM_ENDPOINT", default="https://fcm.googleapis.com")
PUSH_TIMEOUT_SECONDS = env.int("PUSH_TIMEOUT_SECONDS", default=10)
# Where an alert's "read more" links point: the app's guidance pages.
GUIDANCE_LINK_BASE = env.str("GUIDANCE_LINK_BASE", default="heeljournal://guidance/")
# Articles change rarely; after this long a phone or proxy asks again, with If-None-Match.
GUIDANCE_MAX_AGE_SECONDS = env.int("GUIDANCE_MAX_AGE_SECONDS", default=60 * 60)

# --- Logs: one JSON object per line on stderr, no personal data (heeljournal/logging.py) ---
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "heeljournal.logging.JsonFormatter"},
        "plain": {
            "()": "heeljournal.logging.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
# Workers log through the same configuration, not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
