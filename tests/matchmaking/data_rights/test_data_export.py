"""A member downloads everything Pledge holds about them: a ZIP of one JSON document and
their photos, behind a fresh password check, at most once every few minutes."""

import io
import json
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from matchmaking import selectors
from matchmaking.models import Match, Message, Notification, Photo
from vouching.models import Member

from .conftest import reauthenticated

pytestmark = pytest.mark.django_db

SECTIONS = {
    "format", "exported_at", "account", "vouches_given", "vouches_received",
    "invitations_sent", "blocks", "trust", "moderation", "profile", "photos",
    "interest_and_passes", "matches", "introductions", "reports_filed", "notifications",
}  # fmt: skip


def export(member) -> tuple[dict, zipfile.ZipFile]:
    out = io.BytesIO()
    selectors.member_export(member=member, file=out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return json.loads(archive.read("pledge.json")), archive


def test_every_section_is_there_and_matches_the_database(lived_in):
    lena = lived_in.lena
    data, archive = export(lena)
    assert set(data) == SECTIONS
    account = data["account"]
    assert account["email"] == lena.email and account["id"] == str(lena.public_id)
    assert {e["email"] for e in account["email_addresses"]} == {
        lena.email,
        "lena.other@example.com",
    }
    assert [a["type"] for a in account["two_factor"]] == ["totp"]
    assert account["two_factor_on"] is True
    assert data["profile"]["bio"] == "Tea and mountains." and data["profile"]["gender"] == "woman"
    assert [v["person"]["name"] for v in data["vouches_given"]] == ["Jon", "Ann"]
    assert data["vouches_given"][0]["statement"].startswith("Jon is kind")
    assert [v["person"]["name"] for v in data["vouches_received"]] == ["Mei"]
    assert [i["email"] for i in data["invitations_sent"]] == ["friend-of-lena@example.com"]
    assert [b["person"]["name"] for b in data["blocks"]] == ["Ann"]
    assert data["trust"]["standing"] == lena.standing
    assert [(r["action"], r["note"]) for r in data["moderation"]] == [
        ("suspend", "Be kind."),
        ("moderator_granted", ""),
    ]
    assert data["moderation"][0]["appeal"]["text"] == "It was a misunderstanding."
    assert [r["kind"] for r in data["interest_and_passes"]] == ["interest"]
    [match] = data["matches"]
    assert match["with"]["name"] == "Jon"
    assert [(m["from"], m["body"]) for m in match["messages"]] == [
        (
            "them" if m.sender_id != lena.pk else "you",
            m.body,
        )
        for m in Message.objects.filter(match=lived_in.match)
    ]
    assert len(match["messages"]) == 2 and Match.objects.of(lena).count() == 1
    assert [i["kind"] for i in data["introductions"]] == ["offered"]
    assert [(r["about"]["name"], r["note"]) for r in data["reports_filed"]] == [
        ("Ann", "Asked for money")
    ]
    assert [n["kind"] for n in data["notifications"]] == list(
        Notification.objects.filter(recipient=lena)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
    photos = Photo.objects.filter(profile__member=lena)
    assert [p["file"] for p in data["photos"]] == [selectors.photo_archive_name(p) for p in photos]


def test_photos_are_in_the_archive_loadable_and_without_location(lived_in):
    data, archive = export(lived_in.lena)
    names = [p["file"] for p in data["photos"]] + [data["account"]["photo"]]
    assert len(names) == 3 and set(names) <= set(archive.namelist())
    for name in names:
        image = Image.open(io.BytesIO(archive.read(name)))
        image.load()
        assert image.format == "JPEG" and 0x8825 not in image.getexif()


def test_other_members_private_data_stays_out(lived_in):
    data, archive = export(lived_in.lena)
    text = archive.read("pledge.json").decode()
    for private in [
        lived_in.jon.email,
        lived_in.ann.email,
        lived_in.kai.email,
        "Kai's report",  # a report about her is Kai's
        "Kai's private words",  # an introduction she was never told of
        lived_in.moderator.display_name,  # moderators act for Pledge, not by name
        Member.objects.get(pk=lived_in.lena.pk).password,
    ]:
        assert private not in text, private
    secret = lived_in.lena.authenticator_set.get().data
    assert all(str(value) not in text for value in secret.values())
    assert all(i["request_message"] != "Kai's private words" for i in data["introductions"])


def test_the_download_needs_a_fresh_password_and_is_private(lived_in, client_for):
    client = client_for(lived_in.lena)
    url = reverse("matchmaking:data_export")
    download = reverse("matchmaking:data_export_download")
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and reverse("account_reauthenticate") in response["Location"]
    # Without the password check, the download itself sends back to the page.
    assert client.post(download)["Location"] == url
    assert client.get(download).status_code == 405

    # The checked POST (as allauth replays it) leads to a page, not to a file: the
    # browser leaves the password page, and the page offers the download.
    response = reauthenticated(client, lived_in.lena).post(url, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert f'action="{download}"' in response.content.decode()

    response = client.post(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="pledge-')
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("pledge.json"))["account"]["email"] == lived_in.lena.email
    # One download per password check.
    assert client.post(download)["Location"] == url

    # A second one at once is refused, politely; another member is not held up.
    reauthenticated(client, lived_in.lena).post(url)
    again = client.post(download, follow=True)
    assert again.status_code == 200 and "a moment ago" in again.content.decode()
    assert not again.get("Content-Disposition")
    cache.clear()
    reauthenticated(client, lived_in.lena).post(url)
    assert client.post(download).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("matchmaking:data_export", "matchmaking:data_export_download"):
        for method in (client.get, client.post):
            response = method(reverse(name))
            assert response.status_code == 302, name
            assert reverse("account_login") in response["Location"], name
