"""Reads about membership and trust. Views and other apps ask these, not the models.

One module per area: ``invitations``, ``members`` (member pages), ``blocks``, ``vouches``,
``standing`` (the standing card and its explanation), ``appeals`` (moderation as the
member sees it) and ``trust`` (paths and distances: the one door into the trust engine
for the rest of Pledge). Callers import this package, not its modules.
"""

from ..images import image_response
from ..trust.rings import Ring, suspicious_rings
from .appeals import (
    ModerationNotice,
    appeal_of,
    moderation_notices,
    record_for_appeal,
    removal_notice,
)
from .blocks import blocked_ids, is_blocked
from .exports import membership_export, person
from .invitations import (
    INVITATION_TOKEN_SALT,
    InvitationUnusable,
    invitation_check_usable,
    invitation_for_inviter,
    invitation_from_token,
    invitation_token,
    invitations_sent,
)
from .members import MemberPage, member_by_email, member_page, member_visible
from .moderators import member_is_moderator
from .standing import (
    LossCode,
    LossReason,
    StandingCard,
    StandingExplanation,
    StandingLoss,
    VouchExplained,
    VouchRole,
    forfeits_of,
    name_list,
    standing_card,
    standing_explanation,
    standing_loss,
)
from .trust import (
    PathStep,
    TrustNeighbourhood,
    TrustPathView,
    trust_distance,
    trust_neighbourhood,
    trust_path,
    trust_paths,
)
from .vouches import (
    accepted_vouch_count,
    vouch_for_member,
    vouch_quota_remaining,
    vouch_quota_used,
    vouches_awaiting,
    vouches_given,
    vouches_received,
)

__all__ = [
    "membership_export",
    "person",
    "INVITATION_TOKEN_SALT",
    "InvitationUnusable",
    "LossCode",
    "LossReason",
    "MemberPage",
    "ModerationNotice",
    "PathStep",
    "Ring",
    "StandingCard",
    "StandingExplanation",
    "StandingLoss",
    "TrustNeighbourhood",
    "TrustPathView",
    "VouchExplained",
    "VouchRole",
    "accepted_vouch_count",
    "appeal_of",
    "blocked_ids",
    "forfeits_of",
    "image_response",
    "invitation_check_usable",
    "invitation_for_inviter",
    "invitation_from_token",
    "invitation_token",
    "invitations_sent",
    "is_blocked",
    "member_by_email",
    "member_is_moderator",
    "member_page",
    "member_visible",
    "moderation_notices",
    "name_list",
    "record_for_appeal",
    "removal_notice",
    "standing_card",
    "standing_explanation",
    "standing_loss",
    "suspicious_rings",
    "trust_distance",
    "trust_neighbourhood",
    "trust_path",
    "trust_paths",
    "vouch_for_member",
    "vouch_quota_remaining",
    "vouch_quota_used",
    "vouches_awaiting",
    "vouches_given",
    "vouches_received",
]
