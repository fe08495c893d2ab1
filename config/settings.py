"""The one settings module. Every value comes from the environment (CONTRACT.md,
"Configuration") with a default that works for `make run` on a developer machine."""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run"
SECRETS_DIR = BASE_DIR / ".secrets"


def _env_bool(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _secret(name, generate):
    """An environment value, else one generated once into a git-ignored file so
    that restarts keep sessions and encrypted backups readable."""
    value = os.environ.get(name)
    if value:
        return value
    path = SECRETS_DIR / name.lower()
    if not path.exists():
        SECRETS_DIR.mkdir(mode=0o700, exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
BACKUP_ENCRYPTION_KEY = _secret("BACKUP_ENCRYPTION_KEY", lambda: secrets.token_urlsafe(32))
DEBUG = _env_bool("DJANGO_DEBUG")
PORT = int(os.environ.get("PORT", "8000"))
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost").lower().rstrip(".")
# Hosts are checked by the tenant router (tenants.routing): an unknown host is a 404
# there, so Django's own host check would only duplicate it with a 400.
ALLOWED_HOSTS = ["*"]
# Behind the ingress TLS ends at the proxy; it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SHARED_APPS = [
    # Before django_tenants: of two apps with a command of one name the first wins,
    # and ops' delete_tenant (final backup, grace period) must replace django-tenants'
    # immediate one.
    "ops",
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    # The user model lives in every schema: tenant users in their tenant's
    # schema, our vendor staff in public for the Django admin (docs/decisions/002).
    "crm.users",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "billing",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "crm",
    "crm.users",
    "crm.audit",
    "crm.teams",
    "crm.access",
    "crm.accounts",
    "crm.contacts",
    "crm.leads",
    "crm.deals",
    "crm.activities",
    "crm.imports",
    "crm.attachments",
    "crm.savedviews",
    "crm.builder",
    "crm.approvals",
    "crm.onboarding",
    "crm.catalog",
    "crm.sales",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# django-tenants sends `SET search_path` once per connection and tenant switch
# rather than before every query (half the round trips of a request). Safe
# because the backend forgets what it set on rollback and on rollback to a
# savepoint, which undo a SET; tests/tenants/test_search_path.py holds it to that.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# How many migrated schemas wait in the pool for the next sign-ups (docs/decisions/001).
SPARE_SCHEMA_POOL_SIZE = int(os.environ.get("SPARE_SCHEMA_POOL_SIZE", "3"))
TRIAL_DAYS = int(os.environ.get("TRIAL_DAYS", "14"))
# How long the sign-in link from sign-up to the new CRM works (tenants/welcome.py).
WELCOME_TOKEN_SECONDS = int(os.environ.get("WELCOME_TOKEN_SECONDS", "600"))
# Days between `delete_tenant` (final backup taken, tenant closed) and its schema being dropped.
TENANT_DELETION_GRACE_DAYS = int(os.environ.get("TENANT_DELETION_GRACE_DAYS", "30"))

# Billing (docs/decisions/005-billing.md). Without STRIPE_API_KEY billing is
# offline: seats and intervals are recorded locally with the same limits.
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Plan code -> name, currency and price per seat in minor units (cents).
# The catalog: per plan code its name, currency and price per seat (minor units,
# cents or fen) a month and a year. Each currency has its own plans (a Stripe
# customer pays in one currency); sign-up offers those of the company's currency
# (tenants/plans.py), the first of BILLING_DEFAULT_PLANS[currency] by default.
BILLING_PLANS = {
    "standard": {"name": "Standard", "currency": "usd", "month": 1500, "year": 15000},
    "professional": {"name": "Professional", "currency": "usd", "month": 3000, "year": 30000},
    "standard-cny": {"name": "Standard", "currency": "cny", "month": 9900, "year": 99000},
    "professional-cny": {"name": "Professional", "currency": "cny", "month": 19900, "year": 199000},
}
BILLING_DEFAULT_PLAN = os.environ.get("BILLING_DEFAULT_PLAN", "standard")
BILLING_DEFAULT_PLANS = {"usd": BILLING_DEFAULT_PLAN, "cny": os.environ.get("BILLING_DEFAULT_PLAN_CNY", "standard-cny")}
BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "7"))

