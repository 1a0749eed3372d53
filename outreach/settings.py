"""One settings file, read from the environment (twelve-factor).

With nothing configured you get the zero-setup demo: SQLite in the project
folder and a Celery broker kept in files under var/. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS; see README.md.
"""

import base64
import datetime
import hashlib
from pathlib import Path

import environ
import kombu
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # demo database, broker files, uploads, logs

env = environ.Env()
# ENV_FILE names a file of VAR=value lines (deploy/production.env.example), as systemd and compose read
# them, for commands run by hand on a server: `ENV_FILE=/etc/outreach/outreach.env manage.py backup`.
# Variables already in the environment win.
if env.str("ENV_FILE", default=""):
    environ.Env.read_env(env.str("ENV_FILE"), overwrite=False)

# Nothing configured is the zero-setup demo, so `manage.py check` and `makemigrations` work on a fresh
# checkout. Any production setting present makes DEBUG default to off, and then SECRET_KEY is required.
CONFIGURED_FOR_PRODUCTION = any(name in env for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"))
DEBUG = env.bool("DEBUG", default=not CONFIGURED_FOR_PRODUCTION)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: production (DEBUG off) needs a long random SECRET_KEY in the environment."
        )
    SECRET_KEY = "django-insecure-demo-only-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies in front of the app append to X-Forwarded-For (nginx: 1). Rate limits use it.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # pg_trgm similarity for the copied-diary flag (campaigns/flags.py)
    "django_celery_beat",
    "csp",  # Content-Security-Policy header
    "axes",  # login lockout
    "django_otp",
    "django_otp.plugins.otp_totp",  # two-factor login for administrators and supervisors
    "pgtrigger",  # the audit log's append-only trigger
    "simple_history",  # a household's profile history (campaigns.models.Household.history)
    "outreach",
    "accounts",
    "campaigns",
    "grievances",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    "core.observability.RequestLogMiddleware",  # first: the request id covers everything below
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.CompleteBodyMiddleware",  # before anything reads the form: whole bodies, in their charset, or 400
    "core.middleware.RejectNullBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # a household's profile history names who saved, admin included
    # Every page needs a login unless its view says @login_not_required: forgetting fails closed.
    "accounts.audit.AuditRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.NotFoundPageWithDebugMiddleware",  # DEBUG only: the Chinese 404 page in the demo too
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # Inside the session middleware: the session's own save is not a write that pins the browser to the primary.
    "core.replica.ReplicaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# The largest request body read at all (nginx's client_max_body_size): photos (3 × 5 MB), roster files (20 MB).
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=25 * 1024 * 1024)

ROOT_URLCONF = "outreach.urls"
WSGI_APPLICATION = "outreach.wsgi.application"

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
                "accounts.context_processors.navigation",
                "grievances.context_processors.reminders",
                "grievances.context_processors.holiday_calendar",
                "outreach.context_processors.celery",
                "campaigns.context_processors.offline_app",
                "core.replica.replica_context",
            ],
        },
    },
]

# /readyz notes: what a monitor should know without failing readiness (outreach/health.py).
READINESS_NOTES = {"holiday_calendar": "grievances.deadlines.readiness_note"}

