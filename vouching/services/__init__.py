"""Every change to membership and trust goes through these functions.

The vouching rules live here and only here. A refusal is a ``ValidationError`` with a
message a person can read (keyed by form field where one applies); views show it next to
the form, never as an error page.
"""

from ..images import ImageRejected, sanitize_image
from .appeals import appeal_decide, appeal_file
from .closures import files_delete_after_commit, member_close
from .invitations import (
    email_mismatch_message,
    invitation_create,
    invitation_emails_pending,
    invitation_send_email,
    invitation_withdraw,
    member_join,
    vouch_or_invite,
)
from .members import (
    founder_create,
    member_block,
    member_set_language,
    member_unblock,
    member_update,
    password_set_link,
    placeholder_claim,
)
from .moderation import moderation_record_create, moderator_grant
from .names import display_name_check, name_fold
from .pledges import (
    FORFEIT_DAYS,
    FORFEIT_WEIGHT,
    forfeit_notices_pending,
    forfeit_send_notice,
    pledge_forfeit,
)
from .previews import Preview, moderation_preview
from .removals import member_ban, member_reinstate, member_suspend
from .revocations import vouch_revoke
from .rules import VouchTerms, member_check_active, vouching_refusal, vouching_suspended_until
from .trust import (
    ENQUEUE_PRESUMED_LOST_SECONDS,
    TrustComparison,
    TrustRun,
    configured_metric_name,
    trust_compare,
    trust_graph_changed,
    trust_recalculate,
    trust_recalculation_claim,
    trust_recalculation_spacing,
    trust_recalculation_unclaim,
    trust_sweep_needed,
)
from .uploads import image_upload_record
from .vouches import vouch_accept, vouch_create, vouch_decline, vouch_withdraw

__all__ = [
    "Preview",
    "appeal_decide",
    "appeal_file",
    "member_reinstate",
    "member_suspend",
    "moderation_preview",
    "moderator_grant",
    "moderation_record_create",
    "ENQUEUE_PRESUMED_LOST_SECONDS",
    "FORFEIT_DAYS",
    "FORFEIT_WEIGHT",
    "TrustComparison",
    "TrustRun",
    "VouchTerms",
    "configured_metric_name",
    "display_name_check",
    "name_fold",
    "email_mismatch_message",
    "files_delete_after_commit",
    "forfeit_notices_pending",
    "forfeit_send_notice",
    "founder_create",
    "invitation_create",
    "invitation_emails_pending",
    "invitation_send_email",
    "invitation_withdraw",
    "member_ban",
    "member_block",
    "member_check_active",
    "member_close",
    "member_join",
    "member_unblock",
    "member_set_language",
    "member_update",
    "password_set_link",
    "placeholder_claim",
    "pledge_forfeit",
    "trust_compare",
    "trust_graph_changed",
    "trust_recalculate",
    "trust_recalculation_claim",
    "trust_recalculation_spacing",
    "trust_recalculation_unclaim",
    "trust_sweep_needed",
    "vouch_accept",
    "vouch_create",
    "vouch_decline",
    "vouch_or_invite",
    "vouch_revoke",
    "vouch_withdraw",
    "vouching_refusal",
    "vouching_suspended_until",
    # Uploaded pictures, made safe to keep (``vouching.images``), for other apps' uploads.
    "ImageRejected",
    "image_upload_record",
    "sanitize_image",
]
