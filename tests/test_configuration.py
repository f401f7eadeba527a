"""The site's configuration: environment variables under their PLEDGE_ names (the old
names still read, with a warning), and no folder made before a command needs it."""

import os
import subprocess
import sys
from pathlib import Path

from matchmaking.checks import environment_old_names
from matchmaking.environment import RENAMED, PledgeEnv, old_names_in, without_old_names

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``args`` run by this Python on an embedded setup (SQLite, filesystem broker) whose
    state lives under ``tmp_path``: of the renamed variables, old or new, only ``env``."""
    embedded = {
        name: value
        for name, value in without_old_names(os.environ).items()
        if name not in RENAMED.values()
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**embedded, "PLEDGE_VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
    )


SETTING = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.VOUCH_QUOTA, settings.DEBUG)"
)


def test_every_old_name_has_a_pledge_name():
    assert all(new == "PLEDGE_" + old.removeprefix("DJANGO_") for old, new in RENAMED.items())


def test_the_new_name_is_read(monkeypatch):
    monkeypatch.setenv("PLEDGE_VOUCH_QUOTA", "7")
    monkeypatch.delenv("VOUCH_QUOTA", raising=False)
    assert PledgeEnv().int("PLEDGE_VOUCH_QUOTA", default=5) == 7


def test_an_old_name_still_works_when_the_new_one_is_not_set(monkeypatch):
    monkeypatch.delenv("PLEDGE_VOUCH_QUOTA", raising=False)
    monkeypatch.setenv("VOUCH_QUOTA", "9")
    assert PledgeEnv().int("PLEDGE_VOUCH_QUOTA", default=5) == 9
    monkeypatch.setenv("PLEDGE_VOUCH_QUOTA", "7")
    assert PledgeEnv().int("PLEDGE_VOUCH_QUOTA", default=5) == 7
    monkeypatch.delenv("PLEDGE_VOUCH_QUOTA")
    monkeypatch.delenv("VOUCH_QUOTA")
    assert PledgeEnv().int("PLEDGE_VOUCH_QUOTA", default=5) == 5


def test_the_settings_read_old_names(tmp_path):
    done = run(
        ["-c", SETTING],
        tmp_path,
        VOUCH_QUOTA="11",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="an-old-name-still-works-" + "0" * 30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["11", "False"]


def test_the_settings_prefer_the_new_name(tmp_path):
    done = run(["-c", SETTING], tmp_path, VOUCH_QUOTA="11", PLEDGE_VOUCH_QUOTA="3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "True"]


def test_no_warning_without_old_names(monkeypatch):
    for old in RENAMED:
        monkeypatch.delenv(old, raising=False)
    assert environment_old_names(None) == []


def test_a_warning_names_each_old_name_in_use(monkeypatch):
    for old in RENAMED:
        monkeypatch.delenv(old, raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "true")
    monkeypatch.setenv("CACHE_URL", "locmemcache://old")
    monkeypatch.setenv("PLEDGE_CACHE_URL", "locmemcache://new")
    assert old_names_in(os.environ) == [
        ("DJANGO_DEBUG", "PLEDGE_DEBUG"),
        ("CACHE_URL", "PLEDGE_CACHE_URL"),
    ]
    warnings = environment_old_names(None)
    assert [w.id for w in warnings] == ["pledge.W001", "pledge.W001"]
    assert warnings[0].msg == "DJANGO_DEBUG is an old name: set PLEDGE_DEBUG instead."
    assert (
        warnings[1].msg
        == "CACHE_URL and PLEDGE_CACHE_URL are both set: unset CACHE_URL, the old name."
    )
    assert "next release" in warnings[0].hint


def test_manage_py_check_shows_the_warning(tmp_path):
    done = run(["manage.py", "check", "--fail-level", "WARNING"], tmp_path, VOUCH_QUOTA="4")
    assert done.returncode == 1
    assert "(pledge.W001) VOUCH_QUOTA is an old name: set PLEDGE_VOUCH_QUOTA instead." in (
        done.stderr
    )


def test_loading_the_settings_makes_no_folder(tmp_path):
    done = run(["-c", SETTING], tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "var").exists()


def test_celery_makes_its_folders_when_first_configured(tmp_path):
    code = "from matchmaking.celery import app; print(app.conf.broker_url)"
    done = run(["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("filesystem://")
    assert (tmp_path / "var" / "broker").is_dir()


def test_migrate_makes_the_folder_of_a_sqlite_database(tmp_path):
    done = run(["manage.py", "migrate", "--noinput", "-v0"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "pledge.sqlite3").is_file()
