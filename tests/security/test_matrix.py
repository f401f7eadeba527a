"""The security matrix: every URL pattern of the site, opened by every kind of account,
against what the table below says each must get. A URL pattern without a row fails the
test: a new URL needs a decision here.

Also, over the same requests: member-written text comes back escaped on every page
(script injection), ids of hidden objects answer exactly like ids that do not exist
(enumeration), and every URL refuses a POST without a CSRF token.

One community is built once for the module (``world``); each request is a GET with the
Django test client.
"""

import uuid

import pytest
from django.db import transaction
from django.test import Client, override_settings

from matchmaking import services as matchmaking_services

from .world import (
    INJECTED_ESCAPED,
    INJECTED_RAW,
    ROLES,
    WRITTEN,
    build_world,
    outcome,
    routes,
    url_of,
)

# Outcomes: a status, or where a redirect goes.
L = "302 login"  # to the sign-in page
A = "302 admin login"  # to the admin's door (which sends on to the sign-in, or 404s)
F = "302 2fa"  # to set up or use a second factor
R = "302"  # elsewhere (e.g. a signed-in member away from the sign-in page)

# Columns, in the order of ``ROLES``:
#   anonymous, pending, vouched, blocked (by the objects' owner), suspended, banned,
#   moderator without a second factor, moderator with one, admin (staff superuser with one).
# The objects belong to Lena; the vouched member (Jon) is matched with her and has her
# vouch awaiting his answer; she blocked the "blocked" member. Suspended and banned
# members are signed out by their first request, so they meet what anonymous visitors
# meet, except on appeal pages (which they may use, for their own records only).
TABLE = {
    "home": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    # Load balancers call it; it says only whether each part works (a worker beat below).
    "health": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_login": (200, R, R, R, 200, 200, R, R, R),
    "account_logout": (R, 200, 200, 200, R, R, 200, 200, 200),
    "account_inactive": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_signup": (200, R, R, R, 200, 200, R, R, R),
    "account_reauthenticate": (L, 200, 200, 200, L, L, 200, 200, 200),
    "account_email": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:data_export": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:data_export_download": (L, 405, 405, 405, L, L, 405, 405, 405),
    "matchmaking:account_close": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:account_closed": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_email_verification_sent": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_change_password": (L, 200, 200, 200, L, L, 200, 200, 200),
    "account_set_password": (L, R, R, R, L, L, R, R, R),
    "account_reset_password": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_confirm_login_code": (L, R, R, R, L, L, R, R, R),
    "account_confirm_email": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key_done": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_done": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "mfa_index": (L, 200, 200, 200, L, L, 200, 200, 200),
    "mfa_authenticate": (L, R, R, R, L, L, R, R, R),
    "mfa_reauthenticate": (L, R, R, R, L, L, R, 200, 200),
    "mfa_activate_totp": (L, R, R, R, L, L, R, R, R),
    "mfa_deactivate_totp": (L, 404, 404, 404, L, L, 404, R, R),
    "mfa_view_recovery_codes": (L, 404, 404, 404, L, L, 404, 404, 404),
    "mfa_generate_recovery_codes": (L, R, R, R, L, L, R, R, R),
    "mfa_download_recovery_codes": (L, 404, 404, 404, L, L, 404, 404, 404),
    "admin:index": (A, A, A, A, A, A, A, A, 200),
    "admin:login": (L, 404, 404, 404, L, L, 404, 404, 404),
    "admin:logout": (R, R, R, R, R, R, R, R, 405),
    "admin:password_change": (A, A, A, A, A, A, A, A, 200),
    "admin:password_change_done": (A, A, A, A, A, A, A, A, 200),
    "admin:autocomplete": (A, A, A, A, A, A, A, A, 403),
    "admin:jsi18n": (A, A, A, A, A, A, A, A, 200),
    "admin:view_on_site": (A, A, A, A, A, A, A, A, 404),
    "admin:app_list": (A, A, A, A, A, A, A, A, 200),
    "backstage/(?P<url>.*)$": (A, A, A, A, A, A, A, A, 404),
    "vouching:vouch_new": (L, 200, 200, 200, L, L, 200, 200, 200),
    "vouching:vouch_accept": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "vouching:vouch_decline": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "vouching:vouch_withdraw": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "vouching:invitation_withdraw": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "vouching:invitation": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "vouching:member": (L, 200, 200, 404, L, L, 200, 200, 200),
    "vouching:member_vouch": (L, 200, 200, 404, L, L, 200, 200, 200),
    "vouching:member_avatar": (L, 404, 404, 404, L, L, 404, 404, 404),
    "vouching:standing": (L, 200, 200, 200, L, L, 200, 200, 200),
    "vouching:standing_panel": (L, 200, 200, 200, L, L, 200, 200, 200),
    "vouching:appeal": (L, 404, 404, 404, 404, 404, 404, 404, 404),
    "vouching:settings": (L, 200, 200, 200, L, L, 200, 200, 200),
    "vouching:language": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:profile": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:profile_pause": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:photo_add": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:photo_delete": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:photo_main": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:report_photo": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:photo": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:browse": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:person": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:interest": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:pass": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:introduction_ask": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:confirm_photos": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:report_profile": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:block": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:report_vouch": (L, 200, 200, 404, L, L, 200, 200, 200),
    "matchmaking:matches": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:match": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:match_messages": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:unmatch": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:report_message": (L, 404, 200, 404, L, L, 404, 404, 404),
    "matchmaking:introductions": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:introduction_offer": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:introduction_act": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "matchmaking:notifications": (L, 200, 200, 200, L, L, 200, 200, 200),
    "matchmaking:circle": (L, 200, 200, 200, L, L, 200, 200, 200),
    "moderation:dashboard": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:reports": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:report": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:member": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:member_action": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:photo": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:vouch_revoke": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:rings": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:log": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:log_csv": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:appeals": (L, 403, 403, 403, L, L, F, 200, 200),
    "moderation:appeal_decide": (L, 403, 403, 403, L, L, F, 405, 405),
}
# Every page of one model in the admin (list, add, change, history, delete, and the
# shortcut to change): anyone but the admin is sent to its door; the admin gets the page,
# a redirect, or a 403 where the model is read-only.
ADMIN_MODEL_PAGES = (A, A, A, A, A, A, A, A, {200, 302, 403})


