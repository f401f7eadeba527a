"""PostgreSQL stopped and started again under a running web server (gunicorn, debug off,
its own private cluster): a clean, styled 503 that says to come back, then the same
server answers again once the database is back, without a restart."""

import pytest

from tests.conftest import database_url

from .conftest import copy_schema, post_form, production_env, promptly
from .servers import PrivatePostgres, WebServer

pytestmark = pytest.mark.faults


@pytest.fixture
def cluster():
    postgres = PrivatePostgres()
    yield postgres
    postgres.destroy()


def sign_in(server, language="en"):
    return post_form(
        server,
        "/accounts/login/",
        {"login": "nobody@example.com", "password": "not-this-one"},
        language=language,
    )


@pytest.mark.django_db(transaction=True)  # the test database's tables are copied
def test_postgres_stopped_then_back_under_a_running_server(cluster, production_var_dir):
    env = {
        **production_env(production_var_dir),
        "PLEDGE_DATABASE_URL": cluster.url(),
        "PLEDGE_CELERY_BROKER_URL": "memory://",
        "PLEDGE_DATABASE_CONNECT_TIMEOUT": "2",
    }
    copy_schema(source=database_url(), target=cluster.url(), bin_dir=cluster.bin)
    server = WebServer(env=env)
    try:
        status, _headers, body = sign_in(server)
        assert status == 200 and "not correct" in body  # the database answered

        cluster.stop()
        status, headers, body = sign_in(server)
        assert status == 503, body[:300]
        assert headers["Retry-After"] == "30"
        assert "Pledge is back in a moment" in body and "css/pledge" in body
        assert "Server Error" not in body
        status, _headers, body = sign_in(server, language="zh-hans")
        assert status == 503 and "Pledge 马上回来" in body, "in the member's language"

        cluster.start()
        status, _headers, body = sign_in(server)
        assert status == 200 and "not correct" in body
        assert server.process.poll() is None, "the same server, never restarted"
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_postgres_frozen_refuses_a_new_connection_within_the_connect_timeout(
    cluster, production_var_dir
):
    """Frozen, it accepts connections (the kernel does) and never answers: a request that
    connects gets the 503 page after the connect timeout, not gunicorn's worker timeout.
    (A connection opened before the freeze has no such bound: see the README.)"""
    env = {
        **production_env(production_var_dir),
        "PLEDGE_DATABASE_URL": cluster.url(),
        "PLEDGE_CELERY_BROKER_URL": "memory://",
        "PLEDGE_DATABASE_CONNECT_TIMEOUT": "2",
        "PLEDGE_DATABASE_CONN_MAX_AGE": "0",  # every request connects
    }
    copy_schema(source=database_url(), target=cluster.url(), bin_dir=cluster.bin)
    server = WebServer(env=env, timeout=20)
    try:
        cluster.freeze()
        try:
            status, _headers, body = promptly(lambda: sign_in(server), within=15)
            assert status == 503 and "Pledge is back in a moment" in body
            assert "WORKER TIMEOUT" not in server.output()
        finally:
            cluster.thaw()
        status, _headers, body = sign_in(server)
        assert status == 200 and "not correct" in body
    finally:
        server.stop()
