"""Project settings, read from environment variables (see README, "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "epiqr.core",
    "epiqr.geo",
    "epiqr.accounts",
    "epiqr.people",
    "epiqr.venues",
    "epiqr.checkins",
    "epiqr.cases",
    "epiqr.tracing",
    "epiqr.testing",
    "epiqr.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "epiqr.core.middleware.VietnameseFirstLocale",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "epiqr.core.middleware.LoginRequiredExceptApi",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "epiqr.core.middleware.ServiceErrorPages",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "EPIQR_PG_PREPARE", default=True
):
    # Server-side binding lets psycopg prepare statements a connection runs repeatedly (the scan hot path),
    # so PostgreSQL plans them once. Set EPIQR_PG_PREPARE=0 behind a pooler in transaction mode (PgBouncer).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

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
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Requests bigger than this are refused with 413 before any parsing (offline batches stay well below).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("EPIQR_MAX_BODY_BYTES", str(5 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

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
EPIQR_HOTLINE = os.environ.get("EPIQR_HOTLINE", "1022")

# Rate limits (result lookup) count in the cache: with several gunicorn workers set EPIQR_CACHE=database
# (and run `epiqr createcachetable` once) so that all workers share one count.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "epiqr_cache"}
        if os.environ.get("EPIQR_CACHE", "locmem") == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work (notifications, tracing after a lab positive, purge): "immediate" runs it in the
# request/scheduler process (development); "database" queues it for `epiqr db_worker` (production).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("EPIQR_TASKS", "immediate")]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "epiqr": {"handlers": ["console"], "level": os.environ.get("EPIQR_LOG_LEVEL", "INFO")},
    },
}