def expected(route):
    if route.model is not None:
        return ADMIN_MODEL_PAGES
    return TABLE.get(route.key)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    # Signed sessions: the removed roles need a fresh one for every request.
    sessions = "django.contrib.sessions.backends.signed_cookies"
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, SESSION_ENGINE=sessions):
        with transaction.atomic():
            built = build_world()
            matchmaking_services.worker_heartbeat_record(worker="matrix@pledge")
            built.results = _open_everything(built)
            yield built
            transaction.set_rollback(True)


# Pages where the owner and the friend in the middle of her introduction read what they
# and others wrote (they are not roles of the matrix).
OWN_PAGES = [
    ("owner", "home"),
    ("owner", "matchmaking:profile"),
    ("owner", "matchmaking:introductions"),
    ("owner", "vouching:settings"),
    ("owner", "vouching:appeal"),
    ("owner", "matchmaking:match"),
    ("founder", "matchmaking:introductions"),
]


def _open_everything(world) -> dict:
    """(route key, role) -> (outcome, body if the page is HTML, url)."""
    results = {}
    by_key = {route.key: route for route in routes()}
    visits = [(route, role) for route in by_key.values() for role in ROLES]
    visits += [(by_key[key], who) for who, key in OWN_PAGES]
    for route, role in visits:
        url = url_of(route, world)
        response = world.client(role).get(url)
        html = "html" in response.get("Content-Type", "") and not response.streaming
        body = response.content.decode(errors="replace") if html else None
        results[route.key, role] = (outcome(response), body, url)
    return results


def test_every_url_pattern_has_a_row_and_every_row_a_pattern(db):
    keys = {route.key for route in routes() if route.model is None}
    assert sorted(keys - TABLE.keys()) == [], "URL patterns without a row: decide them"
    assert sorted(TABLE.keys() - keys) == [], "rows for URL patterns that are gone"
    assert all(len(row) == len(ROLES) for row in TABLE.values())


def test_every_role_gets_what_the_table_says(world, db):
    wrong = []
    for route in routes():
        row = expected(route)
        if row is None:
            continue  # the test above names it
        for role, want in zip(ROLES, row, strict=True):
            got, _body, url = world.results[route.key, role]
            allowed = {str(w) for w in want} if isinstance(want, set) else {str(want)}
            if got not in allowed:
                wrong.append(f"{route.key} as {role}: {got}, expected {want} ({url})")
    assert wrong == [], "\n".join(wrong)


def test_member_written_text_is_escaped_on_every_page(world, db):
    """No page, for anyone, carries a member's markup as markup; and each text was shown
    somewhere (escaped), so the test looked where it is rendered."""
    raw = [
        f"{key} as {role}"
        for (key, role), (_got, body, _url) in world.results.items()
        if body and any(markup in body for markup in INJECTED_RAW)
    ]
    assert raw == [], raw
    bodies = [body for _got, body, _url in world.results.values() if body]
    unseen = [w for w in WRITTEN if not any(w + INJECTED_ESCAPED in body for body in bodies)]
    assert unseen == [], f"never shown anywhere, so never checked: {unseen}"


# Parameters that pick an object: what a URL with an id that exists nowhere gets.
NOWHERE = {
    "public_id": uuid.UUID(int=1),
    "photo_id": 987654321,
    "vouch_id": 987654321,
    "invitation_id": 987654321,
    "record_id": 987654321,
    "match_id": 987654321,
    "message_id": 987654321,
    "introduction_id": 987654321,
    "report_id": 987654321,
    "appeal_id": 987654321,
}


def test_hidden_objects_answer_like_objects_that_do_not_exist(world, db):
    compared, different = 0, []
    for route in routes():
        picks = set(route.params) & NOWHERE.keys()
        if not picks or route.model is not None:
            continue
        for role in ROLES:
            got, body, url = world.results[route.key, role]
            if got != "404":
                continue
            saved = dict(world.objects)
            world.objects.update({p: NOWHERE[p] for p in picks})
            try:
                missing_url = url_of(route, world)
            finally:
                world.objects = saved
            response = world.client(role).get(missing_url)
            missing = response.content.decode(errors="replace").replace(missing_url, "")
            compared += 1
            if response.status_code != 404 or missing != (body or "").replace(url, ""):
                different.append(f"{route.key} as {role}")
    assert compared > 50
    assert different == [], different


def test_every_url_refuses_a_post_without_a_csrf_token(world, db):
    """Whoever posts, wherever: without the token nothing runs. The admin's model pages
    are tried as the admin, the one role that could change anything there."""
    clients = {}
    for role in ("anonymous", "vouched", "admin"):
        clients[role] = Client(enforce_csrf_checks=True)
        world.sign_in(clients[role], role)
    accepted = []
    for route in routes():
        roles = ("admin",) if route.model is not None else clients
        for role in roles:
            response = clients[role].post(url_of(route, world), {"note": "x", "text": "x"})
            if response.status_code != 403 or b"CSRF" not in response.content:
                accepted.append(f"{route.key} as {role}: {response.status_code}")
    assert accepted == [], accepted
