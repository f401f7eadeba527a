"""An operator answers a data request made by other means than the settings page: a
banned member cannot sign in, yet may ask for their data and for their account to go."""

import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from vouching import services as vouching_services
from vouching.models import Member, ModerationRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def banned(lived_in):
    vouching_services.member_ban(
        member=lived_in.lena, moderator=lived_in.moderator, reason="harassment", note="n"
    )
    return lived_in


def test_an_operator_exports_a_banned_members_data(banned, tmp_path):
    out = tmp_path / "lena.zip"
    call_command("export_member", banned.lena.email.upper(), output=str(out))

    with zipfile.ZipFile(out) as archive:
        document = json.loads(archive.read("pledge.json"))
        names = archive.namelist()
    assert document["account"]["email"] == banned.lena.email
    assert len([n for n in names if n.startswith("photos/")]) == len(banned.photos)
    assert out.stat().st_mode & 0o077 == 0, "personal data readable by the operator only"
    with pytest.raises(CommandError, match="exists already"):
        call_command("export_member", banned.lena.email, output=str(out))


def test_an_operator_closes_a_banned_members_account_only_when_told_it_is_final(banned):
    lena = banned.lena
    with pytest.raises(CommandError, match="--yes"):
        call_command("close_member", lena.email)
    assert Member.objects.filter(pk=lena.pk).exists()

    call_command("close_member", lena.email, yes=True)

    assert not Member.objects.filter(pk=lena.pk).exists()
    ban = ModerationRecord.objects.filter(action=ModerationRecord.Action.BAN).get()
    assert ban.member_id is None and ban.member_pseudonym, "the log keeps a pseudonym"
    with pytest.raises(CommandError, match="No member"):
        call_command("close_member", lena.email, yes=True)
