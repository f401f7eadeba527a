"""What a member may see of the dating side, and the lists they browse.

Every lookup that takes an id from a request goes through a function here that scopes it
to the viewer and raises 404 otherwise: an id belonging to someone else is the same as an
id that does not exist. One module per area: ``visibility`` (the privacy rules),
``profiles`` (a member's own profile, another's page), ``browsing``, ``matches`` (and
their messages), ``introductions``, ``notifications`` and ``reports`` (what a member may
report). Callers import this package, not its modules.
"""

from .browsing import BrowsePage, Card, born_between, browse, browse_refusal
from .exports import dating_export, member_export, photo_archive_name
from .health import health_report
from .introductions import (
    introduction_for_member,
    introductions_for,
    mutual_connections,
    people_known,
)
from .matches import match_for_member, matches_of, messages_of, unread_message_count
from .notifications import notifications_of, unread_notification_count
from .profiles import (
    ProfilePage,
    own_photo,
    own_profile,
    photo_confirmers,
    profile_page,
    reaction_of,
    vouch_counts,
    vouches_shown,
)
from .reports import message_to_report, vouch_to_report
from .visibility import (
    compatible,
    may_express_interest,
    may_see_profile,
    photo_for_viewer,
    profile_for_viewer,
)

__all__ = [
    "dating_export",
    "member_export",
    "photo_archive_name",
    "BrowsePage",
    "Card",
    "ProfilePage",
    "born_between",
    "browse",
    "browse_refusal",
    "compatible",
    "health_report",
    "introduction_for_member",
    "introductions_for",
    "match_for_member",
    "matches_of",
    "may_express_interest",
    "may_see_profile",
    "message_to_report",
    "messages_of",
    "mutual_connections",
    "notifications_of",
    "own_photo",
    "own_profile",
    "people_known",
    "photo_confirmers",
    "photo_for_viewer",
    "profile_for_viewer",
    "profile_page",
    "reaction_of",
    "unread_message_count",
    "unread_notification_count",
    "vouch_counts",
    "vouch_to_report",
    "vouches_shown",
]
