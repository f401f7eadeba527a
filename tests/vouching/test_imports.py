"""Operator commands: importing a community's vouch network, exporting trust, claiming."""

import csv
import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from vouching.management.progress import Progress
from vouching.models import Member, TrustState, Vouch

pytestmark = pytest.mark.django_db

NETWORK = """\
# a small network
alice,bob,Master
alice,Carol Ann,2

bob,Carol Ann,apprentice
bob,bob,3
alice,bob,1
dave ,alice
erin,frank,7
only one field
"""


def run_import(tmp_path, text=NETWORK, *args):
    path = tmp_path / "net.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_vouches", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_counts_what_it_skips(tmp_path):
    out = run_import(tmp_path, NETWORK, "--founders", "alice", "--capacities", "10,5,1")
    assert "Imported 4 vouches; 4 new placeholder members." in out
    assert "Read 10 lines: 2 blank or comment, 1 self-vouches skipped, 1 repeated pairs" in out
    assert "2 malformed." in out and "line 9: erin,frank,7" in out
    assert "line 10: only one field" in out
    pairs = {
        (v.voucher.imported_name, v.vouchee.imported_name, v.strength)
        for v in Vouch.objects.select_related("voucher", "vouchee")
    }
    assert pairs == {
        ("alice", "bob", 3),
        ("alice", "Carol Ann", 2),
        ("bob", "Carol Ann", 1),
        ("dave ", "alice", 1),  # a name keeps its spaces: "dave " is not "dave"
    }
    assert all(v.is_imported and v.status == "accepted" for v in Vouch.objects.all())
    alice = Member.objects.get(imported_name="alice")
    assert alice.is_founder and alice.is_placeholder and not alice.has_usable_password()
    assert TrustState.load().capacities == [10, 5, 1]
    assert TrustState.load().dirty


def test_import_twice_adds_nothing(tmp_path):
    run_import(tmp_path)
    out = run_import(tmp_path)
    assert "Imported 0 vouches; 0 new placeholder members." in out
    assert "4 already present" in out
    assert Vouch.objects.count() == 4


@pytest.mark.parametrize("capacities", ["800,x", "0,1", ","])
def test_import_refuses_bad_capacities(tmp_path, capacities):
    with pytest.raises(CommandError, match="capacit"):
        run_import(tmp_path, NETWORK, "--capacities", capacities)
    assert not Member.objects.exists()


def test_import_of_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_vouches", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_export_writes_every_member(tmp_path):
    run_import(tmp_path, NETWORK, "--founders", "alice")
    call_command("recalculate_trust", stdout=io.StringIO())
    target = tmp_path / "trust.csv"
    out = io.StringIO()
    call_command("export_trust", str(target), stdout=out, stderr=io.StringIO())
    assert "Wrote 4 members" in out.getvalue()
    rows = {r["name"]: r for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert set(rows) == {"alice", "bob", "Carol Ann", "dave "}
    assert rows["alice"]["standing"] == "vouched" and rows["alice"]["level"] == "3"
    assert rows["dave "]["standing"] == "pending" and rows["dave "]["level"] == "0"
    assert float(rows["bob"]["score"]) > float(rows["dave "]["score"])


def test_claiming_an_imported_account(tmp_path):
    run_import(tmp_path, NETWORK, "--founders", "alice")
    out = io.StringIO()
    call_command("claim_member", "Carol Ann", "Carol@Example.com", stdout=out)
    carol = Member.objects.get(imported_name="Carol Ann")
    assert carol.email == "carol@example.com" and not carol.is_placeholder
    assert mail.outbox[0].to == ["carol@example.com"]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = link.split("localhost:8000", 1)[1]
    client = Client()
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-long-new-password-9", "password2": "a-long-new-password-9"},
    )
    assert response.status_code == 302
    assert Client().login(email="carol@example.com", password="a-long-new-password-9")
    with pytest.raises(CommandError, match="already been claimed"):
        call_command("claim_member", "Carol Ann", "other@example.com", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("claim_member", "bob", "carol@example.com", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No imported member"):
        call_command("claim_member", "zed", "zed@example.com", stdout=io.StringIO())


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only():
    terminal = Terminal()
    with Progress("Importing vouches", 200, terminal) as bar:
        for _ in range(200):
            bar.advance()
    assert "Importing vouches [" in terminal.getvalue()
    assert "200/200" in terminal.getvalue()
    piped = io.StringIO()
    with Progress("Importing vouches", 200, piped) as bar:
        bar.advance(200)
    assert piped.getvalue() == ""


@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_the_vouch_table_vacuumed(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's; CI runs this on PostgreSQL")
    lines = "\n".join(f"m{i},m{i + 1},2" for i in range(6_000))
    out = run_import(tmp_path, lines)
    assert "Vacuumed and analysed" in out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            [Vouch._meta.db_table],
        )
        assert cursor.fetchone() == (True,)
