"""The dating rules: profiles, photos, interest, matches, introductions, messages, blocks."""

import io
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from PIL import Image

from matchmaking import selectors, services
from matchmaking.models import (
    Introduction,
    Match,
    Message,
    Notification,
    PhotoConfirmation,
    Profile,
    Reaction,
    Report,
)
from matchmaking.services.profiles import ProfileFields
from tests.factories import (
    FounderFactory,
    MemberFactory,
    VouchedMemberFactory,
    VouchFactory,
    born_years_ago,
    man,
    woman,
)
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def fields(**overrides):
    data = {
        "birth_date": born_years_ago(28),
        "gender": "woman",
        "seeking": ["man"],
        "age_min": 25,
        "age_max": 40,
        "city": "  Hang  zhou ",
        "bio": "Tea, mountains and bad puns.",
        "reach": "3",
        "hide_from_connections": False,
    }
    data.update(overrides)
    return ProfileFields(**data)


def jpeg(size=(1200, 900), gps=True) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    Image.new("RGB", size, "#2f7d4f").save(out, format="JPEG", exif=exif)
    return out.getvalue()


# PROFILES AND PHOTOS ------------------------------------------------------------------


def test_profile_save_normalises_and_keeps_prompts():
    member = VouchedMemberFactory()
    profile = services.profile_save(
        member=member,
        fields=fields(),
        prompts=[("sunday", " Hiking then hotpot "), ("food", ""), ("proud", "My garden")],
    )
    assert profile.city == "Hang zhou" and profile.city_key == "hang zhou"
    assert [(p.prompt, p.answer) for p in profile.prompts.all()] == [
        ("sunday", "Hiking then hotpot"),
        ("proud", "My garden"),
    ]
    assert profile.seeking == ["man"] and profile.age == 28


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": born_years_ago(17.9)}, "birth_date"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
        ({"age_min": 16}, "age_min"),
        ({"seeking": []}, "seeks_woman"),
        ({"gender": "alien"}, "gender"),
        ({"city": "  "}, "city"),
        ({"bio": "x" * 2001}, "bio"),
    ],
)
def test_profile_bad_input_is_refused(overrides, field):
    member = VouchedMemberFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(member=member, fields=fields(**overrides), prompts=[])
    assert field in excinfo.value.error_dict
    assert not Profile.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    "prompts",
    [
        [("sunday", "a"), ("food", "b"), ("proud", "c"), ("family", "d")],
        [("sunday", "a"), ("sunday", "b")],
    ],
)
def test_at_most_three_different_prompts(prompts):
    with pytest.raises(ValidationError):
        services.profile_save(member=VouchedMemberFactory(), fields=fields(), prompts=prompts)


