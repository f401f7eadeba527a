"""Reports: one open report per thing, a daily quota that holds under parallel requests,
and vouch report pages only for vouches the viewer may see."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking import services
from matchmaking.models import Report
from tests.factories import MemberFactory, VouchedMemberFactory, VouchFactory, woman
from tests.matchmaking.services.test_quotas import at_once
from vouching import services as vouching_services
from vouching.models import Member

pytestmark = pytest.mark.django_db


def report(reporter, profile, reason="fake"):
    return services.report_file(
        reporter=reporter, reported=profile.member, reason=reason, profile=profile
    )


def test_the_same_open_report_twice_is_refused(member):
    lena = woman()
    report(member, lena)
    with pytest.raises(ValidationError) as refused:
        report(member, lena, reason="scam")
    assert refused.value.code == "duplicate"
    assert Report.objects.count() == 1
    # Once the moderators closed it, it may be reported again.
    Report.objects.update(status=Report.Status.DISMISSED)
    report(member, lena)


def test_reports_have_a_daily_quota(member, settings):
    settings.REPORT_DAILY_QUOTA = 2
    report(member, woman())
    report(member, woman())
    with pytest.raises(ValidationError, match="2 reports today") as refused:
        report(member, woman())
    assert refused.value.code == "quota"


def test_the_report_page_says_so_next_to_the_form(member, client_for, settings):
    settings.REPORT_DAILY_QUOTA = 0
    lena = woman()
    url = reverse("matchmaking:report_profile", args=[lena.member.public_id])
    VouchFactory(voucher=member, vouchee=lena.member)  # he may see her profile
    response = client_for(member).post(url, {"reason": "fake", "note": "x"})
    assert response.status_code == 200 and "0 reports today" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_parallel_reports_cannot_overrun_the_quota_or_repeat(settings):
    settings.REPORT_DAILY_QUOTA = 2
    reporter = VouchedMemberFactory()
    profiles = [woman() for _ in range(5)]
    errors = at_once([lambda p=p: report(reporter, p) for p in profiles])
    assert len(errors) == 3 and {e.code for e in errors} == {"quota"}
    assert Report.objects.filter(reporter=reporter).count() == 2
    settings.REPORT_DAILY_QUOTA = 100
    again = woman()
    errors = at_once([lambda: report(reporter, again) for _ in range(5)])
    assert len(errors) == 4 and {e.code for e in errors} == {"duplicate"}


@pytest.fixture
def vouch_shown(member):
    """An accepted vouch on the page of a member everyone may see."""
    voucher, vouchee = VouchedMemberFactory(display_name="Voucher"), VouchedMemberFactory()
    return VouchFactory(voucher=voucher, vouchee=vouchee)


def report_vouch_page(client, vouch):
    return client.get(reverse("matchmaking:report_vouch", args=[vouch.pk]))


def test_a_vouch_shown_on_a_member_page_may_be_reported(member, client_for, vouch_shown):
    response = report_vouch_page(client_for(member), vouch_shown)
    assert response.status_code == 200 and "Voucher" in response.content.decode()


@pytest.mark.parametrize("hidden", ["voucher", "vouchee"])
@pytest.mark.parametrize("how", ["banned", "suspended", "closed"])
def test_a_vouch_touching_a_hidden_member_is_not_found(
    member, client_for, vouch_shown, hidden, how
):
    change = {
        "banned": {"banned_at": timezone.now()},
        "suspended": {"suspended_until": timezone.now() + timezone.timedelta(days=2)},
        "closed": {"is_active": False},
    }[how]
    Member.objects.filter(pk=getattr(vouch_shown, f"{hidden}_id")).update(**change)
    response = report_vouch_page(client_for(member), vouch_shown)
    assert response.status_code == 404
    assert "Voucher" not in response.content.decode()


def test_a_vouch_by_someone_who_blocked_the_viewer_is_not_found(member, client_for, vouch_shown):
    vouching_services.member_block(member=vouch_shown.voucher, other=member)
    assert report_vouch_page(client_for(member), vouch_shown).status_code == 404


def test_a_pending_vouch_is_not_found(member, client_for):
    vouch = VouchFactory(voucher=VouchedMemberFactory(), vouchee=MemberFactory(), status="pending")
    missing = report_vouch_page(client_for(member), vouch)
    assert missing.status_code == 404
