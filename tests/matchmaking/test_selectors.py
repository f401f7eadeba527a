"""Who may see and act on whom: the privacy rules of the dating side, as tables of cases."""

import pytest
from django.http import Http404

from matchmaking import selectors, services
from matchmaking.models import Introduction
from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services
from vouching.models import Vouch

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio():
    """Mei knows Jon and Lena directly (she vouched for Jon, Lena vouched for her); Jon
    and Lena are two steps apart."""
    mei = VouchedMemberFactory(display_name="Mei")
    jon, lena = man(member__display_name="Jon"), woman(member__display_name="Lena")
    VouchFactory(voucher=mei, vouchee=jon.member)
    VouchFactory(voucher=lena.member, vouchee=mei)
    vouching_services.trust_graph_changed()
    return mei, jon, lena


def reload(profile):
    return type(profile).objects.select_related("member__trust").get(pk=profile.pk)


# HIDDEN FROM CONNECTIONS, INTRODUCTIONS OR NOT -----------------------------------------


def test_people_known_leaves_out_who_hides_from_connections(trio):
    mei, jon, lena = trio
    assert selectors.people_known(member=mei) == [jon.member, lena.member]
    lena.hide_from_connections = True
    lena.save()
    assert selectors.people_known(member=mei) == [jon.member]


@pytest.mark.parametrize(
    ("kind", "hides", "intermediary_sees"),
    [
        ("requested", False, True),
        ("requested", True, False),
        ("offered", False, True),
        ("offered", True, False),
    ],
)
def test_the_intermediary_gains_no_access_to_a_hidden_profile(trio, kind, hides, intermediary_sees):
    mei, jon, lena = trio
    if kind == "requested":
        services.introduction_request(requester=jon.member, target=lena.member, intermediary=mei)
    else:
        services.introduction_offer(
            intermediary=mei, person_a=jon.member, person_b=lena.member, note="You two!"
        )
    # Mei would not see Lena's profile by the ordinary rules: she does not date.
    lena.hide_from_connections = hides
    lena.save()
    assert Introduction.objects.get().is_open
    assert selectors.may_see_profile(viewer=mei, profile=reload(lena)) is intermediary_sees
    # The two people being introduced see each other whatever the intermediary may see.
    assert selectors.may_see_profile(viewer=jon.member, profile=reload(lena))


# AN ENDED MATCH IS NO LONGER A CONNECTION ---------------------------------------------


@pytest.fixture
def introduced(trio):
    """Jon and Lena matched through Mei's introduction."""
    mei, jon, lena = trio
    intro = services.introduction_offer(
        intermediary=mei, person_a=jon.member, person_b=lena.member, note="You two!"
    )
    services.introduction_respond(introduction=intro, member=jon.member, accept=True)
    services.introduction_respond(introduction=intro, member=lena.member, accept=True)
    return trio


@pytest.mark.parametrize("change", ["paused", "out of reach"])
def test_after_unmatch_an_introduction_match_sees_only_what_the_rules_allow(introduced, change):
    mei, jon, lena = introduced
    if change == "paused":
        services.profile_pause(member=lena.member)
    else:
        lena.reach = "2"
        lena.save()
        Vouch.objects.filter(voucher=mei, vouchee=jon.member).update(status="revoked")
        vouching_services.trust_graph_changed()
    match = selectors.matches_of(member=jon.member).get()
    assert selectors.may_see_profile(viewer=jon.member, profile=reload(lena)), (
        "matched: they see each other"
    )
    services.match_end(member=lena.member, match=match)
    assert not selectors.may_see_profile(viewer=jon.member, profile=reload(lena))
    with pytest.raises(Http404):
        selectors.profile_for_viewer(viewer=jon.member, public_id=lena.member.public_id)


# WHO MAY SHOW INTEREST: SEEING A PROFILE IS NOT ENOUGH ---------------------------------


