"""Pledge settings: one module, configured by environment variables.

Every value has an embedded default so that a fresh checkout runs with no servers
(SQLite, kombu's filesystem broker under var/, console email). Production and CI set
PLEDGE_DATABASE_URL (PostgreSQL) and PLEDGE_CELERY_BROKER_URL (Redis). Every variable is
named PLEDGE_…; matchmaking/environment.py lists the old names, which still work.
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from matchmaking.environment import PledgeEnv
from matchmaking.logs import logging_config

env = PledgeEnv()

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of an embedded setup: SQLite database, broker folder, media, beat schedule.
# Settings only name its folders; what uses one makes it (``migrate`` the database's,
# Celery its own, file storage the media's, ``collectstatic`` the static files').
VAR_DIR = Path(env.str("PLEDGE_VAR_DIR", default=str(BASE_DIR / "var")))

# CORE ---------------------------------------------------------------------------------
DEBUG = env.bool("PLEDGE_DEBUG", default=True)
SECRET_KEY = env.str("PLEDGE_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set PLEDGE_SECRET_KEY when PLEDGE_DEBUG is off.")
    # Only for a local checkout: a real deployment sets PLEDGE_SECRET_KEY.
    SECRET_KEY = "pledge-local-development-key-not-for-production-use-0123456789"  # noqa: S105
ALLOWED_HOSTS = env.list("PLEDGE_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("PLEDGE_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "matchmaking.apps.PledgeAdminConfig",  # the admin behind the console's door
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "vouching",
    "matchmaking",
]

MIDDLEWARE = [
    "matchmaking.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "matchmaking.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "matchmaking.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Banned and suspended members' sessions end on their next request.
    "vouching.access.RemovedMemberMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "matchmaking.urls"
WSGI_APPLICATION = "matchmaking.wsgi.application"

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
                "matchmaking.context_processors.navigation",
            ],
        },
    },
]

# DATABASE -----------------------------------------------------------------------------
# SQLite for an embedded setup, PostgreSQL otherwise, each with its options (timeouts,
# locking, test database): matchmaking/environment.py, ``PledgeEnv.database``.
DATABASES = {"default": env.database(var_dir=VAR_DIR)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The browse indexes carry extra columns on PostgreSQL; SQLite builds them without
    # those, as intended (matchmaking.models.BROWSE_COLUMNS).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# The trust recalculation's statements read and write the whole graph: their own limit
# (0, none: the task's time limit bounds a run).
TRUST_RUN_STATEMENT_TIMEOUT = env.float("PLEDGE_TRUST_RUN_STATEMENT_TIMEOUT", default=0.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("PLEDGE_CACHE_URL", default="locmemcache://pledge")}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # Trust neighbourhoods are cached per member: the default of 300 entries would evict
    # them faster than browsing reuses them.
    CACHES["default"].setdefault("OPTIONS", {})["MAX_ENTRIES"] = 200_000
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A cache, not a dependency: Redis down or frozen reads as a miss (matchmaking/cache.py),
    # after a short wait, instead of failing the page; one Redis client per connection pool.
    CACHES["default"]["BACKEND"] = "matchmaking.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=env.float("PLEDGE_CACHE_CONNECT_TIMEOUT", default=0.25),
        socket_timeout=env.float("PLEDGE_CACHE_SOCKET_TIMEOUT", default=0.5),
        retry_after=env.float("PLEDGE_CACHE_RETRY_AFTER", default=5.0),
    )

# AUTHENTICATION -----------------------------------------------------------------------
AUTH_USER_MODEL = "vouching.Member"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The name other members see is the first thing someone would guess.
        "OPTIONS": {"user_attributes": ["email", "display_name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

ACCOUNT_ADAPTER = "vouching.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "vouching.forms.SignupDetailsForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Pledge] "
# Moderators must use a second factor: an authenticator app's codes, and recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Pledge"

# INTERNATIONALISATION -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("PLEDGE_TIME_ZONE", default="UTC")
USE_TZ = True

# STATIC AND MEDIA ---------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Member images never get a public URL: views serve them after checking the viewer.
MEDIA_ROOT = Path(env.str("PLEDGE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Request bodies. A member's photo may be 10 MB (vouching/images.py, MAX_UPLOAD_BYTES);
# the form around it adds a few kilobytes. Anything larger is refused from its
# Content-Length, before a byte of it is read (matchmaking/middleware.py), and a body
# sent without one (chunked) is read only up to this many bytes.
REQUEST_BODY_MAX_BYTES = env.int("PLEDGE_REQUEST_BODY_MAX_BYTES", default=11 * 1024 * 1024)
# A photo up to the limit stays in memory; nothing bigger gets that far.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The form fields besides files: the longest text a member writes is a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Images a member may send in 24 hours (photos of them and profile photos, kept or
# refused): decoding one costs up to a quarter of a second (vouching/images.py).
IMAGE_UPLOAD_DAILY_QUOTA = env.int("PLEDGE_IMAGE_UPLOAD_DAILY_QUOTA", default=20)

# EMAIL --------------------------------------------------------------------------------
vars().update(env.email_url("PLEDGE_EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("PLEDGE_DEFAULT_FROM_EMAIL", default="Pledge <hello@pledge.localhost>")

# SECURITY -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("PLEDGE_SECURE_SSL_REDIRECT", default=True)
    # A year: browsers' preload lists accept nothing shorter.
    SECURE_HSTS_SECONDS = env.int("PLEDGE_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# A load balancer checks the health endpoint over plain http, behind the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# The client's address, for allauth's rate limits: behind the TLS proxy every request
# comes from the proxy, so the limits would lock everyone out together. The proxy appends
# the address it saw to X-Forwarded-For; count only the proxies you run (the last N
# entries), since a client can write anything before them. Without debug the settings
# assume one proxy, as SECURE_PROXY_SSL_HEADER does; gunicorn then listens only on
# loopback (gunicorn.conf.py). A proxy that sets a header of its own instead (nginx's
# X-Real-IP, Cloudflare's CF-Connecting-IP) is named by PLEDGE_TRUSTED_CLIENT_IP_HEADER.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("PLEDGE_TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("PLEDGE_TRUSTED_CLIENT_IP_HEADER", default="") or None
# No script or style but the site's own files; no plugins, frames, foreign forms or
# <base>. htmx is configured for it (base.html: no inline indicator style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# CELERY -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("PLEDGE_CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # matchmaking/celery.py makes these folders when Celery is first configured.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A Redis that accepts connections but does not answer must not hold a web request
    # (publishing after a commit) until gunicorn kills it: every command gives up after
    # these many seconds (the worker waits on BRPOP in its event loop, not under them).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": env.float("PLEDGE_BROKER_CONNECT_TIMEOUT", default=1.0),
        "socket_timeout": env.float("PLEDGE_BROKER_SOCKET_TIMEOUT", default=1.0),
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("PLEDGE_CELERY_TASK_DEFAULT_QUEUE", default="pledge")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Tasks are idempotent: redeliver when a worker dies mid-task, one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# A web request must not hang on a broker that is down: fail fast, the sweeper re-asks.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A recalculation renews its lease on the trust state every heartbeat while it works; a
# run whose lease ran out is presumed dead (its worker was killed) and the sweeper asks
# for another: a dead run is replaced within lease + sweep interval, under a minute.
TRUST_RUN_HEARTBEAT = timedelta(seconds=env.float("PLEDGE_TRUST_RUN_HEARTBEAT", default=5.0))
TRUST_RUN_LEASE = timedelta(seconds=env.float("PLEDGE_TRUST_RUN_LEASE", default=20.0))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
_sweep_seconds = env.int("PLEDGE_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    # A sweep not taken within its interval is dropped: the next one does the same work,
    # so workers back from an outage do not work through a backlog of sweeps.
    "trust-sweep": {
        "task": "vouching.sweep",
        "schedule": timedelta(seconds=_sweep_seconds),
        "options": {"expires": _sweep_seconds},
    },
    "matchmaking-sweep": {
        "task": "matchmaking.sweep",
        "schedule": timedelta(seconds=_sweep_seconds),
        "options": {"expires": _sweep_seconds},
    },
    "trust-nightly": {
        "task": "vouching.recalculate_trust",
        "schedule": crontab(hour=3, minute=30),
        "kwargs": {"force": True},
    },
}

# HEALTH -------------------------------------------------------------------------------
# Beat asks a worker to note the time this often; the health endpoint (/health/) fails
# when no worker has done so for the stale threshold (four missed beats by default).
WORKER_HEARTBEAT_SECONDS = env.int("PLEDGE_WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_HEARTBEAT_STALE_SECONDS = env.int("PLEDGE_WORKER_HEARTBEAT_STALE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "matchmaking.worker_heartbeat",
    "schedule": timedelta(seconds=WORKER_HEARTBEAT_SECONDS),
    # Heartbeats queued while no worker runs would only say it ran later: drop them.
    "options": {"expires": WORKER_HEARTBEAT_SECONDS},
}

# PLEDGE -------------------------------------------------------------------------------
# Where the Django admin lives: not the default, which every scanner tries first. Only
# staff moderators with a second factor get past its door anyway.
PLEDGE_ADMIN_PATH = env.str("PLEDGE_ADMIN_PATH", default="backstage/").strip("/") + "/"
# Where members reach the site; links in emails start with it.
PLEDGE_BASE_URL = env.str("PLEDGE_BASE_URL", default="http://localhost:8000")
# Active vouches a member must have received before vouching (founders are exempt):
# someone who joined on one friend's word should not bring in others yet.
MIN_VOUCHES_TO_VOUCH = env.int("PLEDGE_MIN_VOUCHES_TO_VOUCH", default=2)
# New vouches plus invitations per member per window: a pledge is a considered act.
VOUCH_QUOTA = env.int("PLEDGE_VOUCH_QUOTA", default=5)
VOUCH_QUOTA_WINDOW = timedelta(days=7)
INVITATION_TTL = timedelta(days=14)
# The trust metric every recalculation uses (vouching/trust/__init__.py lists them; the
# README says why the default is "pledge"). Changing it takes effect at the next run.
PLEDGE_TRUST_METRIC = env.str("PLEDGE_TRUST_METRIC", default="pledge")
# Wait before a recalculation so that a burst of vouch changes makes one run.
TRUST_RECALC_DELAY = timedelta(seconds=env.float("PLEDGE_TRUST_RECALC_DELAY", default=1.0))
# If set, a run starts at least this long after the previous one started: while vouches
# keep coming, one run per interval instead of runs back to back (a run takes seconds of
# CPU at 100,000 members), and a vouch's effect waits up to about this plus a run. Off by
# default: with the worker below the web's CPU priority (docs/deploy.md) the load bench
# measured no gain in page latency from 5 s, only slower standing.
TRUST_RECALC_MIN_INTERVAL = timedelta(
    seconds=env.float("PLEDGE_TRUST_RECALC_MIN_INTERVAL", default=0.0)
)

# Daily limits (last 24 hours), counted in the database: enough for anyone meeting
# people in earnest, too few to spam.
INTEREST_DAILY_QUOTA = env.int("PLEDGE_INTEREST_DAILY_QUOTA", default=50)
INTRODUCTION_DAILY_QUOTA = env.int("PLEDGE_INTRODUCTION_DAILY_QUOTA", default=5)
MESSAGE_DAILY_QUOTA = env.int("PLEDGE_MESSAGE_DAILY_QUOTA", default=200)
# Reports reach a person: a member who meets that many bad actors a day is rare.
REPORT_DAILY_QUOTA = env.int("PLEDGE_REPORT_DAILY_QUOTA", default=10)

# LOGGING ------------------------------------------------------------------------------
# "json": one JSON object per line (time, level, logger, message; for a request its
# method, path, status, duration and id), for a log collector. "plain" for a person
# reading a terminal. Each request's own line comes from matchmaking.logs.
LOG_FORMAT = env.str("PLEDGE_LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("PLEDGE_LOG_FORMAT is json or plain.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("PLEDGE_LOG_LEVEL", default="INFO"))
# Celery's worker and beat log through the same configuration (JSON in production)
# rather than replacing it with their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
