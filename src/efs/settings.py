"""One env-driven settings module.

Defaults are production-ready (DEBUG off, secure cookies, HSTS); the embedded
default database is an SQLite file in the data dir. Environment:

- ``EFS_DATA_DIR``     where the SQLite file, uploads, exports and the generated secret live
                       (default: ``./var``)
- ``DATABASE_URL``     e.g. ``postgres://postgres@127.0.0.1:5432/efs`` (default: SQLite file)
- ``EFS_SECRET_KEY``   secret key; if unset, one is generated once into the data dir
- ``EFS_DEBUG``        ``1`` to enable debug mode (never in production)
- ``EFS_SECURE``       ``0`` to serve over plain HTTP (local demo); default: on unless debug
- ``EFS_ALLOWED_HOSTS`` comma-separated host names (default: localhost,127.0.0.1)
- ``REDIS_URL``        use Redis as the cache (default: local memory)
- ``EFS_TASKS``        ``immediate`` runs background tasks inline (tests); default: database queue
- ``EFS_TRUSTED_PROXIES`` comma-separated addresses or networks of the reverse proxies whose
                       ``X-Forwarded-Proto`` / ``X-Forwarded-For`` are believed (default:
                       ``127.0.0.1,::1``; from any other address the headers are dropped)
- ``EFS_LOGIN_LIMIT_ACCOUNT`` / ``EFS_LOGIN_LIMIT_ADDRESS`` failed logins allowed per account /
                       per address in ``EFS_LOGIN_WINDOW_SECONDS`` (defaults 5 / 20 / 900)
- ``EFS_EMAIL_BACKEND`` Django e-mail backend (default: files under ``DATA_DIR/mail``, no
                       network); ``EFS_EMAIL_HOST``, ``EFS_EMAIL_PORT``, ``EFS_EMAIL_HOST_USER``,
                       ``EFS_EMAIL_HOST_PASSWORD``, ``EFS_EMAIL_USE_TLS``, ``EFS_EMAIL_USE_SSL``,
                       ``EFS_EMAIL_TIMEOUT`` for SMTP; ``EFS_DEFAULT_FROM_EMAIL`` the sender;
                       ``EFS_SITE_URL`` the address links in e-mails start with
- ``EFS_MONITORING_BUILD_WORKERS`` database sessions that write an analytics build's elements at
                       once on PostgreSQL (default 2; 1 writes them one after another)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("EFS_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    from_env = os.environ.get("EFS_SECRET_KEY")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("EFS_DEBUG", False)
SECURE = env_flag("EFS_SECURE", not DEBUG)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("EFS_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("EFS_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "efs.ops.apps.TasksDatabaseConfig",
    "ninja",
    "efs.people",
    "efs.competencies",
    "efs.diagnostics",
    "efs.catalog",
    "efs.financing",
    "efs.routes",
    "efs.support",
    "efs.monitoring",
    "efs.workforce",
    "efs.practices",
    "efs.coordination",
    "efs.web",
    "efs.api",
    "efs.demo",
    "efs.ops",
]

MIDDLEWARE = [
    "efs.web.security.TrustedProxyMiddleware",
    "efs.web.security.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "efs.web.security.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "efs.people.middleware.RegionTimezoneMiddleware",
    "efs.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "efs.urls"
WSGI_APPLICATION = "efs.wsgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "efs.web.context.navigation",
                "efs.web.security.csp_nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'efs.sqlite3'}",
        conn_max_age=int(os.environ.get("EFS_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to one file: take the write lock at
    # BEGIN (no upgrade deadlocks) and wait for it instead of failing at once.
    # Connections persist across requests as on PostgreSQL (EFS_DB_CONN_MAX_AGE): the first
    # statement of a new SQLite connection parses the whole schema (some 160 tables and 560
    # indexes), 3-4 ms of CPU that every request, /healthz included, paid when each request
    # opened its own (docs/benchmarks.md, «the stack itself»).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(DATA_DIR / "test.sqlite3")} if os.environ.get("EFS_TEST_SQLITE_FILE") else {}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Start each session in UTC (what Django uses with USE_TZ): otherwise Django sends
    # SET TIME ZONE after every connect, a round trip more per new connection.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c TimeZone=UTC".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Moscow"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "efs.web.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if os.environ.get("EFS_TASKS", "") == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# E-mail (people.notify sends a copy of each notification). The default writes each message
# to a file under the data dir, so `make run` and the demo never call an external service;
# production sets EFS_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the host.
EMAIL_BACKEND = os.environ.get("EFS_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EFS_EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EFS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EFS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EFS_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EFS_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EFS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_flag("EFS_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EFS_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("EFS_DEFAULT_FROM_EMAIL", "ЕФС НМС <noreply@efs.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EFS_SITE_URL = os.environ.get("EFS_SITE_URL", "http://localhost:8000").rstrip("/")  # links in e-mails

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_flag("EFS_SSL_REDIRECT", True)
# Believed only from EFS_TRUSTED_PROXIES: TrustedProxyMiddleware drops the header otherwise.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
EFS_TRUSTED_PROXIES = os.environ.get("EFS_TRUSTED_PROXIES", "127.0.0.1,::1")
CSRF_FAILURE_VIEW = "efs.web.security.csrf_failure"
EFS_LOGIN_LIMIT_ACCOUNT = int(os.environ.get("EFS_LOGIN_LIMIT_ACCOUNT", "5"))
EFS_LOGIN_LIMIT_ADDRESS = int(os.environ.get("EFS_LOGIN_LIMIT_ADDRESS", "20"))
EFS_LOGIN_WINDOW_SECONDS = int(os.environ.get("EFS_LOGIN_WINDOW_SECONDS", "900"))
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EFS_IMPORT_MAX_BYTES = 20 * 1024 * 1024
EFS_MONITORING_BUILD_WORKERS = int(os.environ.get("EFS_MONITORING_BUILD_WORKERS", "2"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "efs.web.security.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("EFS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pymorphy3": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 500
