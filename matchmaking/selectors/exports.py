"""Everything Pledge holds about a member, as one ZIP they download: ``pledge.json`` and
their photos (stored re-encoded, so without EXIF or location data).

Other members' private data stays out unless the member already sees it on the site:
interest others showed them stays private until mutual (a match, which is in), an
introduction asked about them is theirs only once the friend made it, and a message to
the friend in the middle is the asker's. Reports about them stay out (see
``vouching.selectors.exports``).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from vouching import selectors as vouching_selectors
from vouching.models import Member
from vouching.selectors import person

from ..models import Introduction, Match, Notification, Photo, Profile, Reaction, Report

FORMAT_VERSION = 1


def _profile(member: Member) -> dict | None:
    profile = Profile.objects.filter(member=member).prefetch_related("prompts").first()
    if profile is None:
        return None
    fields = [
        "is_dating", "paused_at", "birth_date", "gender", "seeks_woman", "seeks_man",
        "seeks_nonbinary", "seeks_other", "age_min", "age_max", "city", "bio", "reach",
        "hide_from_connections", "created_at", "updated_at",
    ]  # fmt: skip
    return {
        **{name: getattr(profile, name) for name in fields},
        "prompts": [{"prompt": p.prompt, "answer": p.answer} for p in profile.prompts.all()],
    }


def photo_archive_name(photo: Photo) -> str:
    return f"photos/{photo.position + 1:02d}-{photo.pk}.jpg"


def _photos(member: Member) -> list[Photo]:
    return list(Photo.objects.filter(profile__member=member).order_by("position", "pk"))


def _matches(member: Member) -> list[dict]:
    matches = (
        Match.objects.of(member)
        .select_related("member_a", "member_b")
        .prefetch_related("messages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "with": person(match.other(member)),
            "source": match.source,
            "created_at": match.created_at,
            "ended_at": match.ended_at,
            "ended_by_you": match.ended_by_id == member.pk,
            "messages": [
                {
                    "from": "you" if message.sender_id == member.pk else "them",
                    "body": message.body,
                    "created_at": message.created_at,
                    "read_at": message.read_at,
                }
                for message in match.messages.all()
            ],
        }
        for match in matches
    ]


def _introductions(member: Member) -> list[dict]:
    """Introductions they made, asked for, were offered, or were introduced through."""
    introductions = (
        Introduction.objects.filter(
            Q(intermediary=member)
            | Q(person_a=member)
            | Q(person_b=member)
            & (Q(kind=Introduction.Kind.OFFERED) | Q(introduced_at__isnull=False))
        )
        .select_related("intermediary", "person_a", "person_b")
        .order_by("created_at", "pk")
    )
    return [
        {
            "kind": intro.kind,
            "friend_in_the_middle": person(intro.intermediary),
            "people": [person(intro.person_a), person(intro.person_b)],
            "request_message": intro.request_message if intro.person_b_id != member.pk else "",
            "note": intro.note,
            "status": intro.status,
            "created_at": intro.created_at,
            "introduced_at": intro.introduced_at,
            "closed_at": intro.closed_at,
        }
        for intro in introductions
    ]


def dating_export(*, member: Member) -> dict:
    """The dating part of a member's download (photos by their name in the archive)."""
    interest = Reaction.objects.filter(actor=member).select_related("target").order_by("pk")
    reports = Report.objects.filter(reporter=member).select_related("reported").order_by("pk")
    notifications = Notification.objects.filter(recipient=member).select_related("actor")
    return {
        "profile": _profile(member),
        "photos": [
            {"file": photo_archive_name(p), "position": p.position, "created_at": p.created_at}
            for p in _photos(member)
        ],
        "interest_and_passes": [
            {
                "person": person(r.target),
                "kind": r.kind,
                "created_at": r.created_at,
                "interested_at": r.interested_at,
            }
            for r in interest
        ],
        "matches": _matches(member),
        "introductions": _introductions(member),
        "reports_filed": [
            {
                "about": person(r.reported),
                "reason": r.reason,
                "note": r.note,
                "status": r.status,
                "created_at": r.created_at,
            }
            for r in reports
        ],
        "notifications": [
            {
                "kind": n.kind,
                "from": person(n.actor),
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in notifications.order_by("created_at", "pk")
        ],
    }


def member_export(*, member: Member, file: IO[bytes]) -> None:
    """Write the member's whole download, a ZIP, into ``file``; photos are copied from
    storage a chunk at a time, never whole in memory."""
    member = Member.objects.get(pk=member.pk)
    document = {
        "format": FORMAT_VERSION,
        "exported_at": timezone.now(),
        **vouching_selectors.membership_export(member=member),
        **dating_export(member=member),
    }
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pledge.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2))
        files = [(photo_archive_name(p), p.image) for p in _photos(member)]
        if member.avatar:
            files.append(("avatar.jpg", member.avatar))
        for name, field in files:
            with field.open("rb") as source, archive.open(name, "w") as target:
                shutil.copyfileobj(source, target)
