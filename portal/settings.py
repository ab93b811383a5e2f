"""Settings for the groups portal: one file, driven by environment variables.

Development defaults need no services (SQLite and Celery's filesystem broker under `.dev/`);
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis. With `DEBUG` off the process
refuses to start without a `SECRET_KEY`.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_DIR = BASE_DIR / ".dev"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# pytest sets PYTEST_VERSION; tests run with DEBUG off, like production, minus TLS redirects.
TESTING = env.bool("TESTING", default=bool(os.environ.get("PYTEST_VERSION")))
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=true for development).")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The one source of every absolute link (mail, calendar feeds, webcal://, Google Calendar, the
# account mails): `make run` derives it from PORT unless SITE_URL is set; production sets it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="MCP Groups Portal")
SITE_ID = 1  # the Sites row is kept in step with SITE_URL/SITE_NAME after every migrate (portal.sites)

INSTALLED_APPS = [
    "portal",
    "groups",
    "meetings",
    "seps",
    "portal.github",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",  # the API docs page serves Swagger UI from static/, not from a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.api_middleware.ApiMiddleware",  # /api/ only: CORS, ETag + 304, cache headers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.auth.CachedAuthenticationMiddleware",  # the user read from the cache per data version
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # inside CSRF and CSP (they fill in the token cookie and nonce header on hits), outside the
    # htmx and time zone layers (their inputs are part of the key)
    "portal.response_cache.ResponseCacheMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.HtmxVaryMiddleware",
    "portal.middleware.TimezoneMiddleware",
    "portal.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # The site's templates without their indentation (portal/template_loaders.py), then the
            # apps' as written; cached, as Django's default loaders are.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["portal.template_loaders.Loader", "django.template.loaders.app_directories.Loader"],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "portal.context_processors.site",
            ],
            "builtins": ["portal.templatetags.portal_tags"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEV_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DEV_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file under `make run`: WAL + immediate transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Connection reuse: without it a one-query page ran 11x slower on these machines.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query whose *estimated* cost passes jit_above_cost: on the health
    # page's per-group figures it spent 325 ms compiling a query that runs in 15 ms. A portal's
    # queries are short; JIT never pays for itself here.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

# --- Auth: django-allauth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
SOCIALACCOUNT_PROVIDERS = {}
if env.str("GITHUB_CLIENT_ID", default="") and env.str("GITHUB_CLIENT_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env.str("GITHUB_CLIENT_ID"), "secret": env.str("GITHUB_CLIENT_SECRET")}],
        "SCOPE": ["read:user", "user:email"],
    }
SOCIALACCOUNT_ADAPTER = "portal.adapters.SocialAccountAdapter"
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "portal.adapters.user_display"  # "Signed in as Sam Rivera", not "as sam"

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(DEV_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Mail -----------------------------------------------------------------------------------
# Console mail in development; SMTP in production, e.g. EMAIL_URL=smtp+tls://user:pass@host:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MCP Groups Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, "https://github.com"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    _broker = DEV_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }

# --- Cache: keys carry the data version, so entries never go stale; nothing is invalidated ------
# Redis when REDIS_URL is set (every worker shares it: a sign-out or a write is seen by all at
# once); otherwise a bounded per-process memory cache.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.PrefixedRedisCache",
            "LOCATION": REDIS_URL,
            # the test suite clears its own keys before every test; a bench or dev server on the
            # same Redis keeps its entries
            "KEY_PREFIX": env.str(
                "CACHE_KEY_PREFIX",
                default=f"portal-test{os.environ.get('PYTEST_XDIST_WORKER', '')}" if TESTING else "portal",
            ),  # parallel test workers clear only their own keys
            "TIMEOUT": 3600,
        }
    }
    # Page fragments and per-version memos ({% fragment %}, dataversion.memo): keys carry the data
    # version, so a copy in this process's memory never goes stale (portal.cache.NearCache).
    CACHES["template_fragments"] = {
        "BACKEND": "portal.cache.NearCache",
        "LOCATION": "fragments",
        "OPTIONS": {"FAR": "default", "MAX_ENTRIES": 500, "NEAR_TIMEOUT": 120},
    }
    # The hit lane's copies of whole-response entries it read from Redis (portal/hitlane.py): the key
    # carries the data version, the viewer and the minute bucket, so a copy never goes stale; a hit
    # then needs no Redis round trip for the page itself (~80 KB for /health/). Bounded: two minutes
    # (a key is only asked for during its own minute) and MAX_ENTRIES per worker process.
    CACHES["response_near"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "response-near",
        "TIMEOUT": 120,
        "OPTIONS": {"MAX_ENTRIES": 200},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }
# The read API's per-address rate limit (portal.api_common.IPRateThrottle) counts in its own cache:
# Redis when REDIS_URL is set (one count shared by every web worker), else per process.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="10000/m" if TESTING else "120/m")
API_RATE_LIMIT_CACHE = "api"
# /mcp counts apart from /api/ (an agent's session is an initialize, a tools/list and a few calls).
MCP_RATE_LIMIT = env.str("MCP_RATE_LIMIT", default=API_RATE_LIMIT)
_api_redis = env.str("REDIS_URL", default="") and not TESTING
CACHES["api"] = (
    {"BACKEND": "portal.cache.PrefixedRedisCache", "LOCATION": env.str("REDIS_URL"), "KEY_PREFIX": "api"}
    if _api_redis
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
)
NINJA_NUM_PROXIES = 0  # the client address is REMOTE_ADDR (gunicorn/uvicorn set it from trusted proxies)

# Sessions: read from Redis when it is shared (cached_db); from the database otherwise.
SESSIONS_CACHED = bool(REDIS_URL)
SESSION_ENGINE = "portal.sessions"

# Whole-response cache of GET/HEAD pages and feeds (portal/response_cache.py). RESPONSE_CACHE=false
# turns it off (`bin/bench.py --cold` measures the misses that way).
RESPONSE_CACHE = {
    "ENABLED": env.bool("RESPONSE_CACHE", default=True),
    "BUCKET_SECONDS": 60,  # pages showing "upcoming" or "in 3 hours" move on at least once a minute
    "MAX_BYTES": 2_000_000,
    "EXCLUDE": ["/admin/", "/accounts/", "/api/", "/mcp", "/static/", "/healthz", "/webhooks/"],
    # Under ASGI, hits are answered in the event loop before the thread pool (portal/hitlane.py).
    "HIT_LANE": env.bool("RESPONSE_CACHE_HIT_LANE", default=True),
}

# Rendered page fragments shared across viewers, keyed on the data version, time zone and minute
# (`{% fragment %}`, portal/templatetags/fragments.py). FRAGMENT_CACHE=false renders every fragment
# (the bench measures a miss right after a write that way).
FRAGMENT_CACHE = env.bool("FRAGMENT_CACHE", default=True)

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Tests run tasks in-process unless they start a real worker (which sets this to false).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_BEAT_SCHEDULE_FILENAME = str(DEV_DIR / "celerybeat-schedule")

# Every sweep selects "due and not yet handled", so a missed tick is caught up by the next one.
CELERY_BEAT_SCHEDULE = {
    "deliver-notices": {"task": "portal.tasks.deliver_notices", "schedule": timedelta(minutes=1)},
    "groups-nominations": {"task": "groups.tasks.sweep_nominations", "schedule": timedelta(minutes=5)},
    "groups-emeritus": {"task": "groups.tasks.sweep_emeritus", "schedule": crontab(minute=10, hour=3)},
    "groups-inactivity": {"task": "groups.tasks.sweep_inactive_groups", "schedule": crontab(minute=20, hour=3)},
    "meetings-publication": {"task": "meetings.tasks.sweep_publication", "schedule": timedelta(minutes=5)},
    "meetings-notes": {"task": "meetings.tasks.sweep_notes", "schedule": timedelta(minutes=5)},
    "meetings-series": {"task": "meetings.tasks.generate_series", "schedule": timedelta(hours=1)},
    "groups-proposals": {"task": "groups.decision_tasks.sweep_proposals", "schedule": timedelta(minutes=5)},
    "groups-votes": {"task": "groups.decision_tasks.sweep_votes", "schedule": timedelta(minutes=5)},
    "groups-escalations": {"task": "groups.decision_tasks.sweep_escalations", "schedule": timedelta(minutes=30)},
    "groups-reports": {"task": "groups.decision_tasks.sweep_reports", "schedule": crontab(minute=40, hour="*/6")},
    "seps-staleness": {"task": "seps.tasks.sweep_staleness", "schedule": crontab(minute=30, hour=4)},
}

# --- GitHub: live sync with the specification repository (portal/github/) -------------------
GITHUB_REPOSITORY = env.str("GITHUB_REPOSITORY", default="modelcontextprotocol/modelcontextprotocol")
GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com").rstrip("/")
GITHUB_TOKEN = env.str("GITHUB_TOKEN", default="")  # optional: without it GitHub allows 60 requests an hour
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", default="")
# The core maintainer (username) the scheduled and webhook syncs act as: named as approver of synced
# charters (G5). Without it charters wait for "sync now" or `sync_github --by`; SEPs still sync.
GITHUB_SYNC_USER = env.str("GITHUB_SYNC_USER", default="")
GITHUB_SYNC_MINUTES = env.int("GITHUB_SYNC_MINUTES", default=30)  # 0: no periodic sync
GITHUB_TIMEOUT_SECONDS = env.float("GITHUB_TIMEOUT_SECONDS", default=15.0)
if GITHUB_SYNC_MINUTES > 0:
    CELERY_BEAT_SCHEDULE["github-sync"] = {
        "task": "portal.github.tasks.sync_repository",
        "schedule": timedelta(minutes=GITHUB_SYNC_MINUTES),
        "kwargs": {"trigger": "beat"},
    }

# --- Governance: every duration of RULES.md, in one place -----------------------------------
GOVERNANCE = {
    # Groups (G3, G7)
    "FORMATION_CORE_SPONSORS": 2,  # or one lead maintainer
    "FORMATION_LEAD_SPONSORS": 1,
    "WG_INACTIVE_AFTER": timedelta(days=30),
    # Quarterly reports (G8): due at the end of these months
    "QUARTERLY_REPORT_MONTHS": (1, 4, 7, 10),
    # Tiers and nominations (T3, T4)
    "NOMINATION_MIN_PARTICIPATION": timedelta(days=90),
    "NOMINATION_OBJECTION_WINDOW": timedelta(days=7),
    "EMERITUS_AFTER": timedelta(days=90),  # 3 consecutive months without participation
    # Decisions (D1, D4, D5)
    "LAZY_CONSENSUS_MINOR": timedelta(days=5),
    "LAZY_CONSENSUS_SIGNIFICANT": timedelta(days=10),
    "VOTE_QUORUM": 0.5,
    "VOTE_ROUTINE_MAJORITY": 0.5,  # more than half
    "VOTE_SCOPE_MAJORITY": 2 / 3,
    "VOTE_REQUEST_MEMBERS": 3,
    "VOTE_DURATION": timedelta(days=7),  # a formal vote stays open this long (D4; not set by the texts)
    "ESCALATION_FIRST_RESPONSE_BUSINESS_DAYS": 5,
    # Quarterly reports (G8): leads are reminded this long before the due moment
    "QUARTERLY_REPORT_REMINDER_BEFORE": timedelta(weeks=2),
    # Meetings (M2, M4, M7)
    "MEETING_PUBLISH_AHEAD": timedelta(days=7),
    "MEETING_PUBLISH_REMINDER_BEFORE_CUTOFF": timedelta(days=2),
    "NOTES_REMINDER_AFTER_END": timedelta(hours=24),
    "NOTES_DUE_AFTER_END": timedelta(hours=48),
    "SERIES_WINDOW": timedelta(weeks=8),
    # SEPs (S5)
    "SEP_PROPOSAL_PING_AFTER": timedelta(days=90),
    "SEP_PROPOSAL_DORMANT_AFTER": timedelta(days=180),
    "SEP_MANUAL_DORMANT_AFTER": timedelta(days=90),
    "SEP_DRAFT_PING_AFTER": timedelta(days=90),
    "SEP_ACCEPTED_PING_AFTER": timedelta(days=30),
    "SEP_PING_COOLDOWN": timedelta(days=14),
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # one INFO line per stateless /mcp request ("Terminating session: None") is noise, not news
        "mcp.server.streamable_http": {"level": "WARNING"},
    },
}
