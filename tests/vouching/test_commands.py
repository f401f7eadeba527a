import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching.models import Member, TrustState

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_createfounder_prompts_for_password(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt="": "Mei")
    out = StringIO()
    call_command("createfounder", "mei@example.com", stdout=out)
    founder = Member.objects.get(email="mei@example.com")
    assert founder.is_founder and founder.display_name == "Mei"
    assert founder.check_password(PASSWORD)
    assert founder.standing == "vouched"
    assert Client().login(email="mei@example.com", password=PASSWORD)


def test_createfounder_refuses_weak_or_mismatched_passwords(monkeypatch):
    answers = iter(["one", "two", "123", "123", "password", "password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = StringIO()
    with pytest.raises(CommandError, match="No acceptable password"):
        call_command("createfounder", "mei@example.com", "--name", "Mei", stderr=err)
    assert "do not match" in err.getvalue() and "too short" in err.getvalue()
    assert not Member.objects.exists()


def test_createfounder_link_sets_password_once():
    out = StringIO()
    call_command("createfounder", "jon@example.com", "--name", "Jon", "--link", stdout=out)
    founder = Member.objects.get(email="jon@example.com")
    assert not founder.has_usable_password()
    url = re.search(r"https?://\S+", out.getvalue()).group(0)
    path = url.split("localhost:8000", 1)[1]
    client = Client()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    founder.refresh_from_db()
    assert founder.check_password(PASSWORD)
    # The link is spent.
    again = Client().get(path, follow=True)
    assert "Bad Token" in again.text


def test_createfounder_existing_email(founder):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createfounder", founder.email, "--name", "X", "--link")


def test_recalculate_trust_command():
    founder = FounderFactory()
    member = MemberFactory()
    VouchFactory(voucher=founder, vouchee=member)
    out = StringIO()
    call_command("recalculate_trust", stdout=out)
    assert "2 members" in out.getvalue()
    assert Member.objects.in_good_standing().filter(pk=member.pk).exists()
    assert TrustState.load().computed_at is not None
    with pytest.raises(CommandError):
        call_command("recalculate_trust", "--metric", "nonsense")


def chain_of_single_vouches():
    """A founder's vouchee vouches once for a newcomer: "naive" (three vouched vouchers)
    leaves both pending, the default vouches the first."""
    founder = FounderFactory()
    first, second = MemberFactory.create_batch(2)
    VouchFactory(voucher=founder, vouchee=first)
    VouchFactory(voucher=first, vouchee=second)
    return founder, first, second


def test_recalculate_trust_with_another_metric_only_compares():
    _founder, first, _second = chain_of_single_vouches()
    call_command("recalculate_trust", stdout=StringIO())
    stored = TrustState.load()
    out = StringIO()
    call_command("recalculate_trust", "--metric", "naive", stdout=out)
    assert "naive would vouch 1 of 3 members; pledge (configured) vouches 2" in out.getvalue()
    assert "0 would become vouched, 1 would become pending" in out.getvalue()
    assert "PLEDGE_TRUST_METRIC=naive" in out.getvalue()
    assert TrustState.load().computed_at == stored.computed_at, "nothing stored"
    assert Member.objects.in_good_standing().filter(pk=first.pk).exists()


def test_every_run_uses_the_configured_metric(settings):
    from vouching import services, tasks

    _founder, first, _second = chain_of_single_vouches()
    settings.PLEDGE_TRUST_METRIC = "naive"
    call_command("recalculate_trust", stdout=StringIO())
    assert TrustState.load().metric == "naive"
    assert not Member.objects.in_good_standing().filter(pk=first.pk).exists()
    # The automatic runs (the task the broker runs, the nightly one) use it too.
    services.trust_graph_changed()
    assert tasks.recalculate_trust() is not None
    assert tasks.recalculate_trust(force=True) is not None
    assert TrustState.load().metric == "naive"
    settings.PLEDGE_TRUST_METRIC = "pledge"
    tasks.recalculate_trust(force=True)
    assert TrustState.load().metric == "pledge"
    assert Member.objects.in_good_standing().filter(pk=first.pk).exists()


def test_an_unknown_configured_metric_fails_the_system_check(settings):
    settings.PLEDGE_TRUST_METRIC = "pagerank-ish"
    with pytest.raises(SystemCheckError, match="PLEDGE_TRUST_METRIC is 'pagerank-ish'"):
        call_command("check")


def test_seed_demo_creates_a_believable_community(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    members = Member.objects.all()
    assert 38 <= members.count() <= 45
    assert members.filter(is_founder=True).count() == 2
    vouched = Member.objects.in_good_standing().count()
    assert vouched >= 35, "most of the demo community is vouched"
    assert Member.objects.count() - vouched >= 1, "and someone is still pending"
    assert members.exclude(avatar="").count() >= 25
    assert "vouched-demo-2026" in out.getvalue()
    from matchmaking.models import Match, Photo, Profile

    assert Profile.objects.count() >= 25 and Photo.objects.count() >= Profile.objects.count()
    assert not Profile.objects.filter(member__is_founder=True).exists(), "founders matchmake"
    assert Match.objects.active().count() == 1
    logins = re.findall(r"\S+@pledge\.example", out.getvalue())
    assert len(logins) >= 3
    assert Client().login(email=logins[0], password="vouched-demo-2026")
    # Not twice.
    call_command("seed_demo", stdout=StringIO())
    assert Member.objects.count() == members.count()