# --- Database -------------------------------------------------------------
if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)  # the demo database lives there
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'demo.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server, worker and beat write to one file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # JIT compilation costs ~300 ms on a dashboard's aggregates over 50k cases and saves nothing on pages this size.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica (docs/scaling.md): dashboards, rankings, their lists and exports read there (core/replica.py).
# In tests it is the replica of the test server: the same test database, as it reaches the standby (MIRROR).
if REPLICA_DATABASE_URL := env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(REPLICA_DATABASE_URL), "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0), "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"options": "-c jit=off", "connect_timeout": 2}, "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
REPLICA_READS = env.bool("REPLICA_READS", default=True)  # off in the test suite but for its replica tests
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=30)  # older data than this: read the primary
REPLICA_CHECK_SECONDS = env.int("REPLICA_CHECK_SECONDS", default=5)  # how long one check of the replica's state holds
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=60)  # after a write the browser reads the primary this long
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits) ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis that hangs must not hang the page: the rate limiter falls back to counting in memory (core/ratelimit.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)  # 0: passwords do not expire
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Lockout (django-axes): 5 failures lock the account, and separately the address, for 30 minutes.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"  # honours NUM_PROXIES like the other rate limits
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = False  # True would let any account's login wipe the address's failures against others
AXES_VERBOSE = False
# Two-factor login (TOTP) for administrators and supervisors; `make run` turns it off for the demo.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="下基层")
# Sessions: logged out after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after login.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
# Audit trail (accounts/audit.py): kept this many days, never fewer than 180 (等保 2.0), pruned nightly.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180: the audit trail is kept for six months or more.")

# --- Personal information (PIPL) -------------------------------------------
# See core/pii.py. Generate a key with:
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[])
PII_HASH_KEY = env.str("PII_HASH_KEY", default="")
if not (PII_ENCRYPTION_KEYS and PII_HASH_KEY):
    if not DEBUG:
        raise ImproperlyConfigured(
            "PII_ENCRYPTION_KEYS and PII_HASH_KEY are not set: production needs keys to encrypt ID numbers."
        )
    # Demo only: keys derived from the demo SECRET_KEY.
    PII_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(f"pii:{SECRET_KEY}".encode()).digest()).decode()]
    PII_HASH_KEY = hashlib.sha256(f"pii-hash:{SECRET_KEY}".encode()).hexdigest()

# --- Language and time ----------------------------------------------------
# Everyone gets Chinese, whatever their browser asks for (no LocaleMiddleware); source strings are English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
# Hashed names (css/app.3f2a….css) and their .gz (and .br with the brotli package) from collectstatic: a name
# never changes its content, so browsers keep them a year without asking again (whitenoise, and nginx in
# production, send `immutable`). Production has them; `make run` asks for them too (STATIC_HASHED=true,
# after its collectstatic) so the demo loads like production. Without them files come from static/ as
# they are edited, and the browser revalidates each one.
STATIC_HASHED = env.bool("STATIC_HASHED", default=not DEBUG)
if STATIC_HASHED and DEBUG:  # served like production: what collectstatic wrote, read once at start
    WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.static_storage.HashedStaticFilesStorage" if STATIC_HASHED else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# --- E-mail ---------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # a slow mail server must not outlive a delivery's lease
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="下基层 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # Embedded broker for the demo: messages are files in var/broker/, no server to install.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis keeps a message a worker has taken but not acknowledged, and gives it out again once it has
    # been out for visibility_timeout: that is how the import of a worker that was killed comes back (its
    # task acknowledges only when done, campaigns/tasks.py). It applies to every unacknowledged message on
    # the broker, and one hour (Redis's default) would leave a killed import for an hour; a minute brings it
    # back within a minute of a worker's return. What else it can touch is kept as it was:
    # - workers take a message only when a process is free (worker_disable_prefetch below), so no message
    #   waits unacknowledged in a worker's buffer behind a long task and is handed out twice;
    # - a task acknowledged early (all but two) is acknowledged as it starts, so its running time does not count;
    # - the two acknowledged late, the roster import and dispatch_deliveries, may run twice: deliveries and
    #   import jobs are claimed in the database, so a second copy of a running one does nothing;
    # - no task is sent with a countdown or eta (those would be handed out again every minute).
    # Every 5 s each worker looks for such messages (kombu's default is every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=60),
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,  # an unreachable broker fails a web request's enqueue in seconds, not minutes
    }
    CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat reads its schedule from the database (django-celery-beat): the entries below are written