MIDDLEWARE = [
    # Health answers on any Host, before routing, so probes by pod IP work.
    "ops.health.HealthCheckMiddleware",
    # Prometheus' /metrics, on any host too (ops/observability/exposition.py).
    "ops.observability.exposition.MetricsMiddleware",
    # Request id, latency by view and the access log line; after the probes so
    # they are not counted, before routing so unknown hosts are.
    "ops.observability.requests.RequestObservabilityMiddleware",
    # A NUL in the path or query string: 400 (JSON on /api/) before any view.
    "config.null_bytes.NullByteMiddleware",
    "tenants.routing.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, and no caching of API answers and signed-in pages.
    "config.response_headers.ResponseHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.access.TenantAccessMiddleware",
    # The user's own language (their profile), over the browser's.
    "crm.users.middleware.UserLanguageMiddleware",
    # The user's (else the tenant's) time zone for the rest of the request.
    "tenants.time_zones.TimeZoneMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "tenants.access.billing_banner",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/crm",
        engine="django_tenants.postgresql_backend",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL caches ~0.5 MB of catalog per schema a connection touches; a
# connection that has touched more tenant schemas than this is closed after its
# request or task (ops/observability/connections.py).
DATABASE_MAX_SCHEMAS_PER_CONNECTION = int(os.environ.get("DATABASE_MAX_SCHEMAS_PER_CONNECTION", "20"))
# Lets two test runs share one server (e.g. a developer's and CI's) without
# fighting over the test database.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# An empty REDIS_URL means "no Redis on this machine": `make run` then falls back
# to a file-based broker and cache under .run/, good for one machine only.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Every key carries the schema of the tenant that wrote it.
            "KEY_FUNCTION": "django_tenants.cache.make_key",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUN_DIR / "cache"),
            "KEY_FUNCTION": "django_tenants.cache.make_key",
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(RUN_DIR / "broker"),
        "data_folder_out": str(RUN_DIR / "broker"),
        "processed_folder": str(RUN_DIR / "broker-done"),
    }
    CELERY_RESULT_BACKEND = None
    for _folder in ("broker", "broker-done", "cache"):
        (RUN_DIR / _folder).mkdir(parents=True, exist_ok=True)

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "crm")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "refill-spare-schema-pool": {
        "task": "tenants.tasks.refill_spare_pool",
        "schedule": 60.0,
    },
    # Paused deals whose date has come go back to the pipeline (crm/deals/tasks.py).
    "reactivate-paused-deals": {
        "task": "crm.deals.tasks.reactivate_paused_deals_everywhere",
        "schedule": crontab(hour=0, minute=10),
    },
    # Task reminders that have come due, in-app and by e-mail (crm/activities/tasks.py).
    "deliver-task-reminders": {
        "task": "crm.activities.tasks.deliver_reminders_everywhere",
        "schedule": 60.0,
    },
    # Approvals (crm/approvals/tasks.py): tasks of deactivated approvers handed over,
    # approvers of tasks waiting longer than the tenant's setting reminded.
    # Imports whose worker died are failed with what they wrote (crm/imports/services.fail_stale_jobs).
    "sweep-stale-imports": {
        "task": "crm.imports.tasks.sweep_stale_imports_everywhere",
        "schedule": 300.0,
    },
    "sweep-approvals": {
        "task": "crm.approvals.tasks.sweep_approvals_everywhere",
        "schedule": 600.0,
    },
    # Accounts nobody followed up (or sold to) go back to the customer pool (crm/accounts/pool.py).
    "billing-open-missing-subscriptions": {
        "task": "billing.tasks.open_missing_subscriptions",
        "schedule": 300.0,
    },
    "billing-retry-unprocessed-events": {
        "task": "billing.tasks.retry_unprocessed_events",
        "schedule": 300.0,
    },
    "billing-advance-dunning": {
        "task": "billing.tasks.advance_dunning",
        "schedule": 900.0,
    },
    "billing-reconcile-subscriptions": {
        "task": "billing.tasks.reconcile_subscriptions",
        "schedule": crontab(hour=2, minute=15),
    },
    "auto-release-pool-accounts": {
        "task": "crm.accounts.tasks.auto_release_accounts_everywhere",
        "schedule": crontab(hour=1, minute=30),
    },
    # Tenant backups (ops/backups/tasks.py): each tenant's nightly slot, retries of
    # lost runs, retention, undo schemas past their time, the weekly test restore.
    "backups-dispatch-nightly": {
        "task": "ops.backups.tasks.dispatch_scheduled_backups",
        "schedule": 300.0,
    },
    "backups-sweep": {
        "task": "ops.backups.tasks.sweep_backups",
        "schedule": 300.0,
    },
    "backups-retention": {
        "task": "ops.backups.tasks.apply_retention_everywhere",
        "schedule": crontab(hour=7, minute=0),
    },
    "backups-drop-expired-undo": {
        "task": "ops.backups.tasks.drop_expired_undo_schemas",
        "schedule": crontab(minute=20),
    },
    "backups-weekly-verification": {
        "task": "ops.backups.tasks.verify_backups",
        "schedule": crontab(day_of_week=0, hour=8, minute=0),
    },
    # Custom fields and objects deleted longer ago than the grace period lose their columns and tables.
    "builder-purge-deleted": {
        "task": "crm.builder.tasks.purge_deleted_everywhere",
        "schedule": crontab(hour=3, minute=10),
    },
    # Tenants whose deletion grace period has passed lose their schema and files (ops/lifecycle).
    "purge-deleted-tenants": {
        "task": "ops.lifecycle.tasks.purge_deleted_tenants",
        "schedule": crontab(hour=3, minute=40),
    },
}
# Tenant backups (docs/decisions/006-backups.md). With BACKUP_BUCKET they go to
# S3 (AWS_S3_ENDPOINT_URL for an S3-compatible server); without, to BACKUP_DIR.
BACKUP_BUCKET = os.environ.get("BACKUP_BUCKET", "")
BACKUP_DIR = os.environ.get("BACKUP_DIR", str(RUN_DIR / "backups"))
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "")
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
AWS_DEFAULT_REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
# Multipart upload part size (S3's minimum is 5 MiB); one part is held in memory.
BACKUP_PART_SIZE = int(os.environ.get("BACKUP_PART_SIZE", str(8 * 1024 * 1024)))
# Nightly backups start at this UTC hour, each tenant at its own moment within the window.
BACKUP_WINDOW_START_HOUR = int(os.environ.get("BACKUP_WINDOW_START_HOUR", "1"))
BACKUP_WINDOW_HOURS = int(os.environ.get("BACKUP_WINDOW_HOURS", "4"))
BACKUP_MAX_ATTEMPTS = int(os.environ.get("BACKUP_MAX_ATTEMPTS", "3"))
# A backup or restore running longer than this with no worker holding it is re-queued.
BACKUP_STALE_MINUTES = int(os.environ.get("BACKUP_STALE_MINUTES", "30"))
# How long the schema replaced by a restore is kept as an undo.
BACKUP_UNDO_HOURS = int(os.environ.get("BACKUP_UNDO_HOURS", "72"))
# Tenants whose latest backup the weekly verification restores into a scratch schema.
BACKUP_VERIFY_SAMPLE = int(os.environ.get("BACKUP_VERIFY_SAMPLE", "5"))
# Backups a tenant's admins may take by hand (API or page) in 24 hours; one at a time.
BACKUP_MANUAL_PER_DAY = int(os.environ.get("BACKUP_MANUAL_PER_DAY", "5"))

