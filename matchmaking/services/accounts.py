"""A member closing their own account: the dating side's part, then membership's."""

from __future__ import annotations

from django.db import transaction

from vouching import services as vouching_services
from vouching.models import Member

from ..models import Photo


@transaction.atomic
def account_close(*, member: Member) -> bool:
    """Close ``member``'s account; False if it was already closed (a double submit).

    Their profile, photos, interest, matches with their conversations, introductions,
    blocks, notifications and the reports about them leave with the account (the
    database cascades); reports they filed stay for the moderators, without their name.
    Photo files are deleted once that has committed. ``vouching.services.member_close``
    does the rest (vouches, invitations, the moderation log, the recalculation).
    """
    if not Member.objects.select_for_update().filter(pk=member.pk).exists():
        return False
    photos = Photo.objects.filter(profile__member_id=member.pk).values_list("image", "thumbnail")
    vouching_services.files_delete_after_commit(
        storage=Photo._meta.get_field("image").storage,
        names=[name for pair in photos for name in pair],
    )
    return vouching_services.member_close(member=member)