# there when beat starts, and admins change intervals or switch tasks off in the Django admin.
CELERY_BEAT_SCHEDULER = "outreach.beat:Scheduler"
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=30)
# Queues, so that a 100,000-row import never waits in front of a deadline reminder. A worker started
# without -Q takes all of them (the demo, the tests); production runs one worker per line of
# deploy/systemd/ (docs/scaling.md): `celery -A outreach worker -Q reminders` and so on.
CELERY_TASK_DEFAULT_QUEUE = "default"  # heartbeats, the audit trail's pruning
QUEUE_NAMES = ["default", "reminders", "imports", "rollups"]
CELERY_TASK_QUEUES = [kombu.Queue(name, kombu.Exchange(name, type="direct"), routing_key=name) for name in QUEUE_NAMES]
CELERY_TASK_ROUTES = {
    "grievances.tasks.*": {"queue": "reminders"},  # sweeps, deliveries, digests
    "campaigns.tasks.run_roster_import": {"queue": "imports"},
    "campaigns.tasks.requeue_stale_imports": {"queue": "imports"},
    "campaigns.tasks.refresh_dashboard_rollups": {"queue": "rollups"},
    "campaigns.tasks.check_*": {"queue": "rollups"},  # the fabrication flags read what the dashboards count
}
# Deadline reminders (grievances/reminders.py): days before a deadline to remind, and delivery retries.
REMINDER_THRESHOLDS = [int(day) for day in env.list("REMINDER_THRESHOLDS", default=["7", "3", "1", "0"])]
REMINDER_SWEEP_SECONDS = env.int("REMINDER_SWEEP_SECONDS", default=15 * 60)
# A sweep whose clock is further ahead of PostgreSQL's than this writes nothing, and says so (0: no check).
REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS = env.int("REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS", default=24 * 3600)
DELIVERY_DISPATCH_SECONDS = env.int("DELIVERY_DISPATCH_SECONDS", default=60)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=6)
DELIVERY_BACKOFF_SECONDS = env.int("DELIVERY_BACKOFF_SECONDS", default=60)  # doubles with each attempt
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=120)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)
# Text messages (grievances/sms.py): "log" writes them to the log and sends nothing (the default, and make run's);
# "aliyun" or "tencent" sends through that provider with these keys. SMS_ENDPOINT replaces the provider's address
# (a loopback server in the tests). Templates are configured in the admin (SmsTemplate).
SMS_PROVIDER = env.str("SMS_PROVIDER", default="log")
SMS_ACCESS_KEY_ID = env.str("SMS_ACCESS_KEY_ID", default="")  # Alibaba AccessKey ID, or Tencent SecretId
SMS_ACCESS_KEY_SECRET = env.str("SMS_ACCESS_KEY_SECRET", default="")  # … its secret, or Tencent SecretKey
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="")  # the approved 签名, e.g. 清溪县信访局
SMS_SDK_APP_ID = env.str("SMS_SDK_APP_ID", default="")  # Tencent's SmsSdkAppId
SMS_REGION = env.str("SMS_REGION", default="ap-guangzhou")  # Tencent's region
SMS_ENDPOINT = env.str("SMS_ENDPOINT", default="")
SMS_TIMEOUT_SECONDS = env.int("SMS_TIMEOUT_SECONDS", default=5)
# Where the public pages are, for links sent by text message (the lookup page): the address petitioners reach.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if SMS_PROVIDER not in ("log", "aliyun", "tencent"):
    raise ImproperlyConfigured(f"SMS_PROVIDER must be log, aliyun or tencent, not {SMS_PROVIDER!r}.")
if SMS_PROVIDER != "log" and not (SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET and SMS_SIGN_NAME and (SMS_SDK_APP_ID or SMS_PROVIDER == "aliyun")):
    raise ImproperlyConfigured(f"SMS_PROVIDER={SMS_PROVIDER} needs SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET and SMS_SIGN_NAME"
                               + (" and SMS_SDK_APP_ID." if SMS_PROVIDER == "tencent" else "."))
