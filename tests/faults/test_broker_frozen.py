"""A broker that accepts connections and never answers, under gunicorn: a publish with no
socket timeout outlasts the worker timeout and gunicorn ends the request with a
``SystemExit``. The vouch is saved all the same, and the claim on the next run must not
outlive the request, or the sweeper would wait a minute before asking again."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import TEST_QUEUE, database_url, queue_size
from tests.factories import MemberFactory, VouchFactory
from vouching import tasks
from vouching.models import TrustState, Vouch

from .conftest import post_form, production_env, use_broker
from .servers import WebServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_request_killed_by_the_worker_timeout_releases_its_claim(
    member, private_redis, production_var_dir
):
    newcomer = MemberFactory()
    vouch = VouchFactory(voucher=member, vouchee=newcomer, status=Vouch.Status.PENDING)
    client = Client()
    client.force_login(newcomer)
    private_redis.freeze()
    server = WebServer(
        env={
            **production_env(production_var_dir),
            "PLEDGE_DATABASE_URL": database_url(),
            "PLEDGE_CELERY_BROKER_URL": private_redis.url(0),
            "PLEDGE_CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
            # As before the fix: the publish waits far longer than gunicorn does.
            "PLEDGE_BROKER_SOCKET_TIMEOUT": "60",
            "PLEDGE_BROKER_CONNECT_TIMEOUT": "60",
        },
        timeout=2,
    )
    try:
        status, _headers, _body = post_form(
            server,
            reverse("vouching:vouch_accept", kwargs={"vouch_id": vouch.pk}),
            {},
            session=client.cookies["sessionid"].value,
        )
    except OSError:
        status = None  # gunicorn dropped the connection with the worker
    finally:
        private_redis.thaw()
        server.stop()
    assert "WORKER TIMEOUT" in server.output(), server.output()[-2000:]
    assert status != 302

    assert Vouch.objects.get(pk=vouch.pk).status == Vouch.Status.ACCEPTED, "saved all the same"
    state = TrustState.load()
    assert state.dirty and state.enqueued_at is None, "the claim did not outlive the request"

    # The broker is back: the next sweep asks for the run at once.
    use_broker(private_redis.url(0))
    try:
        tasks.sweep()
        assert TrustState.load().enqueued_at is not None
        assert queue_size() >= 1
    finally:
        use_broker(None)
