"""Settings of govhall, driven by GOVHALL_* environment variables.

Development defaults work out of the box (SQLite under var/, DEBUG on).
Production is ``GOVHALL_DEBUG=0`` and refuses to start without
``GOVHALL_SECRET_KEY``. See docs/configuration.md.
"""

import ipaddress
import os
import re
from datetime import time
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from govhall.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GOVHALL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("GOVHALL_DEBUG", True)
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = env_str("GOVHALL_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "GOVHALL_SECRET_KEY must be set when GOVHALL_DEBUG=0 (production)."
        )
    SECRET_KEY = "govhall-development-only-insecure-key"

ALLOWED_HOSTS = env_list(
    "GOVHALL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if not DEBUG else ["*"]
)
CSRF_TRUSTED_ORIGINS = env_list("GOVHALL_CSRF_TRUSTED_ORIGINS", [])
# A form left open too long: a Chinese "page expired" page (JSON under /api/).
CSRF_FAILURE_VIEW = "govhall.api.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Above staticfiles: `runserver` leaves static files to WhiteNoise, whose
    # finder refuses "/static/../.." with a 404 (Django's own static handler
    # lets SuspiciousFileOperation escape as a 500).
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "govhall.core",
    "govhall.org",
    "govhall.calendars",
    "govhall.catalog",
    "govhall.cases",
    "govhall.joint",
    "govhall.supervision",
    "govhall.evaluation",
    "govhall.agency",
    "govhall.hall",
    "govhall.hotline",
    "govhall.stats",
    "govhall.web",
    "govhall.portal",
    "govhall.api",
    "govhall.demo",
]

