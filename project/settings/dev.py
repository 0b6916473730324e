"""The zero-setup default: DEBUG on, SQLite unless DATABASE_URL says otherwise,
e-mail printed to the console. Never use these settings in production."""
import os

from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env_list

DEBUG = True
# A development-only key: the production settings refuse to start without
# SECRET_KEY from the environment.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
PEOPLE_ID_KEY = os.environ.get("PEOPLE_ID_KEY") or "dev-only-people-id-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
VAR_DIR.mkdir(parents=True, exist_ok=True)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# On one's own machine, a receiver on this machine over plain HTTP is what one tries first.
WEBHOOK_ALLOW_HTTP = WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
