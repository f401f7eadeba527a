"""A member closing their own account: the dating side's part."""

from __future__ import annotations

from django.db import transaction

from vouching import services as vouching_services
from vouching.models import Member

from ..models import Photo


@transaction.atomic
def account_close(*, member: Member) -> bool:
    """Close ``member``'s account; False if it was already closed (a double submit).

    ``vouching.services.member_close`` does it (vouches, invitations, the moderation log,
    the recalculation). Their profile, interest, matches with their conversations,
    introductions, blocks, notifications and the reports about them leave with the
    account (the database cascades); reports they filed stay for the moderators, without
    their name; their photo files go after commit (``photos_let_go``).
    """
    return vouching_services.member_close(member=member)


def photos_let_go(*, member: Member) -> None:
    """In the transaction that closes ``member``'s account: delete their photo files once
    it commits."""
    photos = Photo.objects.filter(profile__member_id=member.pk).values_list("image", "thumbnail")
    vouching_services.files_delete_after_commit(
        storage=Photo._meta.get_field("image").storage,
        names=[name for pair in photos for name in pair],
    )
