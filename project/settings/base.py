"""Settings shared by every environment, read from the environment.

``DATABASE_URL`` selects the database (an SQLite file under ``var/`` when
unset, for the quick start; PostgreSQL in production and CI). ``REDIS_URL``
switches the django-q2 broker from the ORM to Redis.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "guardian",
    "treebeard",
    "django_fsm",
    "django_htmx",
    "django_q",
    "axes",
    "csp",
    "viewflow.workflow",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "workflows.organisation",
    "workflows.exports",
    "workflows.accounts",
    "workflows.webhooks",
    "workflows.enterprises",
    "workflows.people",
    "workflows.campaigns",
    "workflows.statistics",
    "workflows.audit",
    "workflows.notifications",
    "workflows.recognition",
    "workflows.administration",
    "workflows.demo",
    "workflows.field",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "workflows.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Small reference answers read once per request (the upper-level unit kinds).
    "workflows.core.memo.RequestMemoMiddleware",
    # Work a request leaves for after its page is sent (a dashboard's figures counted again).
    "workflows.core.after_response.AfterResponseMiddleware",
    # Read your own writes: a client that has just written reads the primary, not the replica.
    "workflows.core.replica.RecentWriteMiddleware",
    "workflows.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in user whose role requires the second factor goes to it first.
    "workflows.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "workflows.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
                "workflows.organisation.context_processors.navigation",
            ],
            "libraries": {"lookup": "workflows.core.templatetags.lookup", "links": "workflows.core.templatetags.links"},
            # |unlocalize everywhere: ids in attributes and URLs must not get
            # thousand separators ("7.319") from USE_THOUSAND_SEPARATOR.
            "builtins": ["django.templatetags.l10n"],
        },
    },
]

# Widgets render through the project's templates, so that one override serves every form:
# templates/django/forms/widgets/number.html (the numeric keypad on phones for whole numbers).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A streaming read replica of that PostgreSQL (pg_basebackup -R; docs/operations.md):
# the dashboard, the reports and the exports' jobs read their figures from it
# (workflows.core.replica); writes, and the reads of everything else, go to the
# primary. A replica that does not answer is left for the primary (a warning
# in the log). Unset: the primary alone, as before.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True)
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a PostgreSQL replica of DATABASE_URL's PostgreSQL.")
    # a replica that is down must not hold the page for long before it reads the primary
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASE_ROUTERS = ["workflows.core.replica.ReplicaRouter"]
#: The dashboards, the board and the lists read the campaigns per stage from the
#: rollups PostgreSQL keeps per unit subtree (``workflows.campaigns.rollups``);
#: off, they sum the fine cohorts and rows as SQLite does (the benchmarks compare both).
SUMMARY_ROLLUPS_READ = True
#: The report page counts from the history (a period of days, a cut-off, filtered columns) on screen for a
#: subtree of at most this many campaigns; past it the report is prepared as a file by a job.
REPORT_ON_SCREEN_MAX_CAMPAIGNS = int(os.environ.get("REPORT_ON_SCREEN_MAX_CAMPAIGNS", "20000"))
# a past day's dashboard of a bigger subtree, counted by a job, is kept this long (statistics.past_figures)
PAST_FIGURES_KEEP_DAYS = int(os.environ.get("PAST_FIGURES_KEEP_DAYS", "30"))
#: The dashboard and report pages show every unit's stocks (members, workforce not yet unionised)
#: from the last refresh while it is at most this old, saying from what time, even if something
#: changed since (``workflows.statistics.stocks``); a report's files always take the changes.
STOCKS_MAX_LAG_SECONDS = int(os.environ.get("STOCKS_MAX_LAG_SECONDS", "600"))
#: A campaign's move has its few statements prepared on the server once per connection
#: (``workflows.core.prepared``); turn off (0) behind PgBouncer older than 1.21 in transaction mode.
PREPARED_STATEMENTS = os.environ.get("PREPARED_STATEMENTS", "1") not in ("0", "false", "no", "")
#: Pages that opt in read the replica (when there is one).
REPLICA_READS = bool(DATABASE_REPLICA_URL)
#: After a request that wrote, its client reads the primary for this long (its own writes).
REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", "10"))
#: The dashboard says how far behind the replica is past this lag.
REPLICA_LAG_WARNING_SECONDS = int(os.environ.get("REPLICA_LAG_WARNING_SECONDS", "30"))
#: Who may see what is always read from the primary (apps, or app.model): a
#: grant taken away is gone at once, not when the replica has replayed it.
REPLICA_PRIMARY_ONLY = frozenset({
    "auth", "sessions", "guardian", "axes", "otp_totp", "otp_static", "organisation.profile",
    "organisation.unituserobjectpermission", "organisation.workinggroupuserobjectpermission"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while the user and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user is not used: anonymous visitors see nothing.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in attempts: five failures for one user name from one address lock
# that pair out for 15 minutes (django-axes); every attempt is audited.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address, for the lockout and the audit log alike: one helper
# reads it through the number of trusted reverse proxies in front of the app
# (0: the socket's address; X-Forwarded-For is then ignored).
_proxies = os.environ.get("TRUSTED_PROXY_COUNT", "0").strip()
if not (_proxies.isascii() and _proxies.isdigit()):
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be a whole number of 0 or more.")
TRUSTED_PROXY_COUNT = int(_proxies)
AXES_CLIENT_IP_CALLABLE = "workflows.audit.client.client_address"
AXES_VERBOSE = False

# Content security policy: our own scripts and styles only, no inline code.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["project.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Our own assets, and the front-end libraries npm installs at install time
# (``npm ci``; nothing third-party is committed or loaded from a CDN).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    # The field app: IndexedDB made usable (idb) and the Workbox modules its service worker loads.
    ("vendor/idb", BASE_DIR / "node_modules" / "idb" / "build"),
    *(("vendor/workbox", BASE_DIR / "node_modules" / package / "build") for package in (
        "workbox-sw", "workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching")),
]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Password-reset and invitation links work for three days (one use each).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# Two-factor sign-in (django-otp: TOTP apps and recovery codes), open to
# everyone; the roles listed here must use it ("administrator",
# "supervisor", "manager", "officer"). None here: the demo lets a newcomer
# try every role at once; the production settings require it of
# administrators and supervisors.
TWO_FACTOR_REQUIRED_ROLES: list[str] = []
OTP_TOTP_ISSUER = "CĐCS"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cdcs@localhost")
# The address people reach the app at, for links in e-mails (none when unset).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# django-q2: the ORM broker by default (nothing else to start), Redis when
# REDIS_URL is set (redis://host:port/db; rediss:// for TLS). On both, a task
# a worker took is leased for `retry` seconds and runs again if the worker
# dies before finishing it (django-q2's own Redis broker would lose it:
# project/redis_broker.py). retry must exceed timeout — the cluster stops a
# job after `timeout` — or a slow job runs twice.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "cdcs",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 5,
    "save_limit": 0,
    "queue_limit": 20,
    "catch_up": False,
    "label": "Django Q2",
}
if REDIS_URL:
    Q_CLUSTER.update({"redis": REDIS_URL, "broker_class": "project.redis_broker.LeasedRedis"})
else:
    Q_CLUSTER["orm"] = "default"

#: The dashboard's figures are counted once and shown to everyone who opens the same page for this
#: long, with the time they were counted and a link to count them again; a user who wrote since gets
#: them counted again (``workflows.statistics.overview_cache``). 0: counted on every request.
DASHBOARD_SHARED_SECONDS = int(os.environ.get("DASHBOARD_SHARED_SECONDS", "60"))
#: Past that, figures counted less than this long ago are still shown at once (saying when they were counted)
#: and counted again after the page is sent; older ones are counted before it. 0 with the above: never kept.
DASHBOARD_STALE_SECONDS = int(os.environ.get("DASHBOARD_STALE_SECONDS", "3600"))
# Each worker's memory; the dashboard's shared figures in Redis when REDIS_URL is set (one count for
# every worker). At most 200 pages of figures (20–50 KB each) in a worker's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                 "KEY_PREFIX": "cdcs-figures"} if REDIS_URL else
                {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figures",
                 "OPTIONS": {"MAX_ENTRIES": 200}}),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Recognition dossier documents: the largest file accepted (bytes).
RECOGNITION_MAX_DOCUMENT_BYTES = int(os.environ.get("RECOGNITION_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))

# The key of the citizen-ID hash (HMAC-SHA256): workers' CCCD numbers are kept
# only as this keyed hash plus their last four digits. The production
# settings refuse to start without it; changing it makes every stored hash
# unmatchable (duplicates are no longer found), so keep it with the backups.
PEOPLE_ID_KEY = os.environ.get("PEOPLE_ID_KEY", "")

# Webhooks: each event is sent to a subscription's URL, signed (HMAC-SHA256),
# with a time-out; a failed attempt is tried again after each of these delays
# (seconds), then given up; a subscription failing this many attempts in a row
# is switched off. Addresses of this machine or of private networks are
# refused unless allowed (a closed network of the federation's own systems).
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_LEASE_MARGIN = 20  # seconds a sender holds a delivery beyond the time-out
WEBHOOK_RETRY_DELAYS = (10, 60, 5 * 60, 30 * 60, 2 * 3600, 8 * 3600, 24 * 3600)
WEBHOOK_ATTEMPTS = len(WEBHOOK_RETRY_DELAYS) + 1
WEBHOOK_DISABLE_AFTER = 15
WEBHOOK_SWEEP_BATCH = 500
WEBHOOK_ALLOW_HTTP = os.environ.get("WEBHOOK_ALLOW_HTTP", "") == "1"
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = os.environ.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "") == "1"

# The REST API (/api/v1/): the session (with CSRF) or a personal access
# token; errors as RFC 9457 problem details; cursor pages; a rate per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workflows.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "workflows.api.authentication.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["workflows.api.authentication.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_RATE", "600/min")},
    "DEFAULT_PAGINATION_CLASS": "workflows.api.authentication.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend",
                                "rest_framework.filters.OrderingFilter"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workflows.api.problems.problem_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CĐCS API",
    "DESCRIPTION": "API thành lập công đoàn cơ sở và phát triển đoàn viên / "
                   "The API of founding grassroots unions and growing membership.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # answers' fields are all read-only: not "required" (a validator may leave read-only values out)
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "workflows.campaigns.flows.Stage.choices",
        # one name for a choice set that several fields use
        "OwnershipSectorEnum": "workflows.enterprises.models.OwnershipSector.choices",
        "ConsentMethodEnum": "workflows.people.models.ConsentMethod.choices",
        "WorkerSourceEnum": "workflows.people.models.WorkerSource.choices",
        "TargetSourceEnum": "workflows.statistics.models.TargetSource.choices",
    },
    # every operation's error answers (problem details), from what the schema says of it
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "workflows.api.schema.problem_responses"],
}