def test_photos_lose_metadata_get_thumbnails_and_stop_at_six(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = woman()
    photo = services.photo_add(
        member=profile.member, upload=SimpleUploadedFile("me.jpg", jpeg(), "image/jpeg")
    )
    image = Image.open(photo.image.open("rb"))
    assert not image.getexif() and max(image.size) == 1200
    thumbnail = Image.open(photo.thumbnail.open("rb"))
    assert max(thumbnail.size) == 400
    assert (
        photo.image.name.startswith("photos/")
        and str(profile.member.public_id) not in photo.image.name
    )
    for _ in range(5):
        services.photo_add(
            member=profile.member, upload=SimpleUploadedFile("x.jpg", jpeg(gps=False))
        )
    with pytest.raises(ValidationError, match="up to 6 photos"):
        services.photo_add(member=profile.member, upload=SimpleUploadedFile("x.jpg", jpeg()))
    with pytest.raises(ValidationError, match="not an image"):
        services.photo_delete(member=profile.member, photo=photo)
        services.photo_add(
            member=profile.member, upload=SimpleUploadedFile("x.jpg", b"not an image")
        )


def test_only_a_voucher_confirms_photos(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = woman()
    services.photo_add(member=profile.member, upload=SimpleUploadedFile("me.jpg", jpeg()))
    friend, stranger = VouchedMemberFactory(), VouchedMemberFactory()
    VouchFactory(voucher=friend, vouchee=profile.member)
    assert services.photo_confirm(voucher=friend, profile=profile) == 1
    assert services.photo_confirm(voucher=friend, profile=profile) == 0
    with pytest.raises(ValidationError, match="Only people who vouched"):
        services.photo_confirm(voucher=stranger, profile=profile)
    assert PhotoConfirmation.objects.count() == 1


def test_pause_hides_at_once_and_keeps_everything():
    her, him = woman(), man()
    assert selectors.may_see_profile(him.member, her)
    services.profile_pause(member=her.member)
    her.refresh_from_db()
    assert not selectors.may_see_profile(him.member, her)
    assert selectors.may_see_profile(her.member, her), "the owner still sees it"
    services.profile_resume(member=her.member)
    her.refresh_from_db()
    assert selectors.may_see_profile(him.member, her) and her.bio


# WHO SEES WHOM: THE PRIVACY RULES AS A TABLE ------------------------------------------


def connect(a, b, hops):
    """A chain of vouches of ``hops`` links between two members."""
    chain = [a, *[VouchedMemberFactory() for _ in range(hops - 1)], b]
    for x, y in zip(chain, chain[1:], strict=False):
        VouchFactory(voucher=x, vouchee=y)
    vouching_services.trust_graph_changed()


@pytest.mark.parametrize(
    ("reach", "hide", "hops", "visible"),
    [
        ("2", False, 1, True),
        ("2", False, 2, True),
        ("2", False, 3, False),
        ("2", False, None, False),
        ("3", False, 3, True),
        ("3", False, 4, False),
        ("all", False, None, True),
        ("all", False, 4, True),
        ("all", True, 1, False),
        ("2", True, 2, True),
    ],
)
def test_reach_and_hiding(reach, hide, hops, visible):
    her = woman(reach=reach, hide_from_connections=hide)
    him = man()
    if hops:
        connect(him.member, her.member, hops)
    assert selectors.may_see_profile(him.member, her) is visible
    # Browsing applies the same rule, from the viewer's cached neighbourhood.
    shown = [card.member.pk for card in selectors.browse(viewer=him.member).cards]
    assert (her.member.pk in shown) is visible


@pytest.mark.parametrize(
    ("his", "hers", "visible"),
    [
        ({}, {}, True),
        ({"seeks_woman": False, "seeks_nonbinary": True}, {}, False),
        ({}, {"seeks_man": False, "seeks_woman": True}, False),
        ({"age_max": 29}, {}, False),
        ({}, {"age_max": 29}, False),
        ({"birth_date": born_years_ago(45)}, {"age_max": 44}, False),
    ],
)
def test_preferences_must_match_both_ways(his, hers, visible):
    her = woman(**hers)
    him = man(**his)
    assert selectors.may_see_profile(him.member, her) is visible


@pytest.mark.parametrize(
    ("case", "visible"),
    [
        ("blocked by her", False),
        ("she is blocked", False),
        ("she is not vouched", False),
        ("he is not vouched", False),
        ("she is banned", False),
        ("matched, though she hides", True),
        ("he vouched for her", True),
    ],
)
def test_blocks_standing_and_connections(case, visible):
    from django.utils import timezone

    from vouching.models import Member, TrustScore

    her = woman(reach="2")
    him = man()
    connect(him.member, her.member, 2)
    if case == "blocked by her":
        services.block(member=her.member, other=him.member)
    elif case == "she is blocked":
        services.block(member=him.member, other=her.member)
    elif case == "she is not vouched":
        TrustScore.objects.filter(member=her.member).update(vouched=False)
    elif case == "he is not vouched":
        TrustScore.objects.filter(member=him.member).update(vouched=False)
    elif case == "she is banned":
        Member.objects.filter(pk=her.member.pk).update(banned_at=timezone.now())
    elif case == "matched, though she hides":
        her.hide_from_connections = True
        her.reach = "2"
        her.save()
        Match.objects.create(
            member_a=min(her.member, him.member, key=lambda m: m.pk),
            member_b=max(her.member, him.member, key=lambda m: m.pk),
            source="interest",
        )
        VouchFactory(voucher=him.member, vouchee=her.member)
    elif case == "he vouched for her":
        him.seeks_woman = False  # preferences do not matter to a friend who vouched
        him.save()
        VouchFactory(voucher=him.member, vouchee=her.member)
    her = type(her).objects.select_related("member__trust").get(pk=her.pk)
    viewer = type(him.member).objects.select_related("trust").get(pk=him.member.pk)
    assert selectors.may_see_profile(viewer, her) is visible


# BROWSING -----------------------------------------------------------------------------


def test_browse_filters_orders_and_pages(settings, django_assert_max_num_queries):
    me = man()
    near = woman()
    connect(me.member, near.member, 1)
    two = woman()
    connect(me.member, two.member, 2)
    far = [woman() for _ in range(14)]
    other_city = woman(city="Beijing")
    too_old = woman(birth_date=born_years_ago(60))
    not_for_me = woman(seeks_man=False, seeks_woman=True)
    passed = woman()
    services.reaction_pass(actor=me.member, target=passed.member)
    blocked = woman()
    services.block(member=blocked.member, other=me.member)
    paused = woman()
    services.profile_pause(member=paused.member)
    me.age_max = 50
    me.save()
    with django_assert_max_num_queries(25):
        first = selectors.browse(viewer=me.member)
    shown = [c.member for c in first.cards]
    assert shown[:2] == [near.member, two.member], "closest in the trust graph first"
    assert first.cards[0].distance == 1 and first.cards[0].path.length == 1
    assert first.has_next and len(first.cards) == 12
    second = selectors.browse(viewer=me.member, page=2)
    assert len(second.cards) == 4 and not second.has_next
    everyone = shown + [c.member for c in second.cards]
    assert set(everyone) == {near.member, two.member, *(p.member for p in far)}
    for excluded in (other_city, too_old, not_for_me, passed, blocked, paused):
        assert excluded.member not in everyone
    wide = selectors.browse(viewer=me.member, any_city=True, page=2)
    assert len(wide.cards) == 5 and other_city.member in [c.member for c in wide.cards]
    # Far profiles follow in trust score order.
    scores = [c.member.trust.score for c in first.cards[2:]]
    assert scores == sorted(scores, reverse=True)


def test_browse_query_count_does_not_grow_with_the_page(django_assert_max_num_queries):
    me = man()
    for _ in range(12):
        her = woman()
        connect(me.member, her.member, 2)
    selectors.browse(viewer=me.member)  # warm the trust caches
    with django_assert_max_num_queries(12):
        page = selectors.browse(viewer=me.member)
    assert len(page.cards) == 12 and all(c.path for c in page.cards)


# INTEREST, PASSES AND MATCHES ---------------------------------------------------------


def test_interest_is_private_until_mutual():
    her, him = woman(), man()
    assert services.reaction_interest(actor=him.member, target=her.member) is None
    assert not Notification.objects.filter(recipient=her.member).exists()
    match = services.reaction_interest(actor=her.member, target=him.member)
    assert match and match.source == "interest"
    kinds = set(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {(her.member.pk, "match"), (him.member.pk, "match")}
    # Twice changes nothing.
    assert services.reaction_interest(actor=her.member, target=him.member) == match
    assert Match.objects.count() == 1


def test_interest_needs_a_visible_profile():
    her = woman(seeks_man=False, seeks_woman=True)
    him = man()
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=him.member, target=her.member)
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=him.member, target=him.member)


def test_interest_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man()
    services.reaction_interest(actor=him.member, target=woman().member)
    services.reaction_interest(actor=him.member, target=woman().member)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him.member, target=woman().member)
    assert Reaction.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_mutual_interest_at_the_same_moment_makes_one_match():
    her, him = woman(), man()
    barrier = threading.Barrier(2)
    errors = []

    def like(actor, target):
        try:
            barrier.wait(timeout=10)
            services.reaction_interest(actor=actor, target=target)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=like, args=(him.member, her.member)),
        threading.Thread(target=like, args=(her.member, him.member)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert Match.objects.active().count() == 1


def test_unmatch_ends_it_for_both():
    her, him = woman(), man()
    services.reaction_interest(actor=him.member, target=her.member)
    match = services.reaction_interest(actor=her.member, target=him.member)
    services.match_end(member=her.member, match=match)
    match.refresh_from_db()
    assert match.ended_at and match.ended_by == her.member
    with pytest.raises(ValidationError, match="ended"):
        services.message_send(match=match, sender=him.member, body="Hello?")
    assert not selectors.matches_of(member=him.member).exists()
    with pytest.raises(ValidationError, match="not your match"):
        services.match_end(member=VouchedMemberFactory(), match=match)


# MESSAGES -----------------------------------------------------------------------------


@pytest.fixture
def matched():
    her, him = woman(), man()
    services.reaction_interest(actor=him.member, target=her.member)
    match = services.reaction_interest(actor=her.member, target=him.member)
    return match, her.member, him.member


def test_one_message_until_the_other_replies(matched):
    match, her, him = matched
    services.message_send(match=match, sender=him, body="Hi! Dumplings?")
    with pytest.raises(ValidationError, match="Wait for"):
        services.message_send(match=match, sender=him, body="Hello??")
    services.message_send(match=match, sender=her, body="Yes, Saturday.")
    services.message_send(match=match, sender=him, body="Great!")
    services.message_send(match=match, sender=him, body="Where?")
    assert [m.body for m in selectors.messages_of(match)] == [
        "Hi! Dumplings?",
        "Yes, Saturday.",
        "Great!",
        "Where?",
    ]


def test_unread_counts_and_one_notification_per_conversation(matched):
    match, her, him = matched
    services.message_send(match=match, sender=him, body="Hi")
    services.message_send(match=match, sender=her, body="Hey")
    services.message_send(match=match, sender=him, body="How are you?")
    assert selectors.unread_message_count(her) == 2
    assert Notification.objects.filter(recipient=her, kind="message").count() == 1
    assert services.messages_mark_read(match=match, member=her) == 2
    assert selectors.unread_message_count(her) == 0
    services.message_send(match=match, sender=him, body="Still there?")
    assert Notification.objects.filter(recipient=her, kind="message").count() == 2


@pytest.mark.parametrize(
    ("body", "message"), [("   ", "Write a message"), ("x" * 2001, "under 2000")]
)
def test_bad_messages_are_refused(matched, body, message):
    match, _her, him = matched
    with pytest.raises(ValidationError, match=message):
        services.message_send(match=match, sender=him, body=body)
    assert not Message.objects.exists()


def test_only_the_two_may_write(matched):
    match, _her, _him = matched
    with pytest.raises(ValidationError, match="not your conversation"):
        services.message_send(match=match, sender=VouchedMemberFactory(), body="Hi")


def test_message_quota(matched, settings):
    settings.MESSAGE_DAILY_QUOTA = 3
    match, her, him = matched
    services.message_send(match=match, sender=him, body="1")
    services.message_send(match=match, sender=her, body="2")
    services.message_send(match=match, sender=him, body="3")
    services.message_send(match=match, sender=him, body="4")
    with pytest.raises(ValidationError, match="sent 3 messages today"):
        services.message_send(match=match, sender=him, body="5")


# INTRODUCTIONS ------------------------------------------------------------------------


@pytest.fixture
def trio():
    """Mei knows both Jon and Lena through vouches; Jon and Lena do not know each other."""
    mei = VouchedMemberFactory(display_name="Mei")
    jon, lena = man(member__display_name="Jon"), woman(member__display_name="Lena")
    VouchFactory(voucher=mei, vouchee=jon.member)
    VouchFactory(voucher=lena.member, vouchee=mei)
    vouching_services.trust_graph_changed()
    return mei, jon.member, lena.member


def test_requested_introduction_to_a_match(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(
        requester=jon, target=lena, intermediary=mei, message="Would you introduce us?"
    )
    assert intro.status == "intermediary"
    assert Notification.objects.filter(recipient=mei, kind="intro_request").exists()
    assert not Notification.objects.filter(recipient=lena).exists(), "private until introduced"
    with pytest.raises(ValidationError, match="Only the friend asked"):
        services.introduction_introduce(introduction=intro, member=jon, note="Hi")
    services.introduction_introduce(introduction=intro, member=mei, note="Jon cooks; Lena eats.")
    assert Notification.objects.filter(recipient=lena, kind="introduction").exists()
    with pytest.raises(ValidationError, match="not yours to answer"):
        services.introduction_respond(introduction=intro, member=mei, accept=True)
    intro = services.introduction_respond(introduction=intro, member=lena, accept=True)
    assert intro.status == "accepted"
    match = Match.objects.active().between(jon, lena).get()
    assert match.source == "introduction" and match.introduction == intro
    assert Notification.objects.filter(recipient=mei, kind="intro_accepted").exists()


def test_the_friend_declines_quietly(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_decline_quietly(introduction=intro, member=mei)
    intro.refresh_from_db()
    assert intro.status == "declined"
    assert not Notification.objects.filter(recipient__in=[jon, lena]).exists()


def test_the_other_person_declines(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_introduce(introduction=intro, member=mei, note="You two!")
    services.introduction_respond(introduction=intro, member=lena, accept=False)
    intro.refresh_from_db()
    assert intro.status == "declined" and not Match.objects.exists()


def test_a_matchmaker_needs_both_to_accept(trio):
    mei, jon, lena = trio
    intro = services.introduction_offer(
        intermediary=mei, person_a=jon, person_b=lena, note="I have a feeling about this."
    )
    assert set(
        Notification.objects.filter(kind="introduction").values_list("recipient_id", flat=True)
    ) == {
        jon.pk,
        lena.pk,
    }
    services.introduction_respond(introduction=intro, member=jon, accept=True)
    assert not Match.objects.exists()
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    assert Match.objects.active().between(jon, lena).exists()


def test_introducer_must_know_both(trio):
    _mei, jon, lena = trio
    stranger = VouchedMemberFactory()
    with pytest.raises(ValidationError, match="knows both of you"):
        services.introduction_request(requester=jon, target=lena, intermediary=stranger)
    with pytest.raises(ValidationError, match="knows both of you"):
        services.introduction_offer(intermediary=stranger, person_a=jon, person_b=lena, note="x")


def test_one_introduction_at_a_time_and_a_daily_limit(trio, settings):
    mei, jon, lena = trio
    services.introduction_request(requester=jon, target=lena, intermediary=mei)
    with pytest.raises(ValidationError, match="already under way"):
        services.introduction_request(requester=jon, target=lena, intermediary=mei)
    settings.INTRODUCTION_DAILY_QUOTA = 1
    other = woman()
    VouchFactory(voucher=other.member, vouchee=mei)
    with pytest.raises(ValidationError, match="1 introductions today"):
        services.introduction_request(requester=jon, target=other.member, intermediary=mei)


def test_only_the_starter_withdraws(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    with pytest.raises(ValidationError, match="Only whoever started it"):
        services.introduction_withdraw(introduction=intro, member=lena)
    services.introduction_withdraw(introduction=intro, member=jon)
    intro.refresh_from_db()
    assert intro.status == "withdrawn"


# BLOCKS AND REPORTS -------------------------------------------------------------------


def test_block_removes_them_from_each_other_everywhere(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_introduce(introduction=intro, member=mei, note="You two!")
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    match = Match.objects.active().between(jon, lena).get()
    services.message_send(match=match, sender=jon, body="Hi Lena")
    services.block(member=lena, other=jon)
    match.refresh_from_db()
    assert match.ended_at is not None
    assert not selectors.matches_of(member=jon).exists()
    assert selectors.unread_message_count(lena) == 0
    assert not selectors.notifications_of(member=lena).filter(actor=jon).exists()
    with pytest.raises(ValidationError):
        services.reaction_interest(actor=jon, target=lena)
    with pytest.raises(ValidationError, match="not possible"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="Again?")
    services.unblock(member=lena, other=jon)
    assert not Match.objects.active().exists(), "an ended match stays ended"


def test_report_is_recorded(matched):
    match, her, him = matched
    message = services.message_send(match=match, sender=him, body="Send me money")
    report = services.report_file(
        reporter=her, reported=him, reason="scam", note="Asked for money.", message=message
    )
    assert Report.objects.get() == report and report.status == "open"
    with pytest.raises(ValidationError):
        services.report_file(reporter=her, reported=him, reason="because")
    with pytest.raises(ValidationError, match="report yourself"):
        services.report_file(reporter=her, reported=her, reason="fake")


# NOTIFICATIONS ------------------------------------------------------------------------


def send_emails():
    return sum(
        services.notification_send_email(notification_id=i)
        for i in services.notification_emails_pending()
    )


def test_notifications_are_emailed_once_in_the_recipients_language(matched):
    match, her, him = matched
    type(her).objects.filter(pk=her.pk).update(language="zh-hans")
    assert send_emails() == 2
    assert send_emails() == 0
    to_her = next(m for m in mail.outbox if m.to == [her.email])
    to_him = next(m for m in mail.outbox if m.to == [him.email])
    assert him.display_name in to_her.body and "配对" in to_her.subject
    assert her.display_name in to_him.body and "match" in to_him.subject.lower()


def test_vouches_notify_through_signals(django_capture_on_commit_callbacks):
    founder = FounderFactory()
    vouchee = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vouch = vouching_services.vouch_create(
            voucher=founder,
            vouchee=vouchee,
            fields=vouching_services.VouchFields("friend", "1to3", 2, "x" * 60),
        )
    assert Notification.objects.filter(recipient=vouchee, kind="vouch", vouch=vouch).exists()
    with django_capture_on_commit_callbacks(execute=True):
        vouching_services.vouch_accept(vouch=vouch, member=vouchee)
    assert Notification.objects.filter(recipient=founder, kind="vouch_accepted").exists()


@pytest.mark.parametrize(
    ("case", "shown"),
    [
        ("vouched", True),
        ("not vouched", False),
        ("no score yet", False),
        ("founder with no score yet", True),
        ("banned", False),
        ("suspended", False),
        ("suspension over", True),
        ("account closed", False),
    ],
)
def test_browsing_shows_only_members_in_good_standing(case, shown):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import FounderFactory
    from vouching.models import Member, TrustScore

    her = woman(reach="all") if case != "founder with no score yet" else None
    if her is None:
        her = woman(reach="all", member=FounderFactory())
    him = man()
    member = Member.objects.filter(pk=her.member.pk)
    now = timezone.now()
    if case == "not vouched":
        TrustScore.objects.filter(member=her.member).update(vouched=False)
    elif case in ("no score yet", "founder with no score yet"):
        TrustScore.objects.filter(member=her.member).delete()
    elif case == "banned":
        member.update(banned_at=now)
    elif case == "suspended":
        member.update(suspended_until=now + timedelta(days=3))
    elif case == "suspension over":
        member.update(suspended_until=now - timedelta(minutes=1))
    elif case == "account closed":
        member.update(is_active=False)
    vouching_services.trust_graph_changed()  # as moderation and account changes do
    shown_ids = [card.member.pk for card in selectors.browse(viewer=him.member).cards]
    assert (her.member.pk in shown_ids) is shown


@pytest.mark.parametrize("third_ring", ["read whole", "asked in batches"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_browse_pages_agree_with_the_whole_graph(seed, third_ring, monkeypatch):
    """Every page equals the order computed from the whole graph: distance (three links
    at most count), then trust score; whether the viewer's third ring is read whole, or
    asked about lazily in small batches."""
    import random

    import networkx as nx

    from vouching.models import TrustScore

    monkeypatch.setattr(selectors, "DISTANCE_BATCH", 2)
    monkeypatch.setattr(selectors, "FIRST_ROWS", 3)
    if third_ring == "asked in batches":
        monkeypatch.setattr(selectors, "THIRD_RING_LINKS", 0)
    way = {
        "read whole": "_beyond_two_from_ring",
        "asked in batches": "_beyond_two_asking",
    }[third_ring]
    taken = []
    original = getattr(selectors, way)
    monkeypatch.setattr(selectors, way, lambda *a, **k: taken.append(1) or original(*a, **k))
    rng = random.Random(seed)
    me = man()
    women = [
        woman(reach=rng.choice(["2", "3", "all"]), hide_from_connections=rng.random() < 0.3)
        for _ in range(30)
    ]
    others = VouchedMemberFactory.create_batch(12)
    people = [me.member, *(w.member for w in women), *others]
    graph = nx.Graph()
    graph.add_nodes_from(p.pk for p in people)
    for _ in range(45):
        a, b = rng.sample(people, 2)
        if not graph.has_edge(a.pk, b.pk):
            VouchFactory(voucher=a, vouchee=b)
            graph.add_edge(a.pk, b.pk)
    for w in women:
        TrustScore.objects.filter(member=w.member).update(score=round(rng.random(), 6))
    vouching_services.trust_graph_changed()
    hops = nx.single_source_shortest_path_length(graph, me.member.pk, cutoff=3)
    expected = []
    for w in women:
        w.refresh_from_db()
        d = hops.get(w.member.pk, selectors.FAR)
        if selectors._shown(w.reach, w.hide_from_connections, d):
            score = TrustScore.objects.get(member=w.member).score
            expected.append((d, -score, w.member.pk))
    expected = [member for *_key, member in sorted(expected)]
    shown, number = [], 1
    while True:
        page = selectors.browse(viewer=me.member, page=number)
        shown += [card.member.pk for card in page.cards]
        for card in page.cards:
            assert card.distance == (hops.get(card.member.pk) if card.member.pk in hops else None)
        if not page.has_next:
            break
        number += 1
    assert shown == expected
    assert taken  # the way under test was the one taken


def test_no_requested_introduction_to_someone_hiding_from_connections(trio):
    """Mei knows Lena directly: asking her would tell her that Lena dates here."""
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(hide_from_connections=True)
    with pytest.raises(ValidationError, match="Lena keeps their profile from the people"):
        services.introduction_request(requester=jon, target=lena, intermediary=mei)
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(recipient=mei).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"seeks_man": False, "seeks_woman": True},  # she wants to meet women only
        {"age_max": 20},  # he is older than she wants
    ],
)
def test_no_offered_introduction_of_people_not_looking_for_each_other(trio, change):
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(**change)
    with pytest.raises(ValidationError, match="Jon and Lena are not looking for someone like"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="You two!")
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(kind="introduction").exists()


def test_no_offered_introduction_of_someone_hiding_from_connections(trio):
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(hide_from_connections=True)
    with pytest.raises(ValidationError, match="Lena is not dating on Pledge right now"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="You two!")
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(kind="introduction").exists()


# QUOTAS: A PASS FREES NOTHING, AND PARALLEL REQUESTS CANNOT OVERRUN THEM ---------------


def test_passing_after_interest_does_not_free_the_interest_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man()
    first, second, third = woman(), woman(), woman()
    services.reaction_interest(actor=him.member, target=first.member)
    services.reaction_pass(actor=him.member, target=first.member)
    services.reaction_interest(actor=him.member, target=second.member)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him.member, target=third.member)
    assert not Reaction.objects.filter(target=third.member).exists()
    # Changing his mind about the first counts her once, not twice.
    services.reaction_interest(actor=him.member, target=first.member)
    assert Reaction.objects.filter(actor=him.member, kind="interest").count() == 2


def test_unmatching_does_not_free_the_interest_quota(settings, matched):
    settings.INTEREST_DAILY_QUOTA = 2
    match, her, him = matched
    services.reaction_interest(actor=him, target=woman().member)
    services.match_end(member=him, match=match)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him, target=woman().member)


def test_an_unmatched_introduction_match_leaves_each_others_browsing(trio):
    mei, jon, lena = trio
    intro = services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="!")
    services.introduction_respond(introduction=intro, member=jon, accept=True)
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    match = Match.objects.active().get()
    services.match_end(member=jon, match=match)
    shown_to_jon = [card.member for card in selectors.browse(viewer=jon).cards]
    shown_to_lena = [card.member for card in selectors.browse(viewer=lena).cards]
    assert lena not in shown_to_jon and jon not in shown_to_lena
    assert set(Reaction.objects.values_list("actor_id", "target_id", "kind")) == {
        (jon.pk, lena.pk, "pass"),
        (lena.pk, jon.pk, "pass"),
    }
    # Ending it twice changes nothing.
    services.match_end(member=lena, match=match)
    assert Reaction.objects.count() == 2


def at_once(calls):
    """Run each call in its own thread and database connection, all released together;
    returns the errors raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    close_old_connections()
    return errors


def only_quota_refusals(errors, expected):
    assert len(errors) == expected, errors
    assert all(isinstance(e, ValidationError) and e.code == "quota" for e in errors), errors


@pytest.mark.django_db(transaction=True)
def test_parallel_interest_cannot_overrun_the_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man().member
    women = [woman().member for _ in range(5)]
    errors = at_once([lambda w=w: services.reaction_interest(actor=him, target=w) for w in women])
    only_quota_refusals(errors, 3)
    assert Reaction.objects.filter(actor=him, kind="interest").count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_messages_cannot_overrun_the_quota(settings):
    settings.MESSAGE_DAILY_QUOTA = 2
    him = man().member
    matches = []
    for _ in range(5):
        her = woman().member
        services.reaction_interest(actor=him, target=her)
        matches.append(services.reaction_interest(actor=her, target=him))
    errors = at_once(
        [lambda m=m: services.message_send(match=m, sender=him, body="Hello!") for m in matches]
    )
    only_quota_refusals(errors, 3)
    assert Message.objects.filter(sender=him).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_introduction_requests_cannot_overrun_the_quota(settings):
    settings.INTRODUCTION_DAILY_QUOTA = 2
    mei = VouchedMemberFactory()
    him = man().member
    VouchFactory(voucher=mei, vouchee=him)
    women = []
    for _ in range(5):
        her = woman().member
        VouchFactory(voucher=mei, vouchee=her)
        women.append(her)
    vouching_services.trust_graph_changed()
    errors = at_once(
        [
            lambda w=w: services.introduction_request(requester=him, target=w, intermediary=mei)
            for w in women
        ]
    )
    only_quota_refusals(errors, 3)
    assert Introduction.objects.filter(person_a=him).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_introduction_offers_cannot_overrun_the_quota(settings):
    settings.INTRODUCTION_DAILY_QUOTA = 2
    mei = VouchedMemberFactory()
    pairs = []
    for _ in range(5):
        him, her = man().member, woman().member
        VouchFactory(voucher=mei, vouchee=him)
        VouchFactory(voucher=mei, vouchee=her)
        pairs.append((him, her))
    vouching_services.trust_graph_changed()
    errors = at_once(
        [
            lambda a=a, b=b: services.introduction_offer(
                intermediary=mei, person_a=a, person_b=b, note="You two!"
            )
            for a, b in pairs
        ]
    )
    only_quota_refusals(errors, 3)
    assert Introduction.objects.filter(intermediary=mei).count() == 2


RAW_NAME = "Zoë O'Brien & <Co>"


@pytest.mark.parametrize(
    "kind",
    [
        "match",
        "intro_request",
        "introduction",
        "intro_accepted",
        "message",
        "vouch",
        "vouch_accepted",
    ],
)
def test_email_subjects_and_bodies_carry_names_as_written(kind):
    actor = VouchedMemberFactory(display_name=RAW_NAME)
    recipient = VouchedMemberFactory()
    Notification.objects.create(recipient=recipient, actor=actor, kind=kind)
    assert send_emails() == 1
    email = mail.outbox[-1]
    assert RAW_NAME in email.subject, email.subject
    assert RAW_NAME in email.body
    assert "&amp;" not in email.subject + email.body and "&#x27;" not in email.subject


def test_invitation_subject_carries_the_name_as_written():
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(inviter=FounderFactory(display_name=RAW_NAME))
    assert vouching_services.invitation_send_email(invitation_id=invitation.pk)
    email = mail.outbox[-1]
    assert email.subject == f"{RAW_NAME} vouched for you on Pledge"
    assert RAW_NAME in email.body


@pytest.mark.parametrize("voucher", ["without a profile", "wanting someone else"])
def test_a_voucher_sees_the_profile_but_cannot_show_interest_or_ask(trio, voucher):
    mei, jon, lena = trio
    if voucher == "without a profile":
        friend = VouchedMemberFactory()
    else:
        friend = man(seeks_woman=False, seeks_man=True).member
    VouchFactory(voucher=friend, vouchee=lena)
    VouchFactory(voucher=mei, vouchee=friend)
    vouching_services.trust_graph_changed()
    assert selectors.may_see_profile(friend, Profile.objects.get(member=lena))
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=friend, target=lena)
    with pytest.raises(ValidationError, match="not available"):
        services.introduction_request(requester=friend, target=lena, intermediary=mei)
    assert not Reaction.objects.exists() and not Introduction.objects.exists()
    assert not Notification.objects.exists()