# Roster imports (campaigns/services/import_jobs.py): a running job's worker renews its lease every sixth of
# IMPORT_LEASE_SECONDS; the sweep every IMPORT_SWEEP_SECONDS takes back jobs whose lease lapsed and queues
# jobs the broker never got (it was down at upload) or lost.
IMPORT_LEASE_SECONDS = env.int("IMPORT_LEASE_SECONDS", default=30)
IMPORT_SWEEP_SECONDS = env.int("IMPORT_SWEEP_SECONDS", default=60)
# Dashboard rollups (campaigns/rollups.py): how often the days with new visits are summed again.
ROLLUP_REFRESH_SECONDS = env.int("ROLLUP_REFRESH_SECONDS", default=5 * 60)
# Fabrication flags (campaigns/services/flags.py): field records are checked after each write; cases, every
# FLAG_CASE_SWEEP_SECONDS; everything recent, nightly.
FLAG_CASE_SWEEP_SECONDS = env.int("FLAG_CASE_SWEEP_SECONDS", default=5 * 60)
CELERY_BEAT_SCHEDULE = {
    # One heartbeat per queue: /readyz then knows that each queue has a worker taking its tasks.
    **{f"heartbeat-{queue}": {"task": "outreach.tasks.heartbeat", "schedule": HEARTBEAT_SECONDS,
                              "kwargs": {"name": queue}, "options": {"queue": queue, "expire_seconds": HEARTBEAT_SECONDS}}
       for queue in QUEUE_NAMES},
    "sweep-deadlines": {"task": "grievances.tasks.sweep_deadlines", "schedule": REMINDER_SWEEP_SECONDS},
    "dispatch-deliveries": {"task": "grievances.tasks.dispatch_deliveries", "schedule": DELIVERY_DISPATCH_SECONDS},
    "daily-digests": {"task": "grievances.tasks.send_daily_digests", "schedule": crontab(hour=8, minute=0)},
    "requeue-stale-imports": {"task": "campaigns.tasks.requeue_stale_imports", "schedule": IMPORT_SWEEP_SECONDS},
    "refresh-dashboard-rollups": {"task": "campaigns.tasks.refresh_dashboard_rollups", "schedule": ROLLUP_REFRESH_SECONDS},
    "prune-audit-trail": {"task": "accounts.tasks.prune_audit_trail", "schedule": crontab(hour=3, minute=15)},
    "clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=45)},
    "rebuild-dashboard-rollups": {"task": "campaigns.tasks.refresh_dashboard_rollups", "schedule": crontab(hour=2, minute=30),
                                  "kwargs": {"full": True}},
    "check-recent-case-flags": {"task": "campaigns.tasks.check_recent_case_flags", "schedule": FLAG_CASE_SWEEP_SECONDS},
    "check-all-flags": {"task": "campaigns.tasks.check_all_flags", "schedule": crontab(hour=1, minute=30)},
}

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # a load balancer's probes may speak plain HTTP
    # Cookies only over HTTPS. SECURE_COOKIES=false is for load tests and the many-process test,
    # which talk plain HTTP to gunicorn on loopback; `check --deploy` warns about it.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Content-Security-Policy (django-csp): scripts only from our own static files — no inline script,
# no eval, nothing from elsewhere. Inline style attributes remain (progress bars, chart sizes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", "blob:"],
        "connect-src": [csp.SELF],
        "font-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# --- Logging and error reports -------------------------------------------------
# core/observability.py: JSON lines (LOG_FORMAT=json, the production default) with request_id,
# user_id and the Celery task; a line per request; statements slower than SLOW_QUERY_MS (0: off).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=500)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.observability.ContextFilter"}},
    "formatters": {
        "plain": {"()": "core.observability.PlainFormatter", "format": "%(asctime)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}{request_id}{user_id}{task}",
            "style": "{",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The request line replaces Django's own warning about 4xx answers.
        "django.request": {"level": "ERROR"},
        "outreach.requests": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
    },
}
# Sentry (optional): error reports from web and workers, without personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.observability import init_sentry

    init_sentry(SENTRY_DSN, env.str("SENTRY_ENVIRONMENT", default="production"),
                env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))