@pytest.mark.parametrize(
    ("case", "sees", "may_meet"),
    [
        ("a compatible member two steps away", True, True),
        ("a compatible member who vouched for her", True, True),
        ("a voucher without a dating profile", True, False),
        ("a voucher who is a matchmaker only", True, False),
        ("a voucher who has paused his profile", True, False),
        ("a voucher who wants to meet men", True, False),
        ("a voucher too old for her", True, False),
        ("a voucher she is too old for", True, False),
        ("a compatible member while she is paused", False, False),
        ("a compatible member she blocked", False, False),
        ("herself", True, False),
    ],
)
def test_who_may_express_interest(case, sees, may_meet):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import born_years_ago

    her = woman(reach="2")
    if case == "herself":
        viewer = her.member
    elif case == "a voucher without a dating profile":
        viewer = VouchedMemberFactory()
    else:
        his = {
            "a voucher who is a matchmaker only": {"is_dating": False},
            "a voucher who has paused his profile": {"paused_at": timezone.now()},
            "a voucher who wants to meet men": {"seeks_woman": False, "seeks_man": True},
            "a voucher too old for her": {"birth_date": born_years_ago(50)},
            "a voucher she is too old for": {"age_max": 25},
        }.get(case, {})
        viewer = man(**his).member
        if case == "a voucher too old for her":
            her.age_max = 40
            her.save()
    if case.startswith("a voucher") or case == "a compatible member who vouched for her":
        VouchFactory(voucher=viewer, vouchee=her.member)
    elif viewer != her.member:
        middle = VouchedMemberFactory()
        VouchFactory(voucher=viewer, vouchee=middle)
        VouchFactory(voucher=middle, vouchee=her.member)
    if case == "a compatible member while she is paused":
        her.paused_at = timezone.now() - timedelta(minutes=1)
        her.save()
    if case == "a compatible member she blocked":
        services.member_block(member=her.member, other=viewer)
    vouching_services.trust_graph_changed()
    viewer = type(viewer).objects.select_related("trust").get(pk=viewer.pk)
    assert selectors.may_see_profile(viewer=viewer, profile=reload(her)) is sees
    assert selectors.may_express_interest(viewer=viewer, profile=reload(her)) is may_meet


# VOUCH COUNTS: THE SAME ON A CARD AS ON THE PAGE ---------------------------------------


def test_vouch_counts_leave_out_hidden_and_blocked_vouchers():
    from datetime import timedelta

    from django.utils import timezone

    from vouching import selectors as vouching_selectors
    from vouching.models import Member

    her, other = woman(), woman()
    viewer = man().member
    vouchers = {name: VouchedMemberFactory() for name in ("a", "b", "banned", "gone", "held")}
    for voucher in vouchers.values():
        VouchFactory(voucher=voucher, vouchee=her.member)
    VouchFactory(voucher=vouchers["a"], vouchee=other.member)
    VouchFactory(voucher=VouchedMemberFactory(), vouchee=her.member, status="pending")
    Member.objects.filter(pk=vouchers["banned"].pk).update(banned_at=timezone.now())
    Member.objects.filter(pk=vouchers["gone"].pk).update(is_active=False)
    Member.objects.filter(pk=vouchers["held"].pk).update(
        suspended_until=timezone.now() + timedelta(days=1)
    )
    ids = [her.member.pk, other.member.pk, viewer.pk]
    assert selectors.vouch_counts(viewer=viewer, member_ids=ids) == {
        her.member.pk: 2,
        other.member.pk: 1,
    }
    services.member_block(member=vouchers["b"], other=viewer)
    counts = selectors.vouch_counts(viewer=viewer, member_ids=ids)
    assert counts[her.member.pk] == 1
    page = vouching_selectors.vouches_received(member=her.member, viewer=viewer)
    assert counts[her.member.pk] == page.count()


@pytest.mark.parametrize(
    ("direction", "hide", "visible"),
    [
        ("she vouched for him", True, False),
        ("he vouched for her", True, False),
        ("she vouched for him", False, True),
    ],
)
def test_hiding_from_connections_works_whichever_way_the_vouch_points(direction, hide, visible):
    her = woman(reach="all", hide_from_connections=hide)
    him = man()
    if direction == "she vouched for him":
        VouchFactory(voucher=her.member, vouchee=him.member)
    else:
        VouchFactory(voucher=him.member, vouchee=her.member)
    vouching_services.trust_graph_changed()
    assert selectors.may_see_profile(viewer=him.member, profile=reload(her)) is visible
    assert selectors.may_express_interest(viewer=him.member, profile=reload(her)) is visible
    shown = [card.member for card in selectors.browse(viewer=him.member).cards]
    assert (her.member in shown) is visible
