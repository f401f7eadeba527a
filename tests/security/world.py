"""One small community with one of everything, the accounts the security tests sign in
as, and every URL pattern of the site filled in with its ids.

``OWNER`` (Lena) owns the objects: her profile, photo, vouches, invitation, match,
messages, introduction, moderation record and appeal. The accounts are the roles of the
matrix; the vouched one (Jon) is matched with her, the blocked one (Max) is blocked by
her.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from matchmaking import services
from matchmaking.models import Introduction, ProfilePrompt, Report
from matchmaking.services.matches import match_create
from tests.factories import (
    STATEMENT,
    FounderFactory,
    InvitationFactory,
    MemberFactory,
    ModeratorFactory,
    VouchFactory,
    man,
    woman,
)
from vouching import services as vouching_services
from vouching.models import Appeal, Vouch
from vouching.selectors import invitation_token

ROLES = (
    "anonymous",
    "pending",
    "vouched",
    "blocked",
    "suspended",
    "banned",
    "mod_no_2fa",
    "mod_2fa",
    "admin",
)
REMOVED = ("suspended", "banned")  # signed out on every request: signed in afresh each time


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "#3a5fb3").save(out, format="JPEG")
    return out.getvalue()


@dataclass
class World:
    members: dict = field(default_factory=dict)  # role -> member
    objects: dict = field(default_factory=dict)  # URL parameter -> value
    clients: dict = field(default_factory=dict)  # role -> Client
    overrides: dict = field(default_factory=dict)  # route -> parameters of its own

    def client(self, role: str) -> Client:
        # One client per role: each new client loads the middleware again, and
        # whitenoise's scan of the static files is most of a request's cost.
        if role not in self.clients:
            self.clients[role] = Client()
        client = self.clients[role]
        if role in REMOVED or not client.cookies.get(settings.SESSION_COOKIE_NAME):
            self.sign_in(client, role)
        return client

    def sign_in(self, client: Client, role: str) -> None:
        """A client with a session signed in as the role's member, written straight to
        the session store: the removed roles need a new one for every request (their
        session ends on it), and a full sign-in each time would make this slow."""
        member = self.members.get(role)
        if member is None:
            return
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = member._meta.pk.value_to_string(member)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        if role in ("mod_2fa", "admin"):
            now = timezone.now().timestamp()
            session["account_authentication_methods"] = [
                {"method": "password", "at": now},
                {"method": "mfa", "at": now, "type": "totp"},
            ]
            session["account_authentication_methods_user"] = str(member.pk)
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


# What an attacker writes wherever a member writes text: it must come back escaped.
INJECTION = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
INJECTED_RAW = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")
INJECTED_ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"
)
# Each text the community holds, by the word it starts with.
WRITTEN = (
    "Lena",  # a display name
    "bio",
    "city",
    "prompt",  # a profile prompt's answer
    "statement",  # a vouch statement, shown on the vouchee's page
    "hers",  # a vouch awaiting an answer
    "message",
    "request",  # an introduction request's message to the friend in the middle
    "introduction",  # the friend's note
    "invitation",  # an invitation's vouch
    "record",  # a moderator's note to the member
    "appeal",
    "report",
)


def marked(word: str) -> str:
    return word + INJECTION


def build_world() -> World:
    """The community. Every text its members wrote carries ``INJECTION``."""
    world = World()
    f1, f2 = FounderFactory(), FounderFactory()
    lena_profile = woman(
        member__display_name=marked("Lena"),
        bio=marked("bio"),
        city=marked("city"),
    )
    ProfilePrompt.objects.create(profile=lena_profile, prompt="sunday", answer=marked("prompt"))
    lena = lena_profile.member
    jon = man(member__display_name="Jon").member
    max_ = man(member__display_name="Max").member
    for m in (lena, jon, max_):
        VouchFactory(voucher=f1, vouchee=m, statement=STATEMENT + marked("statement"))
        VouchFactory(voucher=f2, vouchee=m)
    lena_jon = VouchFactory(
        voucher=lena, vouchee=jon, status=Vouch.Status.PENDING, statement=STATEMENT + marked("hers")
    )
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()
    photo = services.photo_add(member=lena, upload=SimpleUploadedFile("a.jpg", jpeg()))
    match = match_create(lena, jon, source="mutual")
    message = services.message_send(match=match, sender=lena, body=marked("message"))
    vouching_services.member_block(member=lena, other=max_)
    introduction = Introduction.objects.create(
        kind=Introduction.Kind.REQUESTED,
        intermediary=f1,
        person_a=lena,
        person_b=f2,
        request_message=marked("request"),
        note=marked("introduction"),
        status=Introduction.Status.WITH_INTERMEDIARY,
    )
    invitation = InvitationFactory(inviter=lena, statement=STATEMENT + marked("invitation"))
    record = vouching_services.moderation_record_create(
        actor=None, action="forfeit", member=lena, note=marked("record")
    )
    appeal = Appeal.objects.create(record=record, member=lena, text=marked("appeal"))
    report = Report.objects.create(
        reporter=jon, reported=lena, reason="fake", note=marked("report")
    )
    moderator = ModeratorFactory(display_name="Mod Without")
    moderator_2fa = ModeratorFactory(display_name="Mod With")
    root = MemberFactory(display_name="Root", is_staff=True, is_superuser=True)
    for member in (moderator_2fa, root):
        TOTP.activate(member, generate_totp_secret())
    soon = timezone.now() + timedelta(days=3)
    world.members = {
        "pending": MemberFactory(display_name="Pending"),
        "vouched": jon,
        "blocked": max_,
        "suspended": MemberFactory(display_name="Suspended", suspended_until=soon),
        "banned": MemberFactory(display_name="Banned", banned_at=timezone.now()),
        "mod_no_2fa": moderator,
        "mod_2fa": moderator_2fa,
        "admin": root,
        "owner": lena,
        "founder": f1,
    }
    world.objects = {
        "public_id": lena.public_id,
        "photo_id": photo.pk,
        "size": "thumb",
        "vouch_id": lena_jon.pk,
        "invitation_id": invitation.pk,
        "token": invitation_token(invitation),
        "record_id": record.pk,
        "match_id": match.pk,
        "message_id": message.pk,
        "introduction_id": introduction.pk,
        "action": "withdraw",
        "report_id": report.pk,
        "appeal_id": appeal.pk,
        "key": "not-a-key",
        "uidb36": "zz",
        "app_label": "vouching",
        "object_id": lena.pk,
        "id": lena.pk,
        "content_type_id": 1,
        "url": "nothing-here/",
    }
    world.overrides = {
        # The vouch a member page shows: a founder's for Lena.
        "matchmaking:report_vouch": {"vouch_id": Vouch.objects.get(voucher=f1, vouchee=lena).pk},
        "moderation:member_action": {"action": "suspend"},
    }
    return world


# URL patterns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the name with its namespace, or the pattern for an unnamed one
    pattern: str
    params: tuple[str, ...]
    model: type | None  # an admin page of one model


ADMIN_MODEL_PAGE = re.compile(r"^admin:\w+_(changelist|add|history|delete|change)$")


def routes() -> list[Route]:
    """Every URL pattern of the site, from the URLconf."""
    found: list[Route] = []

    def walk(resolver, prefix: str, namespace: str | None, admin_model=None):
        for entry in resolver.url_patterns:
            pattern = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
                walk(entry, pattern, inner, admin_model)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                params = tuple(entry.pattern.regex.groupindex)
                found.append(Route(name or pattern, pattern, params, _admin_model(name, pattern)))

    walk(get_resolver(), "", None)
    return found


def _admin_model(name: str | None, pattern: str):
    """The model an admin page is about: its list, add, change, history or delete page."""
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        if ADMIN_MODEL_PAGE.match(name or "") and (name or "").startswith(
            f"admin:{info[0]}_{info[1]}_"
        ):
            return model
        if f"/{info[0]}/{info[1]}/" in f"/{pattern}":
            return model
    return None


def url_of(route: Route, world: World) -> str:
    values = {**world.objects, **world.overrides.get(route.key, {})}
    if route.model is not None:
        first = route.model._default_manager.order_by("pk").first()
        values["object_id"] = first.pk if first else 1
    kwargs = {p: values[p] for p in route.params}
    if route.key == route.pattern:
        return _fill(route.pattern, kwargs)
    return reverse(route.key, kwargs=kwargs)


def _fill(pattern: str, kwargs: dict) -> str:
    """An unnamed pattern (the admin's shortcuts) with its parameters filled in."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), pattern)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def outcome(response) -> str:
    """A response as the matrix writes it: the status, and for a redirect where to."""
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"]
    for prefix, label in (
        (reverse("account_login"), "302 login"),
        ("/accounts/2fa/", "302 2fa"),
        (reverse("admin:login"), "302 admin login"),
    ):
        if location.startswith(prefix):
            return label
    return "302"
