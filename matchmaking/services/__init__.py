"""Every change on the dating side goes through these functions; views hold no rules."""

from .accounts import account_close, photos_let_go
from .health import worker_heartbeat_record
from .introductions import (
    introduction_decline_quietly,
    introduction_introduce,
    introduction_offer,
    introduction_request,
    introduction_request_refusal,
    introduction_respond,
    introduction_withdraw,
)
from .matches import match_end, reaction_interest, reaction_pass
from .messages import message_send, messages_mark_read
from .notifications import (
    notification_create,
    notification_emails_pending,
    notification_send_email,
    notifications_mark_read,
)
from .profiles import (
    photo_add,
    photo_confirm,
    photo_delete,
    photo_make_main,
    profile_pause,
    profile_resume,
    profile_save,
)
from .reports import report_claim, report_dismiss, report_release, report_resolve
from .safety import member_block, member_unblock, report_file

__all__ = [
    "account_close",
    "member_block",
    "introduction_decline_quietly",
    "introduction_introduce",
    "introduction_offer",
    "introduction_request",
    "introduction_request_refusal",
    "introduction_respond",
    "introduction_withdraw",
    "match_end",
    "message_send",
    "messages_mark_read",
    "notification_emails_pending",
    "notification_send_email",
    "notifications_mark_read",
    "notification_create",
    "photo_add",
    "photo_confirm",
    "photo_delete",
    "photo_make_main",
    "photos_let_go",
    "profile_pause",
    "profile_resume",
    "profile_save",
    "reaction_interest",
    "reaction_pass",
    "report_claim",
    "report_dismiss",
    "report_file",
    "report_release",
    "report_resolve",
    "member_unblock",
    "worker_heartbeat_record",
]