MIDDLEWARE = [
    # First: every request gets its id, its log line and its latency figure (docs/observability.md).
    "govhall.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content Security Policy; above the frame-options middleware, whose header it follows.
    "govhall.core.csp.ContentSecurityPolicyMiddleware",
    # A database away (restarted) or busy (SQLite locked): 503 with Retry-After, not a 500.
    "govhall.api.errors.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govhall.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govhall.urls"
WSGI_APPLICATION = "govhall.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "govhall" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "govhall.web.context.installation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite (WAL, immediate transactions, busy timeout) so that the web process
# and a task worker can share one file; a postgres:// URL switches to
# psycopg 3. A connection is kept for a minute and checked before a request
# reuses it: after a database restart the next request reconnects instead of
# failing (docs/operations.md, "Faults and recovery").
DATABASE_URL = env_str("GOVHALL_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "govhall.sqlite3",
            "OPTIONS": {
                # Seconds a write waits for another process's lock before "busy" (503).
                "timeout": env_int("GOVHALL_SQLITE_TIMEOUT", 20),
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test process: two runs on one server never collide.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_govhall_{os.getpid()}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: an in-memory database shared between threads locks
    # whole tables instead of waiting, so concurrency tests need the real thing.
    # One file per test process, so that two test runs never share one.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    # The covering indexes' non-key columns (INCLUDE) serve PostgreSQL's index-only scans; SQLite
    # ignores them, as models.W040 says on every command: known, and nothing to do here.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A read replica for statistics and the portal's catalog pages (govhall/core/replica.py,
# docs/deploy.md): GOVHALL_REPLICA_DATABASE_URL names it; the views it serves can be listed.
REPLICA_DATABASE_URL = env_str("GOVHALL_REPLICA_DATABASE_URL")
GOVHALL_REPLICA_VIEWS = env_list("GOVHALL_REPLICA_VIEWS", [
    "portal_home", "portal_search", "portal_department", "portal_theme", "portal_item",
    "api_items", "api_item", "api_themes", "api_theme",
    "stats_dashboard", "stats_cases", "stats_scores", "stats_report",
])
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    # Tests: the replica is the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["govhall.core.replica.ReplicaRouter"]
    MIDDLEWARE.append("govhall.core.replica.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes), by username and client
# address together: five typos from one place lock that name out from that
# place only, so a stranger elsewhere cannot lock a clerk out, and a shared
# hall address does not lock out every clerk at once. The attempts are kept
# in the database, shared by every process. docs/security.md.
AXES_FAILURE_LIMIT = env_int("GOVHALL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("GOVHALL_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "govhall.core.client.client_address"

# --- Client address and rate limits (govhall/core/client.py) -----------------
# The reverse proxies whose forwarding header is believed (addresses or
# networks, comma-separated); none by default: the connecting address is the client.
GOVHALL_TRUSTED_PROXIES = env_list("GOVHALL_TRUSTED_PROXIES", [])
GOVHALL_CLIENT_IP_HEADER = env_str("GOVHALL_CLIENT_IP_HEADER", "X-Forwarded-For")
try:
    [ipaddress.ip_network(proxy, strict=False) for proxy in GOVHALL_TRUSTED_PROXIES]
except ValueError as error:
    raise ImproperlyConfigured(f"GOVHALL_TRUSTED_PROXIES: {error}") from None
# Public progress queries (number + query code) per client and minute.
GOVHALL_PROGRESS_QUERIES_PER_MINUTE = env_int("GOVHALL_PROGRESS_QUERIES_PER_MINUTE", 10)
# Numbers one client may take per minute at the public kiosk page (docs/hall.md).
GOVHALL_KIOSK_TICKETS_PER_MINUTE = env_int("GOVHALL_KIOSK_TICKETS_PER_MINUTE", 20)
# Appointments (预约, docs/hall.md "Appointments"): days ahead one may book;
# the check-in window around a slot's start; the no-show rule (this many
# no-shows within this many days block booking for the block days after the
# last of them); the day-before reminder's local time.
GOVHALL_APPOINTMENT_DAYS = env_int("GOVHALL_APPOINTMENT_DAYS", 7)
GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES = env_int("GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES", 30)
GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES = env_int("GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES", 15)
GOVHALL_APPOINTMENT_NO_SHOW_LIMIT = env_int("GOVHALL_APPOINTMENT_NO_SHOW_LIMIT", 3)
GOVHALL_APPOINTMENT_NO_SHOW_DAYS = env_int("GOVHALL_APPOINTMENT_NO_SHOW_DAYS", 30)
GOVHALL_APPOINTMENT_BLOCK_DAYS = env_int("GOVHALL_APPOINTMENT_BLOCK_DAYS", 30)
GOVHALL_APPOINTMENT_REMIND_AT = time.fromisoformat(env_str("GOVHALL_APPOINTMENT_REMIND_AT", "17:00"))
if (GOVHALL_APPOINTMENT_DAYS < 1 or GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES < 0
        or GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES < 0 or GOVHALL_APPOINTMENT_NO_SHOW_LIMIT < 1
        or GOVHALL_APPOINTMENT_NO_SHOW_DAYS < 1 or GOVHALL_APPOINTMENT_BLOCK_DAYS < 0):
    raise ImproperlyConfigured("GOVHALL_APPOINTMENT_*: days and the no-show limit must be at least 1, "
                               "minutes and block days 0 or more")
# The load run's floor, /bench-floor/ (govhall/core/benchfloor.py): routed only
# in the load environment of `make load`, never in production.
GOVHALL_BENCH_FLOOR = env_bool("GOVHALL_BENCH_FLOOR", False)
# The shared cache of rate limits: a table of the database by default (every
# process on the same database shares it), Redis with GOVHALL_CACHE_URL.
CACHE_URL = env_str("GOVHALL_CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("GOVHALL_CACHE_URL must be a redis:// (or rediss://, unix://) URL")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    # Django's database cache culls a third of its rows past MAX_ENTRIES (300
    # by default): a busy portal's crowd then erased a client's count, and
    # with it his limit (found by `make load`). One row per client and
    # minute: 20,000 is a city's busiest minute many times over; a province
    # shares Redis (docs/deploy.md).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "govhall_cache",
                          "OPTIONS": {"MAX_ENTRIES": 20_000}}}
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("GOVHALL_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("GOVHALL_SESSION_SECONDS", 8 * 3600)

# --- HTTPS and security headers (docs/security.md, docs/deploy.md) -----------
# Behind a reverse proxy that ends TLS: the header it sets to "https" on a
# secure request, e.g. X-Forwarded-Proto. The proxy must overwrite whatever
# the client sent in it, or any client could claim a secure connection.
GOVHALL_PROXY_SSL_HEADER = env_str("GOVHALL_PROXY_SSL_HEADER")
if GOVHALL_PROXY_SSL_HEADER:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", GOVHALL_PROXY_SSL_HEADER):
        raise ImproperlyConfigured(f"GOVHALL_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
                                   f"got {GOVHALL_PROXY_SSL_HEADER!r}")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + GOVHALL_PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
# Plain HTTP is sent to HTTPS wherever cookies are secure (production, unless
# GOVHALL_SECURE_COOKIES=0 says the hall runs on plain HTTP, as `make run` does).
SECURE_SSL_REDIRECT = env_bool("GOVHALL_SSL_REDIRECT", SESSION_COOKIE_SECURE)
# Monitoring probes may ask over plain HTTP inside the hall's network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# HSTS only when configured: once a browser has seen it, it refuses plain HTTP
# to this host for that many seconds (31536000: a year).
SECURE_HSTS_SECONDS = env_int("GOVHALL_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GOVHALL_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("GOVHALL_HSTS_PRELOAD", True)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("GOVHALL_HSTS_SECONDS must be 0 (off) or more")
SECURE_REFERRER_POLICY = env_str("GOVHALL_REFERRER_POLICY", "same-origin")
# Not settings: no hall needs these off.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # a view that must be framed by our pages says so (@xframe_options_sameorigin)
# The Content Security Policy (django-csp; govhall/core/csp.py): scripts,
# styles, images and frames from this site only, no inline script or style
# except a tag carrying the request's nonce (the API docs page), no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [env_str("GOVHALL_CSP_REPORT_URI")]} if env_str("GOVHALL_CSP_REPORT_URI") else {}),
    },
}

# --- Background tasks (Django Tasks; the worker is `govhall worker`) -------
TASKS = {
    "default": {
        "BACKEND": env_str("GOVHALL_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",  # other systems
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "govhall.api.errors.exception_handler",
    # JSON bounded in size and depth (govhall/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "govhall.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "govhall API",
    "DESCRIPTION": "政务服务中心平台接口 · API of the government service center platform",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per set of choices where two sets share a field name.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "govhall.cases.states.State",
        "CaseChannelEnum": "govhall.cases.models.Channel",
        "NoticeKindEnum": "govhall.cases.models.NoticeKind",
        "CenterLevelEnum": "govhall.org.models.CenterLevel",
        "VersionStatusEnum": "govhall.catalog.models.VersionStatus",
        "SpecStatusEnum": "govhall.api.serializers.SPEC_STATUS_CHOICES",
        "ThemeKindEnum": "govhall.catalog.models.ThemeKind",
        "DeliveryMethodEnum": "govhall.catalog.models.DeliveryMethod",
        "MaterialSourceEnum": "govhall.catalog.models.MaterialSource",
        "FormFieldTypeEnum": "govhall.catalog.models.FormFieldType",
        "RatingLevelEnum": "govhall.evaluation.models.Level",
        "RatingChannelEnum": "govhall.evaluation.models.RatingChannel",
        "FollowUpStateEnum": "govhall.evaluation.models.FollowUpState",
        "SuggestionSourceEnum": "govhall.hotline.suggest_api.SOURCE_CHOICES",
        "OrderStateEnum": "govhall.hotline.models.OrderState",
        "OrderTypeEnum": "govhall.hotline.models.OrderType",
        "OrderChannelEnum": "govhall.hotline.models.OrderChannel",
        "AssignmentRoleEnum": "govhall.hotline.models.AssignmentRole",
        "RoleEnum": "govhall.org.roles.Role",
        "JointStateEnum": "govhall.joint.models.JointState",
        "JointStageStateEnum": "govhall.joint.models.StageState",
        "TicketStateEnum": "govhall.hall.models.TicketState",
        "TicketPriorityEnum": "govhall.hall.models.TicketPriority",
    },
    # Every operation documents the error answers it can give (401/403, 404, 400).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "govhall.api.errors.schema_error_responses",
    ],
}

# --- Language and time --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "govhall" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "govhall" / "static"]
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic in production
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app folders too, so a checkout works without
# collectstatic (make run); production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = DEBUG
# Attachments (handed-in materials, catalog forms, imports): the folder
# MEDIA_ROOT, or an S3-compatible object store (MinIO, a government cloud's
# object storage) named by GOVHALL_S3_BUCKET, through django-storages (the
# `s3` extra). The objects stay private: files are served by govhall's own
# views after the permission check, never by a public bucket URL. docs/deploy.md.
S3_BUCKET = env_str("GOVHALL_S3_BUCKET")
if S3_BUCKET:
    try:
        import storages.backends.s3  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured("GOVHALL_S3_BUCKET needs the s3 extra: pip install 'govhall[s3]'") from None
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": S3_BUCKET,
        "location": env_str("GOVHALL_S3_PREFIX"),
        "endpoint_url": env_str("GOVHALL_S3_ENDPOINT_URL") or None,
        "region_name": env_str("GOVHALL_S3_REGION") or None,
        "access_key": env_str("GOVHALL_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("GOVHALL_S3_SECRET_ACCESS_KEY") or None,
        "default_acl": "private",
        "file_overwrite": False,
    }}
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Working-day calendar (govhall.timing) ----------------------------------
# Years after the last official year that get a provisional calendar computed
# from the statutory holiday rules (DESIGN 3.3).
GOVHALL_CALENDAR_PROVISIONAL_YEARS = env_int("GOVHALL_CALENDAR_PROVISIONAL_YEARS", 1)
# TrueType/.ttc CJK font embedded in PDF notices; "" = the bundled one (paperang-p2-fonts-cjk: WenQuanYi Micro Hei).
GOVHALL_PDF_FONT = env_str("GOVHALL_PDF_FONT", "")
# The public address of the portal, printed in notices' QR codes and sent in
# SMS links: required in production (a notice must not lead to 127.0.0.1).
GOVHALL_PUBLIC_URL = env_str("GOVHALL_PUBLIC_URL", "" if not DEBUG else "http://127.0.0.1:8000").rstrip("/")
if not GOVHALL_PUBLIC_URL:
    raise ImproperlyConfigured("GOVHALL_PUBLIC_URL must be set when GOVHALL_DEBUG=0 (production), "
                               "e.g. https://zwfw.example.gov.cn: QR codes and SMS links lead there.")
if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", GOVHALL_PUBLIC_URL):
    raise ImproperlyConfigured(f"GOVHALL_PUBLIC_URL must be an absolute http(s) address, got {GOVHALL_PUBLIC_URL!r}")
# Office hours: receipt outside them counts from the next working day.
GOVHALL_OFFICE_START = time.fromisoformat(env_str("GOVHALL_OFFICE_START", "09:00"))
GOVHALL_OFFICE_END = time.fromisoformat(env_str("GOVHALL_OFFICE_END", "17:00"))
# Warning-light scheme: "standard" (yellow near, red overdue) or "prompt".
GOVHALL_LIGHT_SCHEME = env_str("GOVHALL_LIGHT_SCHEME", "standard")
if GOVHALL_LIGHT_SCHEME not in {"standard", "prompt"}:
    raise ImproperlyConfigured(
        f"GOVHALL_LIGHT_SCHEME must be 'standard' or 'prompt', got {GOVHALL_LIGHT_SCHEME!r}"
    )
# Green-channel cases (绿色通道) warn earlier: yellow (the prompt scheme's
# prompt) once the working days left fall to max(these days, this percent of
# the promised days), instead of the scheme's own threshold (docs/joint.md).
GOVHALL_GREEN_YELLOW_DAYS = env_int("GOVHALL_GREEN_YELLOW_DAYS", 2)
GOVHALL_GREEN_YELLOW_PERCENT = env_int("GOVHALL_GREEN_YELLOW_PERCENT", 40)
if GOVHALL_GREEN_YELLOW_DAYS < 0 or not 0 <= GOVHALL_GREEN_YELLOW_PERCENT <= 100:
    raise ImproperlyConfigured("GOVHALL_GREEN_YELLOW_DAYS must be >= 0 and GOVHALL_GREEN_YELLOW_PERCENT within 0..100")

# Electronic supervision: seconds between two scheduled scans of the time
# rules by the task worker (docs/supervision.md).
GOVHALL_SUPERVISE_INTERVAL_SECONDS = env_int("GOVHALL_SUPERVISE_INTERVAL_SECONDS", 60)
if GOVHALL_SUPERVISE_INTERVAL_SECONDS < 1:
    raise ImproperlyConfigured("GOVHALL_SUPERVISE_INTERVAL_SECONDS must be at least 1")

# Hash of the case event chain: sha256, or sm3 (GB/T 32905) where a deployment
# must use national algorithms; each event records the one it used.
GOVHALL_AUDIT_HASH = env_str("GOVHALL_AUDIT_HASH", "sha256")
if GOVHALL_AUDIT_HASH not in {"sha256", "sm3"}:
    raise ImproperlyConfigured(f"GOVHALL_AUDIT_HASH must be 'sha256' or 'sm3', got {GOVHALL_AUDIT_HASH!r}")
# The key that signs the audit checkpoints (docs/security.md, "Audit
# checkpoints"); never in the database. Empty: derived from SECRET_KEY.
GOVHALL_AUDIT_KEY = env_str("GOVHALL_AUDIT_KEY")
if GOVHALL_AUDIT_KEY and len(GOVHALL_AUDIT_KEY) < 32:
    raise ImproperlyConfigured("GOVHALL_AUDIT_KEY must be at least 32 characters long")
# The daily verification of the chains by the task worker: the local time it
# runs at, and the days after which it verifies everything again (--full).
GOVHALL_AUDIT_VERIFY_AT = time.fromisoformat(env_str("GOVHALL_AUDIT_VERIFY_AT", "02:00"))
GOVHALL_AUDIT_FULL_DAYS = env_int("GOVHALL_AUDIT_FULL_DAYS", 7)
if GOVHALL_AUDIT_FULL_DAYS < 1:
    raise ImproperlyConfigured("GOVHALL_AUDIT_FULL_DAYS must be at least 1")

# --- Evaluation (好差评, docs/evaluation.md) ---------------------------------
# Where SMS go: a dotted path to a class with send(phone, text); the default
# writes each message to the log with the phone masked.
GOVHALL_SMS_BACKEND = env_str("GOVHALL_SMS_BACKEND", "govhall.evaluation.sms.LogBackend")
# Days the rating link sent by SMS after delivery stays valid.
GOVHALL_RATING_LINK_DAYS = env_int("GOVHALL_RATING_LINK_DAYS", 15)
# Working days to verify and correct after a bad rating (the two lowest levels).
GOVHALL_BAD_REVIEW_FIX_DAYS = env_int("GOVHALL_BAD_REVIEW_FIX_DAYS", 5)
if GOVHALL_RATING_LINK_DAYS < 1 or GOVHALL_BAD_REVIEW_FIX_DAYS < 1:
    raise ImproperlyConfigured("GOVHALL_RATING_LINK_DAYS and GOVHALL_BAD_REVIEW_FIX_DAYS must be at least 1")

# --- Logs, health and metrics (docs/observability.md) ------------------------
# JSON, one object per line, in production; a readable line in development
# (`make run` asks for text). Identity and phone numbers are masked in both.
GOVHALL_LOG_FORMAT = env_str("GOVHALL_LOG_FORMAT", "text" if DEBUG else "json")
if GOVHALL_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"GOVHALL_LOG_FORMAT must be 'json' or 'text', got {GOVHALL_LOG_FORMAT!r}")
# /healthz: a worker silent longer than this is stale (the supervision scan
# gives a live one a task every GOVHALL_SUPERVISE_INTERVAL_SECONDS), and the
# working-day calendar warns this many days before it (or its official part) ends.
GOVHALL_HEALTH_WORKER_STALE_SECONDS = env_int("GOVHALL_HEALTH_WORKER_STALE_SECONDS", 600)
if GOVHALL_HEALTH_WORKER_STALE_SECONDS <= GOVHALL_SUPERVISE_INTERVAL_SECONDS:
    raise ImproperlyConfigured("GOVHALL_HEALTH_WORKER_STALE_SECONDS must be longer than "
                               "GOVHALL_SUPERVISE_INTERVAL_SECONDS (a live worker would look stale)")
GOVHALL_HEALTH_CALENDAR_DAYS = env_int("GOVHALL_HEALTH_CALENDAR_DAYS", 90)
if GOVHALL_HEALTH_CALENDAR_DAYS < 0:
    raise ImproperlyConfigured("GOVHALL_HEALTH_CALENDAR_DAYS must be 0 or more")
# /metrics: open to these addresses or networks (as the client is found by
# govhall/core/client.py), or to anyone sending "Authorization: Bearer <token>".
GOVHALL_METRICS_ALLOWED = env_list("GOVHALL_METRICS_ALLOWED", ["127.0.0.1", "::1"])
try:
    [ipaddress.ip_network(entry, strict=False) for entry in GOVHALL_METRICS_ALLOWED]
except ValueError as error:
    raise ImproperlyConfigured(f"GOVHALL_METRICS_ALLOWED: {error}") from None
GOVHALL_METRICS_TOKEN = env_str("GOVHALL_METRICS_TOKEN")
if GOVHALL_METRICS_TOKEN and len(GOVHALL_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("GOVHALL_METRICS_TOKEN must be at least 32 characters long")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "govhall.core.observability.RequestContextFilter"},
        "task_chatter": {"()": "govhall.core.observability.TaskChatterFilter"},
    },
    "formatters": {
        "json": {"()": "govhall.core.observability.JsonFormatter"},
        "text": {"()": "govhall.core.observability.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": GOVHALL_LOG_FORMAT,
                             "filters": ["request", "task_chatter"]}},
    "root": {"handlers": ["console"], "level": env_str("GOVHALL_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers off: every line goes through ours (format, masking).
        "django": {"handlers": [], "propagate": True},
        # One line per request is govhall.request's: runserver's line and
        # Django's "Not Found: …" would repeat it. Errors still show.
        "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
