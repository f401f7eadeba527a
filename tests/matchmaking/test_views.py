"""The dating pages through the test client: what a member can do, and what a stranger
cannot reach by changing an id."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from matchmaking import services
from matchmaking.models import Introduction, Match, Message, Notification, Photo, Profile, Report
from tests.factories import VouchedMemberFactory, VouchFactory, born_years_ago, man, woman
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 800), "#3a5fb3").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_create_profile_through_the_form(client_for):
    member = VouchedMemberFactory()
    client = client_for(member)
    response = client.post(
        reverse("matchmaking:profile"),
        {
            "is_dating": "on",
            "birth_date": born_years_ago(31).isoformat(),
            "gender": "nonbinary",
            "seeking": ["woman", "nonbinary"],
            "age_min": "25",
            "age_max": "40",
            "city": "Chengdu",
            "bio": "<b>Hot pot</b> evangelist",
            "reach": "2",
            "prompt_0": "food",
            "answer_0": "Mapo tofu",
            "prompt_1": "",
            "answer_1": "",
            "prompt_2": "",
            "answer_2": "",
        },
    )
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(member=member)
    assert profile.seeking == ["woman", "nonbinary"] and profile.reach == "2"
    page = client.get(reverse("matchmaking:person", args=[member.public_id])).text
    assert "&lt;b&gt;Hot pot&lt;/b&gt;" in page and "Mapo tofu" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"birth_date": born_years_ago(17).isoformat()}, "birth_date", "18 or older"),
        ({"age_min": "50", "age_max": "30"}, "age_max", "cannot be below"),
        ({"seeking": []}, "seeking", "required"),
        ({"prompt_0": "food", "answer_0": ""}, "answer_0", "Answer the prompt"),
    ],
)
def test_bad_profile_input_shows_errors_next_to_fields(client_for, change, field, message):
    member = VouchedMemberFactory()
    data = {
        "is_dating": "on",
        "birth_date": born_years_ago(31).isoformat(),
        "gender": "woman",
        "seeking": ["man"],
        "age_min": "25",
        "age_max": "40",
        "city": "Chengdu",
        "reach": "3",
        **change,
    }
    response = client_for(member).post(reverse("matchmaking:profile"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not Profile.objects.filter(member=member).exists()


def test_browse_shows_cards_with_trust_paths_and_htmx_interest(pair, client_for):
    _mei, lena, jon = pair
    client = client_for(jon.member)
    page = client.get(reverse("matchmaking:browse"))
    assert "Lena" in page.text and "Mei" in page.text and "(Colleague)" in page.text
    response = client.post(
        reverse("matchmaking:interest", args=[lena.member.public_id]), HTTP_HX_REQUEST="true"
    )
    assert "Interest sent" in response.text and "<html" not in response.text
    assert not Match.objects.exists()
    # Lena likes him back with a plain form post: a match, and off to the conversation.
    response = client_for(lena.member).post(
        reverse("matchmaking:interest", args=[jon.member.public_id])
    )
    match = Match.objects.get()
    assert response["Location"] == reverse("matchmaking:match", args=[match.pk])


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/browse/?page=2", "/browse/?page=2"),
        ("https://evil.example/phish", "/browse/"),
        ("//evil.example/phish", "/browse/"),
    ],
)
def test_a_pass_goes_back_only_to_a_page_of_this_site(pair, client_for, next_url, expected):
    _mei, lena, jon = pair
    response = client_for(jon.member).post(
        reverse("matchmaking:pass", args=[lena.member.public_id]), {"next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == expected


def test_browse_needs_a_profile_and_standing(client_for):
    member = VouchedMemberFactory()
    assert (
        "Create your dating profile first"
        in client_for(member).get(reverse("matchmaking:browse")).text
    )
    pending = woman(member__trust=None)
    from vouching.models import TrustScore

    TrustScore.objects.filter(member=pending.member).update(vouched=False)
    text = client_for(pending.member).get(reverse("matchmaking:browse")).text
    assert "Browsing opens once you are vouched" in text


def test_browse_query_count_is_bounded(pair, client_for, django_assert_max_num_queries):
    _mei, _lena, jon = pair
    for _ in range(10):
        woman()
    client = client_for(jon.member)
    client.get(reverse("matchmaking:browse"))
    with django_assert_max_num_queries(25):
        assert client.get(reverse("matchmaking:browse")).status_code == 200


def test_conversation_flow(pair, client_for):
    _mei, lena, jon = pair
    services.reaction_interest(actor=jon.member, target=lena.member)
    match = services.reaction_interest(actor=lena.member, target=jon.member)
    him, her = client_for(jon.member), client_for(lena.member)
    url = reverse("matchmaking:match", args=[match.pk])
    him.post(url, {"body": "Hi Lena <script>alert(1)</script>"})
    second = him.post(url, {"body": "Hello again"})
    assert "Wait for Lena to reply" in second.text
    page = her.get(url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert Message.objects.get().read_at is not None, "opening the conversation reads it"
    response = her.post(url, {"body": "Hi Jon!"}, HTTP_HX_REQUEST="true")
    assert 'id="conversation"' in response.text and "Hi Jon!" in response.text
    polled = him.get(reverse("matchmaking:match_messages", args=[match.pk]))
    assert "Hi Jon!" in polled.text
    her.post(reverse("matchmaking:unmatch", args=[match.pk]))
    assert him.get(url).status_code == 404


def test_introduction_flow_through_pages(pair, client_for):
    mei, lena, jon = pair
    him = client_for(jon.member)
    form = him.get(reverse("matchmaking:introduction_ask", args=[lena.member.public_id]))
    assert "Mei" in form.text
    him.post(
        reverse("matchmaking:introduction_ask", args=[lena.member.public_id]),
        {"intermediary": str(mei.public_id), "message": "Would you?"},
    )
    intro = Introduction.objects.get()
    friend = client_for(mei)
    assert (
        "Jon would like you to introduce them to Lena"
        in friend.get(reverse("matchmaking:introductions")).text
    )
    friend.post(
        reverse("matchmaking:introduction_act", args=[intro.pk, "introduce"]),
        {"note": "Both love hiking."},
    )
    her = client_for(lena.member)
    assert "Both love hiking." in her.get(reverse("matchmaking:introductions")).text
    her.post(reverse("matchmaking:introduction_act", args=[intro.pk, "accept"]))
    assert Match.objects.active().count() == 1


def test_photos_served_only_to_those_who_may_see_them(pair, client_for, media):
    _mei, lena, jon = pair
    photo = services.photo_add(member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
    url = reverse("matchmaking:photo", args=[photo.pk, "thumb"])
    assert client_for(jon.member).get(url).status_code == 200
    assert Client().get(url).status_code == 302
    lena.reach = "2"
    lena.save()
    stranger = man()
    assert client_for(stranger.member).get(url).status_code == 404
    assert (
        client_for(jon.member).get(reverse("matchmaking:photo", args=[photo.pk, "x"])).status_code
        == 404
    )


def test_notifications_page_marks_read(pair, client_for):
    _mei, lena, jon = pair
    services.reaction_interest(actor=jon.member, target=lena.member)
    services.reaction_interest(actor=lena.member, target=jon.member)
    client = client_for(jon.member)
    home = client.get(reverse("home")).text
    assert 'class="count"' in home
    page = client.get(reverse("matchmaking:notifications")).text
    assert "It&#x27;s a match: you and Lena" in page or "It's a match: you and Lena" in page
    assert not Notification.objects.filter(recipient=jon.member, read_at__isnull=True).exists()


def test_circle_draws_the_neighbourhood(pair, client_for):
    mei, lena, jon = pair
    response = client_for(mei).get(reverse("matchmaking:circle"))
    svg = response.context["drawing"].svg
    assert svg.startswith("<svg") and "Lena" in svg and "Jon" in svg
    assert svg.count("<line") == 2 and 'marker-end="url(#arrow2)"' in svg
    evil = VouchedMemberFactory(display_name="<img src=x onerror=alert(1)>")
    VouchFactory(voucher=evil, vouchee=mei)
    vouching_services.trust_graph_changed()
    svg = client_for(mei).get(reverse("matchmaking:circle") + "?format=svg").content.decode()
    assert "<img" not in svg and "&lt;img" in svg


def test_report_a_profile(pair, client_for):
    _mei, lena, jon = pair
    url = reverse("matchmaking:report_profile", args=[lena.member.public_id])
    response = client_for(jon.member).post(url, {"reason": "fake", "note": "Stolen photos."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reported == lena.member and report.profile == lena


def test_block_from_the_profile_page(pair, client_for):
    _mei, lena, jon = pair
    client_for(lena.member).post(reverse("matchmaking:block", args=[jon.member.public_id]))
    assert (
        client_for(jon.member)
        .get(reverse("matchmaking:person", args=[lena.member.public_id]))
        .status_code
        == 404
    )
    assert "Lena" not in client_for(jon.member).get(reverse("matchmaking:browse")).text


# EVERY URL WITH AN OBJECT ID, WALKED AS A STRANGER --------------------------------------


# Blocking takes a member page anyone signed in can see, so it is not in the walk.
NOT_SCOPED = {"block"}
READ_ONLY = {
    "person",
    "photo",
    "match",
    "match_messages",
    "introduction_ask",
    "report_profile",
    "report_photo",
    "report_message",
    "report_vouch",
}


def test_a_stranger_gets_404_for_every_object_id(pair, client_for, media):
    mei, lena, jon = pair
    lena.reach = "2"
    lena.save()
    intro = services.introduction_request(
        requester=jon.member, target=lena.member, intermediary=mei
    )
    services.reaction_interest(actor=jon.member, target=lena.member)
    match = services.reaction_interest(actor=lena.member, target=jon.member)
    message = services.message_send(match=match, sender=jon.member, body="Hi")
    photo = services.photo_add(member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
    pending = VouchFactory(voucher=jon.member, vouchee=lena.member, status="pending")
    ids = {
        "public_id": lena.member.public_id,
        "photo_id": photo.pk,
        "match_id": match.pk,
        "message_id": message.pk,
        "introduction_id": intro.pk,
        "vouch_id": pending.pk,
        "size": "thumb",
        "action": "accept",
    }
    stranger = man(member__display_name="Stranger")
    client = client_for(stranger.member)
    from matchmaking import dating_urls

    walked = []
    for pattern in dating_urls.urlpatterns:
        params = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        if not params or pattern.name in NOT_SCOPED:
            continue
        url = reverse(f"matchmaking:{pattern.name}", kwargs={p: ids[p] for p in params})
        send = client.get if pattern.name in READ_ONLY else client.post
        response = send(url)
        assert response.status_code == 404, f"{pattern.name}: {response.status_code}"
        walked.append(pattern.name)
    assert len(walked) == 16, walked
    # An accepted vouch is different: it shows on the vouchee's member page, which every
    # member may open (by design), so anyone who can read it may report it. The form
    # opens; nothing is recorded until it is sent.
    accepted = lena.member.vouches_received.get(voucher=mei, status="accepted")
    report_accepted = reverse("matchmaking:report_vouch", args=[accepted.pk])
    form = client.get(report_accepted)
    assert form.status_code == 200 and form.context["reported"] == mei
    assert form.context["back"] == lena.member.get_absolute_url()
    # ...but not by someone either of them has blocked.
    services.member_block(member=mei, other=stranger.member)
    assert client.get(report_accepted).status_code == 404
    # Nothing changed on the way.
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert Match.objects.active().filter(pk=match.pk).exists()
    assert Introduction.objects.get(pk=intro.pk).status == "intermediary"
    assert not Report.objects.exists()


# PRIVACY THROUGH INTRODUCTIONS AND ENDED MATCHES ---------------------------------------


def test_a_matchmaker_cannot_introduce_someone_hiding_from_connections(pair, client_for):
    mei, lena, jon = pair
    lena.hide_from_connections = True
    lena.save()
    client = client_for(mei)
    url = reverse("matchmaking:introduction_offer")
    page = client.get(url).text
    assert "Jon" in page and "Lena" not in page
    response = client.post(
        url,
        {
            "person_a": str(jon.member.public_id),
            "person_b": str(lena.member.public_id),
            "note": "You two!",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Introduction.objects.exists()


def test_after_unmatch_an_introduction_match_loses_the_profile_and_photos(pair, client_for, media):
    mei, lena, jon = pair
    photo = services.photo_add(member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
    intro = services.introduction_offer(
        intermediary=mei, person_a=jon.member, person_b=lena.member, note="You two!"
    )
    services.introduction_respond(introduction=intro, member=jon.member, accept=True)
    services.introduction_respond(introduction=intro, member=lena.member, accept=True)
    services.profile_pause(member=lena.member)
    him = client_for(jon.member)
    urls = [
        reverse("matchmaking:person", args=[lena.member.public_id]),
        reverse("matchmaking:photo", args=[photo.pk, "full"]),
        reverse("matchmaking:photo", args=[photo.pk, "thumb"]),
    ]
    assert [him.get(url).status_code for url in urls] == [200, 200, 200], "still matched"
    match = Match.objects.active().get()
    client_for(lena.member).post(reverse("matchmaking:unmatch", args=[match.pk]))
    assert [him.get(url).status_code for url in urls] == [404, 404, 404]


def test_the_circle_leaves_out_banned_suspended_and_inactive_members(pair, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from vouching.models import Member

    mei, lena, jon = pair
    names = {
        "Banned Bo": {"banned_at": timezone.now()},
        "Suspended Sue": {"suspended_until": timezone.now() + timedelta(days=3)},
        "Gone Gus": {"is_active": False},
    }
    for name, state in names.items():
        near = VouchedMemberFactory(display_name=f"{name} near")
        far = VouchedMemberFactory(display_name=f"{name} far")
        VouchFactory(voucher=mei, vouchee=near)  # next to Mei
        VouchFactory(voucher=far, vouchee=lena.member)  # beyond Lena
        Member.objects.filter(pk__in=[near.pk, far.pk]).update(**state)
    served = VouchedMemberFactory(display_name="Suspension served")
    VouchFactory(voucher=served, vouchee=jon.member)
    Member.objects.filter(pk=served.pk).update(suspended_until=timezone.now() - timedelta(days=1))
    vouching_services.trust_graph_changed()
    response = client_for(mei).get(reverse("matchmaking:circle"))
    drawing = response.context["drawing"]
    shown = {person.display_name for person in drawing.people}
    assert shown == {"Mei", "Lena", "Jon", "Suspension served"}
    for name in names:
        assert name not in drawing.svg and name not in response.text
    assert drawing.inner == 2 and drawing.outer == 1
    assert drawing.svg.count("<line") == 3


def test_polling_brings_the_reply_form_back_once_the_other_replied(pair, client_for):
    _mei, lena, jon = pair
    services.reaction_interest(actor=jon.member, target=lena.member)
    match = services.reaction_interest(actor=lena.member, target=jon.member)
    him = client_for(jon.member)
    page = him.post(reverse("matchmaking:match", args=[match.pk]), {"body": "Hi Lena"}, follow=True)
    assert "Wait for Lena to reply" in page.text and 'name="body"' not in page.text
    poll = reverse("matchmaking:match_messages", args=[match.pk])
    assert f"{poll}?waiting=1" in page.text, "the page polls saying it waits"
    polled = him.get(poll, {"waiting": "1"}, HTTP_HX_REQUEST="true").text
    assert "hx-swap-oob" not in polled and 'name="body"' not in polled, "nothing changed"

    services.message_send(match=match, sender=lena.member, body="Hi Jon!")
    polled = him.get(poll, {"waiting": "1"}, HTTP_HX_REQUEST="true").text
    assert "Hi Jon!" in polled
    assert 'id="reply" hx-swap-oob="true"' in polled and 'name="body"' in polled
    assert "Wait for Lena" not in polled
    assert f"{poll}?waiting=0" in polled, "the next poll knows the form is back"
    # The form already showing is left alone, with whatever he has started to write.
    polled = him.get(poll, {"waiting": "0"}, HTTP_HX_REQUEST="true").text
    assert "hx-swap-oob" not in polled and 'name="body"' not in polled


# REPORTS ------------------------------------------------------------------------------


def test_each_photo_has_a_report_link_and_the_report_is_recorded(pair, client_for, media):
    _mei, lena, jon = pair
    photos = [
        services.photo_add(member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
        for _ in range(2)
    ]
    client = client_for(jon.member)
    page = client.get(reverse("matchmaking:person", args=[lena.member.public_id])).text
    for photo in photos:
        assert reverse("matchmaking:report_photo", args=[photo.pk]) in page
    assert page.count("Report this photo") == 2
    own = client_for(lena.member).get(reverse("matchmaking:person", args=[lena.member.public_id]))
    assert "Report this photo" not in own.text, "nobody reports their own photo"
    url = reverse("matchmaking:report_photo", args=[photos[1].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "fake", "note": "A model from an advert."})
    assert response["Location"] == reverse("matchmaking:person", args=[lena.member.public_id])
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.photo) == (jon.member, lena.member, photos[1])
    assert report.note == "A model from an advert." and report.status == "open"


def test_report_a_vouch(pair, client_for):
    mei, lena, jon = pair
    vouch = lena.member.vouches_received.get(voucher=mei)
    client = client_for(jon.member)
    page = client.get(reverse("matchmaking:person", args=[lena.member.public_id])).text
    url = reverse("matchmaking:report_vouch", args=[vouch.pk])
    assert url in page
    response = client.post(url, {"reason": "fake", "note": "Mei met Lena yesterday."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.vouch) == (jon.member, mei, vouch)


@pytest.fixture
def conversation(pair):
    """Jon wrote to Lena; they are matched."""
    _mei, lena, jon = pair
    services.reaction_interest(actor=jon.member, target=lena.member)
    match = services.reaction_interest(actor=lena.member, target=jon.member)
    message = services.message_send(match=match, sender=jon.member, body="Send me money")
    return match, message, lena.member, jon.member


@pytest.mark.parametrize("ending", [None, "she unmatched", "he unmatched", "she blocked"])
def test_a_message_can_be_reported_after_the_match_ended(conversation, client_for, ending):
    match, message, lena, jon = conversation
    if ending == "she unmatched":
        services.match_end(member=lena, match=match)
    elif ending == "he unmatched":
        services.match_end(member=jon, match=match)
    elif ending == "she blocked":
        services.member_block(member=lena, other=jon)
    url = reverse("matchmaking:report_message", args=[message.pk])
    her = client_for(lena)
    assert her.get(url).status_code == 200
    response = her.post(url, {"reason": "scam", "note": "Asked for money."})
    back = (
        reverse("matchmaking:matches") if ending else reverse("matchmaking:match", args=[match.pk])
    )
    assert response.status_code == 302 and response["Location"] == back
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.message) == (lena, jon, message)


@pytest.mark.parametrize("who", ["the sender", "a stranger"])
def test_a_message_is_reported_only_by_the_other_person(conversation, client_for, who):
    match, message, lena, jon = conversation
    services.match_end(member=lena, match=match)
    reporter = jon if who == "the sender" else man().member
    url = reverse("matchmaking:report_message", args=[message.pk])
    client = client_for(reporter)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "scam"}).status_code == 404
    assert not Report.objects.exists()


def test_a_friend_who_vouched_sees_the_profile_without_the_dating_actions(pair, client_for):
    mei, lena, jon = pair
    him = client_for(jon.member)
    page = him.get(reverse("matchmaking:person", args=[lena.member.public_id])).text
    assert "Interested" in page and "Ask for an introduction" in page
    friend = client_for(mei)  # she vouched for Lena and has no dating profile
    profile_url = reverse("matchmaking:person", args=[lena.member.public_id])
    page = friend.get(profile_url).text
    assert "Lena" in page and "Interested" not in page and "Ask for an introduction" not in page
    response = friend.post(reverse("matchmaking:interest", args=[lena.member.public_id]))
    assert response.status_code == 302
    assert not lena.member.reactions_received.exists()
    ask = reverse("matchmaking:introduction_ask", args=[lena.member.public_id])
    response = friend.get(ask, follow=True)
    assert response.redirect_chain == [(profile_url, 302)]
    assert "This profile is not available." in response.text


def test_nobody_is_asked_to_introduce_someone_hiding_from_connections(pair, client_for):
    """Everyone who could introduce Jon to Lena knows her directly: she hides from them,
    so the page offers no introduction and the form refuses with the reason."""
    mei, lena, jon = pair
    Profile.objects.filter(member=lena.member).update(hide_from_connections=True)
    him = client_for(jon.member)
    profile_url = reverse("matchmaking:person", args=[lena.member.public_id])
    page = him.get(profile_url).text
    assert "Interested" in page and "Ask for an introduction" not in page
    ask = reverse("matchmaking:introduction_ask", args=[lena.member.public_id])
    response = him.get(ask, follow=True)
    assert response.redirect_chain == [(profile_url, 302)]
    assert "keeps their profile from the people who know them directly" in response.text
    response = him.post(ask, {"intermediary": str(mei.public_id), "message": "Would you?"})
    assert response.status_code == 302
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(recipient=mei).exists()


# BROWSING: WHO MAY, AND WHAT A CARD SAYS ------------------------------------------------


@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ({"is_dating": False}, "Browsing needs a dating profile"),
        ({"is_dating": False, "paused": True}, "Browsing needs a dating profile"),
        ({"paused": True}, "Your profile is paused"),
        (None, "Create your dating profile first"),
    ],
)
def test_browse_explains_why_not_without_browsing(client_for, monkeypatch, state, heading):
    from django.utils import timezone

    from matchmaking import selectors

    def no_browsing(**kwargs):
        raise AssertionError("the browse query ran")

    monkeypatch.setattr(selectors, "browse", no_browsing)
    if state is None:
        member = VouchedMemberFactory()
    else:
        paused_at = timezone.now() if state.get("paused") else None
        member = woman(is_dating=state.get("is_dating", True), paused_at=paused_at).member
    response = client_for(member).get(reverse("matchmaking:browse"))
    assert response.status_code == 200 and heading in response.text
    if state and not state.get("is_dating", True):
        assert "Your profile is paused" not in response.text
        assert reverse("matchmaking:profile") in response.text


def test_a_matchmaker_only_profile_is_hidden_from_browse_and_strangers(pair, client_for):
    mei, lena, jon = pair
    lena.is_dating = False
    lena.save()
    assert "Lena" not in client_for(jon.member).get(reverse("matchmaking:browse")).text
    stranger = man()
    url = reverse("matchmaking:person", args=[lena.member.public_id])
    assert client_for(stranger.member).get(url).status_code == 404
    assert client_for(jon.member).get(url).status_code == 404
    assert client_for(lena.member).get(url).status_code == 200, "the owner still sees it"


def test_cards_show_the_vouch_count_and_trust_level(pair, client_for):
    from vouching.models import TrustScore

    mei, lena, jon = pair
    VouchFactory(voucher=VouchedMemberFactory(), vouchee=lena.member)
    VouchFactory(voucher=VouchedMemberFactory(), vouchee=lena.member)
    TrustScore.objects.filter(member=lena.member).update(level=3)
    vouching_services.trust_graph_changed()
    response = client_for(jon.member).get(reverse("matchmaking:browse"))
    card = re.search(r'<article class="card profile-card".*?</article>', response.text, re.S)
    assert card and "Lena" in card.group(0)
    text = " ".join(card.group(0).split())
    assert "3 vouches" in text and "trust level 3" in text


def test_a_pass_with_htmx_answers_in_place(pair, client_for):
    from matchmaking.models import Reaction

    _mei, lena, jon = pair
    response = client_for(jon.member).post(
        reverse("matchmaking:pass", args=[lena.member.public_id]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="actions-{lena.member.public_id}"' in response.text
    assert "Passed. You will not see Lena in browsing again." in response.text
    assert Reaction.objects.get().kind == "pass"
    assert "Lena" not in client_for(jon.member).get(reverse("matchmaking:browse")).text


# THE PROFILE PAGE ----------------------------------------------------------------------


def test_the_profile_page_shows_the_strongest_vouches_and_counts_them_all(pair, client_for):
    from django.utils import timezone

    from vouching.models import Member

    mei, lena, jon = pair  # Mei's vouch for Lena has strength 2
    strong = [
        VouchFactory(
            voucher=VouchedMemberFactory(display_name=f"Strong {i}"),
            vouchee=lena.member,
            strength=3,
        )
        for i in range(20)
    ]
    VouchFactory(
        voucher=VouchedMemberFactory(display_name="Weakest"), vouchee=lena.member, strength=1
    )
    banned = VouchFactory(voucher=VouchedMemberFactory(display_name="Banned"), vouchee=lena.member)
    Member.objects.filter(pk=banned.voucher_id).update(banned_at=timezone.now())
    response = client_for(jon.member).get(
        reverse("matchmaking:person", args=[lena.member.public_id])
    )
    shown = response.context["vouches"]
    assert shown == sorted(strong, key=lambda v: (v.created_at, v.pk), reverse=True)
    assert response.context["vouch_total"] == 22, "Mei, twenty strong ones and the weakest"
    assert "22 vouches" in response.text and "The 20 strongest are shown" in response.text
    assert "Weakest" not in response.text and "Banned" not in response.text


def test_photos_up_to_10_mb_and_not_more(pair, client_for, media):
    from vouching.images import MAX_UPLOAD_BYTES

    _mei, lena, _jon = pair
    client = client_for(lena.member)
    picture = jpeg()
    exactly = picture + b"\0" * (MAX_UPLOAD_BYTES - len(picture))  # after the JPEG's end
    response = client.post(
        reverse("matchmaking:photo_add"), {"photo": SimpleUploadedFile("a.jpg", exactly)}
    )
    assert response.status_code == 302 and Photo.objects.count() == 1
    too_big = SimpleUploadedFile("b.jpg", exactly + b"\0")
    response = client.post(reverse("matchmaking:photo_add"), {"photo": too_big}, follow=True)
    assert "This image is larger than 10 MB." in response.text
    assert Photo.objects.count() == 1


def test_a_card_counts_the_vouches_its_profile_page_shows(pair, client_for):
    from django.utils import timezone

    from vouching.models import Member

    mei, lena, jon = pair
    banned = VouchFactory(voucher=VouchedMemberFactory(), vouchee=lena.member)
    Member.objects.filter(pk=banned.voucher_id).update(banned_at=timezone.now())
    vouching_services.trust_graph_changed()
    client = client_for(jon.member)
    card = next(
        c
        for c in client.get(reverse("matchmaking:browse")).context["page"].cards
        if c.member == lena.member
    )
    page = client.get(reverse("matchmaking:person", args=[lena.member.public_id]))
    assert page.context["vouch_total"] == 1
    assert card.vouches == page.context["vouch_total"]
