"""One Redis holds the cache and the broker, as on a single production machine. Stopped
or frozen, pages still render and vouches still save with nothing shown to the member;
once it is back, the sweeper asks for the recalculation the outage held back."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory, VouchFactory, man, woman
from vouching.models import Member, TrustState, Vouch

from .conftest import promptly
from .test_worker_killed import beat_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

STATEMENT = "We sang in the same choir for years; she is kind and keeps her word."


@pytest.fixture
def town(member):
    """Jon browses; Lena is someone he may see; ``member`` may vouch."""
    lena = woman(member__display_name="Lena")
    jon = man(member__display_name="Jon")
    VouchFactory(voucher=member, vouchee=lena.member)
    VouchFactory(voucher=member, vouchee=jon.member)
    return {"lena": lena.member, "jon": jon.member, "voucher": member}


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client


def pages_render(town) -> None:
    jon = signed_in(town["jon"])
    browse = jon.get(reverse("matchmaking:browse"))
    assert browse.status_code == 200 and "Lena" in browse.text
    person = jon.get(reverse("matchmaking:person", kwargs={"public_id": town["lena"].public_id}))
    assert person.status_code == 200 and "Lena" in person.text
    visitor = Client(raise_request_exception=False)
    assert visitor.get(reverse("account_login")).status_code == 200
    signed = visitor.post(
        reverse("account_login"), {"login": town["jon"].email, "password": PASSWORD}
    )
    assert signed.status_code == 302, signed.text[:500]


def vouches_save(town) -> Member:
    """A vouch written and one accepted, each with its confirmation and no error; the
    newcomer who accepted is pending until a recalculation runs."""
    voucher = signed_in(town["voucher"])
    stranger = MemberFactory(display_name="Kim")
    home = voucher.post(
        reverse("vouching:vouch_new"),
        {
            "email": stranger.email,
            "relationship": "friend",
            "known_for": "3to10",
            "strength": "2",
            "statement": STATEMENT,
        },
        follow=True,
    )
    assert home.status_code == 200
    assert "Kim is already a member" in home.text and "error" not in home.text.lower()
    assert Vouch.objects.filter(voucher=town["voucher"], vouchee=stranger).exists()

    newcomer = MemberFactory()
    vouch = VouchFactory(voucher=town["voucher"], vouchee=newcomer, status=Vouch.Status.PENDING)
    home = signed_in(newcomer).post(
        reverse("vouching:vouch_accept", kwargs={"vouch_id": vouch.pk}), follow=True
    )
    assert home.status_code == 200 and "error" not in home.text.lower()
    assert Vouch.objects.get(pk=vouch.pk).status == Vouch.Status.ACCEPTED
    state = TrustState.load()
    assert state.dirty and state.enqueued_at is None, "the failed request left no claim behind"
    return newcomer


def catches_up(newcomer, redis, start_worker) -> None:
    start_worker(PLEDGE_CELERY_BROKER_URL=redis.url(0), PLEDGE_CACHE_URL=redis.url(1))
    beat_until(
        lambda: newcomer.__class__.objects.get(pk=newcomer.pk).standing == "vouched", timeout=30
    )


def test_redis_stopped(town, redis_everywhere, start_worker, caplog):
    promptly(lambda: pages_render(town))  # and the cache is warm
    redis_everywhere.stop()
    promptly(lambda: pages_render(town))
    newcomer = promptly(lambda: vouches_save(town))
    assert any("Cache unreachable" in r.getMessage() for r in caplog.records)
    redis_everywhere.start()
    catches_up(newcomer, redis_everywhere, start_worker)


def test_redis_frozen(town, redis_everywhere, start_worker):
    promptly(lambda: pages_render(town))
    redis_everywhere.freeze()
    try:
        promptly(lambda: pages_render(town))
        newcomer = promptly(lambda: vouches_save(town))
    finally:
        redis_everywhere.thaw()
    catches_up(newcomer, redis_everywhere, start_worker)


def test_the_cache_reads_as_a_miss_and_says_so_once(private_redis, settings, caplog):
    from django.core.cache import cache

    from matchmaking.cache import OUTAGE

    settings.CACHES = {
        "default": {
            "BACKEND": "matchmaking.cache.ResilientRedisCache",
            "LOCATION": private_redis.url(1),
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "retry_after": 0},
        }
    }
    OUTAGE.until, OUTAGE.logged_at = 0.0, None
    cache.set("kept", 1)
    cache.incr("kept")
    private_redis.stop()
    assert cache.get("kept", "missing") == "missing"
    assert cache.add("lock", True), "as on a miss: allauth's rate-limit lock is taken"
    assert cache.get_many(["kept"]) == {} and not cache.has_key("kept")
    cache.set("kept", 3)
    cache.delete("kept")
    with pytest.raises(ValueError):
        cache.incr("kept")
    unreachable = [r for r in caplog.records if "Cache unreachable" in r.getMessage()]
    assert len(unreachable) == 1, "one line per outage interval, not one per call"
    private_redis.start()
    OUTAGE.until = 0.0
    cache.set("back", 1)
    assert cache.get("back") == 1
