"""Membership and trust: members, vouches, invitations and the computed trust state.

One module per area; every model and its choices are importable from here.
"""

from .blocks import Block, BlockQuerySet
from .members import (
    DISPLAY_NAME_MAX_LENGTH,
    MAYBE_HIDDEN,
    Member,
    MemberManager,
    MemberQuerySet,
    Standing,
    avatar_upload_path,
)
from .moderation import (
    RECORD_DATE_KEYS,
    RECORD_FIELD_LABELS,
    RESOLUTION_LABELS,
    ActionChoices,
    Appeal,
    AppendOnlyQuerySet,
    ModerationRecord,
    former_member_pseudonym,
    record_value_display,
)
from .pledges import PledgeForfeit, PledgeForfeitQuerySet
from .trust import TrustScore, TrustState
from .uploads import ImageUpload
from .vouches import (
    STATEMENT_MAX_LENGTH,
    STATEMENT_MIN_LENGTH,
    Invitation,
    InvitationQuerySet,
    KnownFor,
    Relationship,
    RevocationReason,
    Strength,
    Vouch,
    VouchFields,
    VouchQuerySet,
    new_nonce,
)

__all__ = [
    "DISPLAY_NAME_MAX_LENGTH",
    "MAYBE_HIDDEN",
    "RECORD_DATE_KEYS",
    "RECORD_FIELD_LABELS",
    "RESOLUTION_LABELS",
    "STATEMENT_MAX_LENGTH",
    "STATEMENT_MIN_LENGTH",
    "ActionChoices",
    "Appeal",
    "AppendOnlyQuerySet",
    "Block",
    "BlockQuerySet",
    "ImageUpload",
    "Invitation",
    "InvitationQuerySet",
    "KnownFor",
    "Member",
    "MemberManager",
    "MemberQuerySet",
    "ModerationRecord",
    "PledgeForfeit",
    "PledgeForfeitQuerySet",
    "Relationship",
    "RevocationReason",
    "Standing",
    "Strength",
    "TrustScore",
    "TrustState",
    "Vouch",
    "VouchFields",
    "VouchQuerySet",
    "avatar_upload_path",
    "former_member_pseudonym",
    "new_nonce",
    "record_value_display",
]
