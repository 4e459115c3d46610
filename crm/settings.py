"""Settings of the CRM. Everything a deployment changes comes from CRM_* environment variables."""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("CRM_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The configured key, else one generated once into var/ and kept."""
    if key := os.environ.get("CRM_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("CRM_DEBUG")
TESTING = _env_bool("CRM_TESTING", default="pytest" in sys.modules)
ALLOWED_HOSTS = os.environ.get("CRM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CRM_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "ninja",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crm.core",
    "crm.org",
    "crm.customization",
    "crm.messaging",
    "crm.workflow",
    "crm.customers",
    "crm.sales",
    "crm.products",
    "crm.orders",
]
if TESTING:
    # A document type with a state machine that only the tests use.
    INSTALLED_APPS.append("crm.core.testing.sample")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crm.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "crm.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view reads the body; late enough to answer in the user's language.
    "crm.core.middleware.RequestSizeMiddleware",
    "crm.org.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = ["crm.org.security.backends.AuthenticationBackend"]

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
                "crm.core.context_processors.navigation",
                "crm.messaging.context_processors.inbox",
            ],
        },
    }
]
# Django's own form templates, selects written in Python (crm.core.forms.FormRenderer).
FORM_RENDERER = "crm.core.forms.FormRenderer"

# Database: PostgreSQL when CRM_DATABASE_URL says so, else the embedded SQLite file.
_database_url = os.environ.get("CRM_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not memory, so that a consumer process started by a test shares it; one per
    # test run, so that runs side by side keep apart.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_crm_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CRM_TEST_DATABASE", "test_crm")}
    # New search tokens wait in a pending list of at most 64 kB before they are merged
    # into the index, so searches never scan much of it (imports raise it for a batch).
    # Requests are short: starting parallel workers (about 10 ms) or compiling a plan
    # with JIT costs more than it saves; a long report may turn them on for itself.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c gin_pending_list_limit=64"
        " -c max_parallel_workers_per_gather=0 -c jit=off"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

LANGUAGE_CODE = os.environ.get("CRM_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["crm.formats"]
TIME_ZONE = os.environ.get("CRM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Reports add up amounts in this ISO 4217 currency, converting others by exchange rate.
CRM_COMPANY_CURRENCY = os.environ.get("CRM_COMPANY_CURRENCY", "CNY").upper()

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CRM_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
CRM_ATTACHMENT_MAX_BYTES = int(os.environ.get("CRM_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))

# Sessions end after CRM_SESSION_IDLE_MINUTES without a request and CRM_SESSION_MAX_HOURS
# after sign-in, whatever happens (crm.org.middleware.SessionSecurityMiddleware).
CRM_SESSION_IDLE_MINUTES = int(os.environ.get("CRM_SESSION_IDLE_MINUTES", "30"))
CRM_SESSION_MAX_HOURS = int(os.environ.get("CRM_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = CRM_SESSION_MAX_HOURS * 3600
# Sessions are read from the shared cache (no query per request) and kept in the database
# too, so that a session can be listed and ended on every process.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# CRM_SECURE_COOKIES=1 means the CRM is served over HTTPS only: cookies go over HTTPS,
# plain HTTP is redirected, and browsers are told to use HTTPS alone (HSTS) from then on.
SESSION_COOKIE_SECURE = _env_bool("CRM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = (
    int(os.environ.get("CRM_HSTS_SECONDS", 365 * 24 * 3600)) if SESSION_COOKIE_SECURE else 0
)
X_FRAME_OPTIONS = "DENY"
# Every answer's Content-Security-Policy (crm.core.middleware.SecurityHeadersMiddleware):
# scripts only from the CRM's own files, never inline or eval'd; inline styles stay
# allowed, as Tabler's components and the widgets set style attributes.
CRM_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

# Sign-in (django-allauth): by user name, no self sign-up, no email verification; TOTP
# two-factor with recovery codes. Failed sign-ins are limited by crm.org.security (counted
# in the login log, so every process and machine agrees), not by allauth's cache limits.
ACCOUNT_ADAPTER = "crm.org.security.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "crm.org.security.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_RATE_LIMITS = False
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# Sensitive actions need a password or two-factor check within this many minutes.
CRM_REAUTH_MINUTES = int(os.environ.get("CRM_REAUTH_MINUTES", "5"))
ACCOUNT_REAUTHENTICATION_TIMEOUT = CRM_REAUTH_MINUTES * 60
MFA_ADAPTER = "crm.org.security.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "crm.org.security.forms.MFAAuthenticateForm",
    "reauthenticate": "crm.org.security.forms.MFAReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("CRM_MFA_ISSUER", "CRM")
# Superusers and holders of "manage_users" must turn on two-factor sign-in.
CRM_ADMIN_MFA_REQUIRED = _env_bool("CRM_ADMIN_MFA_REQUIRED", default=True)
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0 = use REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("CRM_TRUSTED_PROXY_COUNT", "0"))
if ALLAUTH_TRUSTED_PROXY_COUNT:
    # The proxy ends TLS and says which scheme the browser used (nginx: X-Forwarded-Proto).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Lockout: so many failures within the window lock the user name (or the IP address).
CRM_LOGIN_MAX_FAILURES = int(os.environ.get("CRM_LOGIN_MAX_FAILURES", "5"))
CRM_LOGIN_IP_MAX_FAILURES = int(os.environ.get("CRM_LOGIN_IP_MAX_FAILURES", "20"))
CRM_LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("CRM_LOGIN_FAILURE_WINDOW_MINUTES", "5"))
CRM_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("CRM_LOGIN_LOCKOUT_MINUTES", "15"))
# The login log is kept this many days (never fewer than 180).
CRM_LOGIN_LOG_DAYS = max(180, int(os.environ.get("CRM_LOGIN_LOG_DAYS", "365")))

# Sessions and single-use two-factor codes are kept in the cache, which every process must share:
# Redis in production, files under var/ when embedded, memory in tests.
# CRMs sharing one Redis keep their cache keys and queues apart by CRM_REDIS_PREFIX.
_redis_prefix = os.environ.get("CRM_REDIS_PREFIX", "")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif os.environ.get("CRM_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CRM_REDIS_URL"],
            "KEY_PREFIX": _redis_prefix,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Background jobs: Redis in production, a SQLite file when embedded, inline in tests.
_redis_url = os.environ.get("CRM_REDIS_URL")
if TESTING:
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "crm", "immediate": True}
elif _redis_url:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": _redis_prefix or "crm",
        "url": _redis_url,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "crm",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": False,
    }

# Email (the outbox sends through SMTP; without CRM_EMAIL_HOST it writes to the console).
EMAIL_HOST = os.environ.get("CRM_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("CRM_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CRM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CRM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("CRM_EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("CRM_EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("CRM_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("CRM_EMAIL_FROM", "crm@localhost")
EMAIL_BACKEND = os.environ.get(
    "CRM_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("CRM_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
# The address the CRM is reached at, for the links in its emails.
CRM_SITE_URL = os.environ.get("CRM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_in_one_line": {"()": "crm.core.logs.RefusalsInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CRM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["refusals_in_one_line"]},
        # The PDF layout's progress ("Step 2 - Fetching and parsing CSS") and font subsetting.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Lists: page sizes offered, and the count shown as "1,000+" beyond this.
CRM_PAGE_SIZES = [20, 50, 100]
CRM_COUNT_CAP = 1000
CRM_DEMO_PASSWORD = "crm-demo-2026"

# Background jobs: a consumer that stops renewing its lease this long is presumed dead and
# its job goes to another consumer, from the last checkpoint.
CRM_JOB_LEASE_SECONDS = int(os.environ.get("CRM_JOB_LEASE_SECONDS", "60"))
# Imports: the largest file taken, and the most a zipped workbook may unpack to.
CRM_IMPORT_MAX_BYTES = int(os.environ.get("CRM_IMPORT_MAX_BYTES", 512 * 1024 * 1024))
CRM_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("CRM_IMPORT_MAX_UNZIPPED_BYTES", 2 * 1024 * 1024 * 1024)
)
CRM_IMPORT_BATCH = int(os.environ.get("CRM_IMPORT_BATCH", "1000"))
# Workbooks larger than this are streamed (flat memory, slower) rather than read whole.
CRM_IMPORT_STREAM_BYTES = int(os.environ.get("CRM_IMPORT_STREAM_BYTES", 32 * 1024 * 1024))
