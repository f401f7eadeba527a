"""Pledge's environment variables: all named ``PLEDGE_…``, the old names still read.

Until this release some variables had Django's or a library's name (``DJANGO_DEBUG``,
``DATABASE_URL``, ``CELERY_BROKER_URL`` …). Each is now ``PLEDGE_`` followed by its old
name without ``DJANGO_``. An old name still works for one more release when its new name
is not set; the system check ``pledge.W001`` (``matchmaking/checks.py``) names every old
one in use, so that ``manage.py migrate``, ``check`` and ``runserver`` show it.
"""

from collections.abc import Mapping
from pathlib import Path

import environ

# Old name → new name.
RENAMED = {
    "DJANGO_DEBUG": "PLEDGE_DEBUG",
    "DJANGO_SECRET_KEY": "PLEDGE_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS": "PLEDGE_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "PLEDGE_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_SSL_REDIRECT": "PLEDGE_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS": "PLEDGE_SECURE_HSTS_SECONDS",
    "DATABASE_URL": "PLEDGE_DATABASE_URL",
    "DATABASE_CONN_MAX_AGE": "PLEDGE_DATABASE_CONN_MAX_AGE",
    "CACHE_URL": "PLEDGE_CACHE_URL",
    "EMAIL_URL": "PLEDGE_EMAIL_URL",
    "DEFAULT_FROM_EMAIL": "PLEDGE_DEFAULT_FROM_EMAIL",
    "CELERY_BROKER_URL": "PLEDGE_CELERY_BROKER_URL",
    "CELERY_TASK_DEFAULT_QUEUE": "PLEDGE_CELERY_TASK_DEFAULT_QUEUE",
    "MIN_VOUCHES_TO_VOUCH": "PLEDGE_MIN_VOUCHES_TO_VOUCH",
    "VOUCH_QUOTA": "PLEDGE_VOUCH_QUOTA",
    "INTEREST_DAILY_QUOTA": "PLEDGE_INTEREST_DAILY_QUOTA",
    "INTRODUCTION_DAILY_QUOTA": "PLEDGE_INTRODUCTION_DAILY_QUOTA",
    "MESSAGE_DAILY_QUOTA": "PLEDGE_MESSAGE_DAILY_QUOTA",
}
OLD_NAME = {new: old for old, new in RENAMED.items()}


class PledgeEnv(environ.Env):
    """django-environ's reader: a ``PLEDGE_`` name that is not set falls back to its old
    name."""

    def get_value(self, var, *args, **kwargs):
        old = OLD_NAME.get(var)
        if old and var not in self.ENVIRON and old in self.ENVIRON:
            var = old
        return super().get_value(var, *args, **kwargs)

    def database(self, *, var_dir: Path) -> dict:
        """``DATABASES["default"]``: ``PLEDGE_DATABASE_URL``, or SQLite under ``var_dir``."""
        database = self.db("PLEDGE_DATABASE_URL", default=f"sqlite:///{var_dir / 'pledge.sqlite3'}")
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database["OPTIONS"] = {
                # IMMEDIATE takes the write lock when a transaction starts, so quota checks
                # are serialised on SQLite as select_for_update serialises them on PostgreSQL.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # WAL lets the web server read while the worker writes scores. Reads go
                # through a memory map (file-backed pages the kernel can reclaim) instead of
                # a read() call per page: a trust-path search touches a few hundred index
                # pages scattered over the whole vouch table.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA mmap_size=1073741824;"
                ),
            }
            # A file, not memory, so a Celery worker process can share the test database.
            database["TEST"] = {"NAME": str(var_dir / "test-pledge.sqlite3")}
            return database
        database["CONN_MAX_AGE"] = self.int("PLEDGE_DATABASE_CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
        # A server that is down, frozen or stuck on a lock must not hold a web request
        # until gunicorn kills it: connecting, a statement, a lock wait and an idle
        # transaction each give up (seconds; 0 is no limit). Each process may set its own
        # (a migration run by hand, say); the trust recalculation sets its statement limit.
        options = database.setdefault("OPTIONS", {})
        options["connect_timeout"] = self.int("PLEDGE_DATABASE_CONNECT_TIMEOUT", default=3)
        options["options"] = " ".join(
            f"-c {name}={int(self.float(variable, default=default) * 1000)}"
            for name, variable, default in (
                ("statement_timeout", "PLEDGE_DATABASE_STATEMENT_TIMEOUT", 20.0),
                ("lock_timeout", "PLEDGE_DATABASE_LOCK_TIMEOUT", 10.0),
                ("idle_in_transaction_session_timeout", "PLEDGE_DATABASE_IDLE_TIMEOUT", 60.0),
            )
        )
        return database


def old_names_in(environment: Mapping[str, str]) -> list[tuple[str, str]]:
    """The old names set in ``environment``, each with its new name."""
    return [(old, new) for old, new in RENAMED.items() if old in environment]


def without_old_names(environment: Mapping[str, str]) -> dict[str, str]:
    """``environment`` less the old names: for a child process given the new ones, which
    must not inherit an old name that a library reads by itself (Celery reads
    ``CELERY_BROKER_URL`` before any setting)."""
    return {name: value for name, value in environment.items() if name not in RENAMED}
