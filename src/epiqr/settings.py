"""Project settings, read from environment variables (see README, "Configuration")."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from epiqr.core.domains import installed_apps

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("EPIQR_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET = "epiqr-dev-secret-not-for-production"
DEV_SIGNING_KEY = "epiqr-dev-signing-key-not-for-production"

DEBUG = env_bool("EPIQR_DEBUG", default=True)
PRODUCTION = env_bool("EPIQR_PRODUCTION", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
# Key for the HMAC on venue tokens and personal QR codes; separate from SECRET_KEY so either can rotate.
EPIQR_SIGNING_KEY = os.environ.get("EPIQR_SIGNING_KEY", DEV_SIGNING_KEY)
if PRODUCTION:
    DEBUG = False
    if SECRET_KEY == DEV_SECRET or EPIQR_SIGNING_KEY == DEV_SIGNING_KEY:
        raise ImproperlyConfigured(
            "EPIQR_PRODUCTION is set but SECRET_KEY or EPIQR_SIGNING_KEY is the development default; "
            "set both to long random values."
        )

# Private signing keys (core.keyring: certificates, movement permits) are stored encrypted with this
# secret; production refuses the development default. Losing it loses the keys (rotate new ones).
DEV_KEYRING_SECRET = "epiqr-dev-keyring-secret-not-for-production"
EPIQR_KEYRING_SECRET = os.environ.get("EPIQR_KEYRING_SECRET", DEV_KEYRING_SECRET)
if PRODUCTION and (EPIQR_KEYRING_SECRET == DEV_KEYRING_SECRET or len(EPIQR_KEYRING_SECRET) < 32):
    raise ImproperlyConfigured(
        "EPIQR_PRODUCTION is set but EPIQR_KEYRING_SECRET is the development default or shorter than "
        "32 characters; set it to a long random value (openssl rand -hex 32) and keep it safe."
    )
# The organisation named in signer certificates and trust lists.
EPIQR_KEYRING_ISSUER = os.environ.get("EPIQR_KEYRING_ISSUER", "EpiQR")
# The issuer written in each vaccination certificate (DCC field `is`).
EPIQR_CERTIFICATE_ISSUER = os.environ.get(
    "EPIQR_CERTIFICATE_ISSUER", "Bộ Y tế (Ministry of Health of Viet Nam)"
)

PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*" if not PRODUCTION else "").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL] if PUBLIC_BASE_URL.startswith("http") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver serves static files the way production does
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from its own static files: no CDN, and allowed by the CSP
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    *installed_apps(),  # EpiQR's domains, listed once in epiqr/core/domains.py
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "epiqr.core.middleware.VietnameseFirstLocale",
    "epiqr.core.middleware.RequestGuard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "epiqr.accounts.middleware.StaffSessionGuard",
    "epiqr.core.middleware.LoginRequiredExceptApi",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "epiqr.core.middleware.AuditReads",
    "epiqr.core.middleware.ServiceErrorPages",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "epiqr.urls"
WSGI_APPLICATION = "epiqr.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "epiqr.core.context.nav",
            ],
        },
    }
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'epiqr.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
}
# Behind PgBouncer (EPIQR_PG_POOLER): "session" pooling changes nothing for the app; "transaction"
# pooling hands each transaction to any server connection, so nothing may outlive a transaction on the
# server: no prepared statements (psycopg's server-side binding and prepare threshold off) and no
# server-side cursors (Django's iterator() then fetches client-side).
EPIQR_PG_POOLER = os.environ.get("EPIQR_PG_POOLER", "").strip().lower()
if EPIQR_PG_POOLER not in ("", "session", "transaction"):
    raise ImproperlyConfigured("EPIQR_PG_POOLER is '', 'session' or 'transaction'.")


def postgres_options(pooler: str = EPIQR_PG_POOLER) -> dict:
    """OPTIONS of a PostgreSQL database: server-side binding lets psycopg prepare statements a connection
    runs repeatedly (the scan hot path), so PostgreSQL plans them once; not behind a transaction pooler
    (or with EPIQR_PG_PREPARE=0)."""
    if pooler == "transaction" or not env_bool("EPIQR_PG_PREPARE", default=True):
        return {"prepare_threshold": None}
    return {"server_side_binding": True, "prepare_threshold": 2}


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = postgres_options()
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = EPIQR_PG_POOLER == "transaction"

# A streaming replica for heavy reads (epiqr.core.replica): declared reads go there unless it is more than
# EPIQR_REPLICA_MAX_LAG seconds behind or unreachable (measured at most every EPIQR_REPLICA_CHECK_SECONDS
# per process); writes, reads after a write and reads in a transaction stay on the primary.
EPIQR_REPLICA_URL = os.environ.get("EPIQR_REPLICA_URL", "").strip()
EPIQR_REPLICA_MAX_LAG = float(os.environ.get("EPIQR_REPLICA_MAX_LAG", "5"))
EPIQR_REPLICA_CHECK_SECONDS = float(os.environ.get("EPIQR_REPLICA_CHECK_SECONDS", "1"))
if EPIQR_REPLICA_URL:
    replica = dj_database_url.parse(
        EPIQR_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("EPIQR_REPLICA_URL is a PostgreSQL standby (postgres://...).")
    # A standby that does not answer costs at most this long before reads go back to the primary.
    replica["OPTIONS"] = {**postgres_options(), "connect_timeout": 2}
    replica["DISABLE_SERVER_SIDE_CURSORS"] = EPIQR_PG_POOLER == "transaction"
    replica["TEST"] = {"MIRROR": "default"}  # tests: the standby replays the primary's test database
    DATABASES["replica"] = replica
    DATABASE_ROUTERS = ["epiqr.core.replica.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
CSRF_FAILURE_VIEW = "epiqr.core.views.csrf_failure"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Every account: 10 characters, not a common password, not all digits, not like its login or name;
# accounts that need a second factor (they read personal data) at least 12 (accounts.validators).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "epiqr.accounts.validators.MinimumLength", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "epiqr.accounts.validators.StaffMinimumLength", "OPTIONS": {"min_length": 12}},
]

# Login throttling (django-axes): after EPIQR_LOGIN_FAILURE_LIMIT wrong passwords or second-factor codes
# for one login name, or from one address, further tries are refused for EPIQR_LOGIN_LOCKOUT_MINUTES.
# An administrator unlocks at /admin/axes/ or with `epiqr axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("EPIQR_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("EPIQR_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "epiqr.accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "epiqr.core.http.client_ip"
AXES_VERBOSE = False
# How many reverse proxies (nginx) stand in front of gunicorn: the client address is then taken from
# X-Forwarded-For, counted from the right, so a client cannot choose it. 0: REMOTE_ADDR itself.
EPIQR_PROXY_COUNT = int(os.environ.get("EPIQR_PROXY_COUNT", "1" if PRODUCTION else "0"))

# Second factor (django-otp): roles holding a personal-data capability (core.permissions) log in with a
# TOTP code or a recovery code. Staff sessions end after EPIQR_STAFF_IDLE_MINUTES without a request.
OTP_TOTP_ISSUER = os.environ.get("EPIQR_OTP_ISSUER", "EpiQR")
EPIQR_STAFF_IDLE_MINUTES = int(os.environ.get("EPIQR_STAFF_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = 12 * 3600  # a working day at most, even when active
# Development only: the second-factor page of a demo account shows its current code (README, "Demo
# logins"). Production refuses to start with it on; the factor itself is never skipped.
EPIQR_DEMO_2FA_HINT = env_bool("EPIQR_DEMO_2FA_HINT", default=not PRODUCTION)
if PRODUCTION and EPIQR_DEMO_2FA_HINT:
    raise ImproperlyConfigured("EPIQR_DEMO_2FA_HINT is for development only; unset it in production.")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The project-wide static folder (base.css, scanstation.js) is not inside an app, so name it.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# WhiteNoise serves static files from the app, so gunicorn alone is a complete server. With DEBUG off they
# are the files `epiqr collectstatic` put in STATIC_ROOT, under content-hashed names (cached by browsers
# for a year, a new name when a file changes) and pre-compressed; with DEBUG on, straight from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Requests bigger than this are refused with 413 before any parsing, on every page and endpoint
# (core.middleware.RequestGuard). 10 MB carries a phone photo on the scan stations (8 MB at most) and a
# lab's 100,000 results in one API call; offline check-in batches stay far below (1 MB cap of their own).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("EPIQR_MAX_BODY_BYTES", str(10 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
# HTTPS only in production: redirect plain HTTP (except the health probe) and tell browsers to remember
# it (HSTS). `epiqr check --deploy` is clean with these (tests/core/test_deploy.py).
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("EPIQR_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("EPIQR_HSTS_SECONDS", "31536000")) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("EPIQR_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("EPIQR_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and style sheets from our own static files, or inline
# with the request's nonce (`<script nonce="{{ request.csp_nonce }}">`); no inline event handlers
# (onclick=...); style="" attributes are allowed (they cannot run code). See docs/development.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "EpiQR <no-reply@epiqr.invalid>")

# Outbound message adapters per channel: "logging" (development), "fake" (tests), "smtp" (email).
EPIQR_NOTIFY_ADAPTERS = {
    "sms": os.environ.get("EPIQR_SMS_ADAPTER", "logging"),
    "email": os.environ.get("EPIQR_EMAIL_ADAPTER", "logging"),
}
EPIQR_RETENTION_DAYS = int(os.environ.get("EPIQR_RETENTION_DAYS", "21"))
# Messages one staff member may send in a (Vietnam) day through bulk actions such as "notify contacts":
# a runaway or repeated click stops with a message instead of texting thousands of people.
EPIQR_NOTIFY_DAILY_CAP = int(os.environ.get("EPIQR_NOTIFY_DAILY_CAP", "500"))
# The F1 quarantine policy (quarantine/policy.py POLICIES, by name) applied to new quarantines; empty: the
# policy in force on the day the contact is placed (from 15/4/2022 none: 10 days of self-monitoring).
EPIQR_QUARANTINE_POLICY = os.environ.get("EPIQR_QUARANTINE_POLICY", "")
# One account reading more different people than this within an hour alerts the administrators (epiqr.audit).
EPIQR_AUDIT_PEOPLE_PER_HOUR = int(os.environ.get("EPIQR_AUDIT_PEOPLE_PER_HOUR", "500"))
# Audit events (who read whose data) are kept this long, then purged daily (core.audit_purge).
EPIQR_AUDIT_KEEP_DAYS = int(os.environ.get("EPIQR_AUDIT_KEEP_DAYS", "730"))
EPIQR_HOTLINE = os.environ.get("EPIQR_HOTLINE", "1022")
# A run's contacts written as rows in the request that stores it; past this many, its F2 is stored packed
# with the run and filed into rows right after, a chunk at a time (tracing/packs.py).
EPIQR_TRACING_FILE_AT_ONCE = int(os.environ.get("EPIQR_TRACING_FILE_AT_ONCE", "20000"))
# The province whose communes the citizen's hotline form offers (the hotline's own city).
EPIQR_HOTLINE_PROVINCE = int(os.environ.get("EPIQR_HOTLINE_PROVINCE", "1"))
# Days a citizen's phone keeps what its holder proved (SMS code, ID card) before proving again.
EPIQR_PROOF_DAYS = int(os.environ.get("EPIQR_PROOF_DAYS", "90"))

# Rate limits count in the cache per asker, so every process must share it: EPIQR_CACHE=database (run
# `epiqr createcachetable` once) on one server, EPIQR_CACHE=memcached (EPIQR_CACHE_LOCATION, one or more
# host:port separated by commas) when several app servers stand behind a proxy. "locmem" (the default)
# is per process: development only.
CACHE_BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "epiqr_cache"},
    "memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": [
            part.strip()
            for part in os.environ.get("EPIQR_CACHE_LOCATION", "127.0.0.1:11211").split(",")
            if part.strip()
        ],
        # A memcached that is down answers "nothing cached" instead of failing the request: the pages
        # keep working and the rate limits stop counting until it is back.
        "OPTIONS": {"no_delay": True, "connect_timeout": 1, "timeout": 1, "ignore_exc": True},
    },
}
if os.environ.get("EPIQR_CACHE", "locmem") not in CACHE_BACKENDS:
    raise ImproperlyConfigured(f"EPIQR_CACHE is one of {', '.join(CACHE_BACKENDS)}.")
CACHES = {"default": CACHE_BACKENDS[os.environ.get("EPIQR_CACHE", "locmem")]}

# Background work (notifications, tracing after a lab positive, purge): "immediate" runs it in the
# request/scheduler process (development); "database" queues it for `epiqr db_worker` (production).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("EPIQR_TASKS", "immediate")]}}
# Finished jobs (imports, posters, exports: core.jobs) and their files are deleted after this many days.
EPIQR_JOB_KEEP_DAYS = int(os.environ.get("EPIQR_JOB_KEEP_DAYS", "7"))
# Checkpoints: where an ID number is looked up (checkpoints.registry): "own" (EpiQR's person registry),
# "fake" (tests), or the dotted path of an adapter class for a national population registry.
EPIQR_POPULATION_REGISTRY = os.environ.get("EPIQR_POPULATION_REGISTRY", "own")
# Cameras: hours a frame kept for an alert stays before the hourly purge deletes it (frames are personal
# data; frames of valid passages, counts and quiet doors are never kept).
EPIQR_CAMERA_FRAME_HOURS = int(os.environ.get("EPIQR_CAMERA_FRAME_HOURS", "72"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "epiqr": {"handlers": ["console"], "level": os.environ.get("EPIQR_LOG_LEVEL", "INFO")},
    },
}
