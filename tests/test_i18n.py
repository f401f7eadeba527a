"""Pledge ships in English and Simplified Chinese: the catalogue is complete, compiled,
and the pages people read come out in Chinese with nothing left in English."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import FounderFactory, InvitationFactory, VouchedMemberFactory, VouchFactory
from vouching.selectors import invitation_token

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CHINESE_STATEMENT = (
    "我们认识十多年了，她为人真诚可靠，答应的事一定做到，我愿意用自己的信誉为她担保。"
)


def test_catalogue_is_complete():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    for entry in po.translated_entries():
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in mo if e.msgid}
    source = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in po.translated_entries()}
    assert compiled == source, "run `make messages` and commit locale/zh_Hans/LC_MESSAGES"


class VisibleText(HTMLParser):
    """The text a person reads: element text plus alt, aria-label and confirm prompts."""

    ATTRIBUTES = {"alt", "aria-label", "title", "placeholder", "hx-confirm"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [value for name, value in attrs if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_left(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Three English words in a row is a sentence someone forgot to translate.
    return re.findall(r"\b[A-Za-z][a-z']+(?:[ ,]+[A-Za-z][a-z']+){2,}", text)


@pytest.fixture
def chinese_client():
    def make(member=None):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if member:
            client.force_login(member)
        return client

    return make


@pytest.mark.django_db
def test_pages_read_entirely_in_chinese(chinese_client):
    mei = VouchedMemberFactory(display_name="梅")
    jon = VouchedMemberFactory(display_name="乔")
    VouchFactory(voucher=jon, vouchee=mei, statement=CHINESE_STATEMENT)
    VouchFactory(voucher=mei, vouchee=jon, statement=CHINESE_STATEMENT, status="pending")
    lin = VouchedMemberFactory(display_name="琳")
    VouchFactory(voucher=lin, vouchee=mei, statement=CHINESE_STATEMENT)
    VouchFactory(voucher=lin, vouchee=jon, statement=CHINESE_STATEMENT)
    VouchFactory(
        voucher=VouchedMemberFactory(display_name="林"),
        vouchee=mei,
        status="pending",
        statement=CHINESE_STATEMENT,
    )
    VouchFactory(
        voucher=VouchedMemberFactory(display_name="王"), vouchee=mei, statement=CHINESE_STATEMENT
    )
    invitation = InvitationFactory(inviter=mei, statement=CHINESE_STATEMENT)
    token = invitation_token(invitation)
    signed_in = chinese_client(mei)
    pages = {
        "welcome": (chinese_client(), reverse("home")),
        "home": (signed_in, reverse("home")),
        "member": (signed_in, jon.get_absolute_url()),
        "my page": (signed_in, mei.get_absolute_url()),
        "vouch form": (signed_in, reverse("vouching:member_vouch", args=[jon.public_id])),
        "invite form": (signed_in, reverse("vouching:vouch_new")),
        "settings": (signed_in, reverse("vouching:settings")),
        "standing": (signed_in, reverse("vouching:standing")),
        "signup closed": (chinese_client(), reverse("account_signup")),
        "login": (chinese_client(), reverse("account_login")),
        "invitation": (chinese_client(), reverse("vouching:invitation", args=[token])),
        "bad invitation": (chinese_client(), reverse("vouching:invitation", args=["x:y:z"])),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 400), name
        assert 'lang="zh-hans"' in response.text, name
        assert english_left(response.text) == [], name


@pytest.mark.django_db
def test_form_errors_come_in_chinese(chinese_client):
    mei = VouchedMemberFactory(display_name="梅", is_founder=True)
    jon = VouchedMemberFactory(display_name="乔")
    response = chinese_client(mei).post(
        reverse("vouching:member_vouch", args=[jon.public_id]),
        {"relationship": "friend", "known_for": "gt10", "strength": "2", "statement": "太短"},
    )
    error = re.search(r'id="id_statement_error">(.*?)</ul>', response.text, re.S).group(1)
    assert "至少" in error and "40" in error
    assert english_left(response.text) == []


@pytest.mark.django_db
def test_language_switch_in_footer(client):
    page = client.get(reverse("home"))
    assert reverse("vouching:language") in page.text
    response = client.post(reverse("vouching:language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert "像人们自古以来信任陌生人那样" in client.get(reverse("home")).text
    client.post(reverse("vouching:language"), {"language": "en", "next": "/"})
    assert "Meet people the way" in client.get(reverse("home")).text


@pytest.mark.django_db
def test_dating_pages_read_entirely_in_chinese(chinese_client):
    from matchmaking import services
    from tests.factories import man, woman

    mei = VouchedMemberFactory(display_name="梅")
    lena = woman(member__display_name="琳", bio="喜欢爬山和火锅。", city="杭州")
    jon = man(member__display_name="乔", bio="会做饭。", city="杭州")
    VouchFactory(voucher=mei, vouchee=lena.member, statement=CHINESE_STATEMENT)
    VouchFactory(voucher=mei, vouchee=jon.member, statement=CHINESE_STATEMENT)
    other = woman(member__display_name="玉", bio="读书。", city="杭州")
    VouchFactory(voucher=mei, vouchee=other.member, statement=CHINESE_STATEMENT)
    services.introduction_request(requester=jon.member, target=other.member, intermediary=mei)
    services.reaction_interest(actor=jon.member, target=lena.member)
    match = services.reaction_interest(actor=lena.member, target=jon.member)
    services.message_send(match=match, sender=jon.member, body="你好！")
    him = chinese_client(jon.member)
    pages = {
        "browse": reverse("matchmaking:browse"),
        "profile": reverse("matchmaking:person", args=[other.member.public_id]),
        "own profile form": reverse("matchmaking:profile"),
        "matches": reverse("matchmaking:matches"),
        "conversation": reverse("matchmaking:match", args=[match.pk]),
        "introductions": reverse("matchmaking:introductions"),
        "offer": reverse("matchmaking:introduction_offer"),
        "ask": reverse("matchmaking:introduction_ask", args=[other.member.public_id]),
        "report": reverse("matchmaking:report_profile", args=[other.member.public_id]),
        "notifications": reverse("matchmaking:notifications"),
        "circle": reverse("matchmaking:circle"),
        "home": reverse("home"),
    }
    for name, url in pages.items():
        response = him.get(url)
        assert response.status_code == 200, name
        assert english_left(response.text) == [], name
    friend = chinese_client(mei)
    assert english_left(friend.get(reverse("matchmaking:introductions")).text) == []


@pytest.mark.django_db
def test_moderation_pages_read_entirely_in_chinese(with_second_factor):
    from datetime import timedelta

    from django.utils import timezone

    from matchmaking import services
    from tests.factories import ModeratorFactory
    from vouching import services as vouching_services
    from vouching.models import ModerationRecord

    founder = FounderFactory(display_name="创")
    mei = VouchedMemberFactory(display_name="梅")
    jon = VouchedMemberFactory(display_name="乔")
    vouch = VouchFactory(voucher=founder, vouchee=mei, statement=CHINESE_STATEMENT)
    VouchFactory(voucher=mei, vouchee=jon, statement=CHINESE_STATEMENT)
    mod = ModeratorFactory()
    mod.display_name = "管"
    mod.save()
    report = services.report_file(reporter=jon, reported=mei, reason="fake", note="照片不是本人。")
    vouching_services.member_suspend(
        member=jon,
        moderator=mod,
        until=timezone.now() + timedelta(days=3),
        reason="harassment",
        note="多次骚扰。",
    )
    vouching_services.trust_recalculate(force=True)
    client = with_second_factor(mod)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    pages = [
        reverse("moderation:dashboard"),
        reverse("moderation:reports"),
        reverse("moderation:report", args=[report.pk]),
        reverse("moderation:member", args=[mei.public_id]),
        reverse("moderation:member_action", args=[mei.public_id, "ban"]),
        reverse("moderation:vouch_revoke", args=[vouch.pk]),
        reverse("moderation:rings"),
        reverse("moderation:log"),
        reverse("moderation:appeals"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert english_left(response.text) == [], url
    preview = client.post(
        reverse("moderation:vouch_revoke", args=[vouch.pk]),
        {"reason": "bad_vouch", "note": "不当担保。"},
    )
    assert english_left(preview.text) == []
    suspended = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    suspended.force_login(jon)
    record = ModerationRecord.objects.get(action="suspend")
    for url in (reverse("home"), reverse("vouching:appeal", args=[record.pk])):
        assert english_left(suspended.get(url).text) == [], url
