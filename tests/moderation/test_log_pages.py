"""The log as the console shows it: on the page, filtered by member, and as CSV."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import ModeratorFactory
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def test_log_exports_as_csv(with_second_factor, community):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note="Fake."
    )
    response = with_second_factor(mod).get(reverse("moderation:log_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert {"Time", "Moderator", "Action", "Member", "Note", "Before", "After"} <= rows[0].keys()
    banned = next(r for r in rows if r["Action"] == "Banned")
    assert banned["Note"] == "Fake." and banned["Reason"] == "Fake account"
    assert "standing: Banned" in banned["After"] and "standing: Vouched" in banned["Before"]


def test_the_csv_never_carries_a_formula(with_second_factor, community):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note='=HYPERLINK("x","y")'
    )
    response = with_second_factor(mod).get(reverse("moderation:log_csv"))
    notes = [r["Note"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert '\'=HYPERLINK("x","y")' in notes
    assert not any(note.startswith("=") for note in notes)


@pytest.mark.parametrize("member", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_the_log_filtered_by_an_unknown_member_is_empty(with_second_factor, community, member):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note="Fake."
    )
    response = with_second_factor(mod).get(reverse("moderation:log"), {"member": member})
    assert response.status_code == 200
    assert not response.context["records"]
    everything = with_second_factor(mod).get(reverse("moderation:log"))
    assert everything.context["records"]


def test_the_log_speaks_the_moderators_language(with_second_factor, community):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note="Fake."
    )
    client = with_second_factor(mod)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get(reverse("moderation:log")).text
    assert "信誉状态" in page and "已封禁" in page.split("<tbody>")[1]
    assert (
        "standing" not in page and "banned_at" not in page and "{" not in page.split("<tbody>")[1]
    )
    rows = list(csv.reader(io.StringIO(client.get(reverse("moderation:log_csv")).content.decode())))
    assert "time" not in rows[0] and "管理员" in rows[0]
