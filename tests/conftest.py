import os
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from matchmaking.celery import app as celery_app
from vouching.services import VouchTerms

from .factories import (
    STATEMENT,
    FounderFactory,
    MemberFactory,
    ModeratorFactory,
    VouchedMemberFactory,
    VouchFactory,
)
from .worker_process import WorkerProcess

# Tests publish to a queue of their own, so they never feed a development worker.
TEST_QUEUE = f"pledge-test-{os.getpid()}"


def pytest_configure(config):
    celery_app.conf.task_default_queue = TEST_QUEUE
    # Whitenoise serves collected files from here once debug is off, as in tests; an
    # empty folder is all they need (the files themselves come from the finders).
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def pytest_collection_modifyitems(items):
    # Whatever uses the worker is a worker test, marked or not: ``make test-fast`` leaves
    # them out by their mark.
    for item in items:
        if "celery_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.celery_worker)


def queue_size(queue: str = TEST_QUEUE) -> int:
    with celery_app.connection_for_write() as conn:
        _name, count, _consumers = conn.default_channel.queue_declare(queue=queue)
        return count


def queue_purge(queue: str = TEST_QUEUE) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue=queue)
        conn.default_channel.queue_purge(queue)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Real hashing costs a third of a second per member; tests make thousands.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rolled-back tests reuse ids and graph generations: cached links would be stale.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request in another language leaves it active in this thread; start each test clean.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _purge_test_queue_at_exit():
    yield
    try:
        queue_purge()
    except Exception:  # noqa: BLE001 - a broker gone at exit must not fail the run
        pass


@pytest.fixture
def founder(db):
    return FounderFactory()


@pytest.fixture
def member(db):
    """A vouched member who may vouch: two accepted vouches from founders."""
    m = VouchedMemberFactory()
    VouchFactory(voucher=FounderFactory(), vouchee=m)
    VouchFactory(voucher=FounderFactory(), vouchee=m)
    return m


@pytest.fixture
def stranger(db):
    return VouchedMemberFactory()


@pytest.fixture
def newcomer(db):
    """A member without vouches or computed trust: standing pending."""
    return MemberFactory()


@pytest.fixture
def client_for(db):
    def make(member) -> Client:
        client = Client()
        client.force_login(member)
        return client

    return make


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def with_second_factor(db):
    """``with_second_factor(member)``: a client signed in as ``member`` whose session
    passed a TOTP check, as the moderators' console requires."""

    def make(member) -> Client:
        if not is_mfa_enabled(member):
            TOTP.activate(member, generate_totp_secret())
        client = Client()
        client.force_login(member)
        session = client.session
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time()},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(member.pk)
        session.save()
        return client

    return make


@pytest.fixture
def vouch_fields():
    return VouchTerms(relationship="friend", known_for="3to10", strength=2, statement=STATEMENT)


def database_url() -> str:
    """The test database as a URL, for processes started by the tests."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the configured broker and the test database."""
    with django_db_blocker.unblock():
        db_url = database_url()
    queue_purge()
    env = {
        **os.environ,
        "PLEDGE_DATABASE_URL": db_url,
        "PLEDGE_CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
        "PLEDGE_TRUST_RECALC_DELAY": "0.5",
    }
    try:
        worker = WorkerProcess(queue=TEST_QUEUE, env=env, name="test", timeout=60)
    except RuntimeError as failed:
        pytest.fail(str(failed))
    yield worker
    worker.stop(timeout=15)


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy; return its value or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