# Module builder limits and how long a deleted field or object can be restored (docs/decisions/008).
BUILDER_MAX_FIELDS_PER_OBJECT = int(os.environ.get("BUILDER_MAX_FIELDS_PER_OBJECT", "200"))
BUILDER_MAX_OBJECTS = int(os.environ.get("BUILDER_MAX_OBJECTS", "50"))
BUILDER_DELETE_GRACE_DAYS = int(os.environ.get("BUILDER_DELETE_GRACE_DAYS", "7"))

# The currency of a new deal when none is given (ISO 4217): our first customers trade in renminbi.
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "CNY")

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "crm.users.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# How many proxies (the ingress) stand in front of us: the client address is that
# many entries of X-Forwarded-For from the right (sign-in and sign-up throttles);
# 0 trusts no X-Forwarded-For and uses the connection's address.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
# Failed sign-ins allowed per account (from any address) before it is locked out;
# one client address may fail ten times as often, across accounts.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (attachments), one directory per tenant schema; never served directly.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "crm@localhost")

# Imports (crm/imports): rows per file (empty rows not counted); how much an XLSX
# file may unzip to; how many rows a request reads (upload, preview, a dry run in
# the page) — a file with more is read, dry-run and imported by the worker.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(256 * 2**20)))
IMPORT_INLINE_ROWS = int(os.environ.get("IMPORT_INLINE_ROWS", "1000"))
# A running import whose worker gave no sign of life for this long is failed (beat, below).
IMPORT_STALE_MINUTES = int(os.environ.get("IMPORT_STALE_MINUTES", "10"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    # Deny by default: every endpoint that is open says so itself.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {"signup": os.environ.get("SIGNUP_RATE_LIMIT", "30/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "The API of one tenant's CRM (on a tenant host) or of sign-up (on the public host).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each tenant's custom objects as paths of their own (api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.custom_objects_hook"],
    # Backup and restore statuses share one choice set; named here rather than by a hash.
    "ENUM_NAME_OVERRIDES": {"BackupStatusEnum": "ops.models.Backup.Status", "BackupKindEnum": "ops.models.Backup.Kind"},
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    # Django and Celery integrations, every event tagged with the tenant.
    from ops.observability import sentry

    sentry.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# Bearer token a Prometheus scrape of /metrics must send. Required: without it every
# scrape is refused, and outside DEBUG the check ops.E001 stops management commands
# (`make run` gets one generated by bin/services.py; the Helm chart generates one).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# A port on which a Celery worker serves its own metrics (task durations); 0 = none.
WORKER_METRICS_PORT = int(os.environ.get("WORKER_METRICS_PORT", "0"))

# One JSON object per line by default, for the log pipeline; `make run` asks for
# text (Procfile). Both carry tenant, request id and task (ops/observability/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.observability.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "ops.observability.logs.JsonFormatter"},
        "text": {"()": "ops.observability.logs.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO, and fontTools each font it subsets.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
