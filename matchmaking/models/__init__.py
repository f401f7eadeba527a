"""The dating side of Pledge: profiles, photos, interest, matches, introductions, messages.

Membership, vouches, trust and blocks belong to ``vouching``; this app asks it for
standing, trust paths and who blocks whom, and never the other way round. One module per
area; every model and its choices are importable from here.
"""

from .health import WorkerHeartbeat
from .introductions import Introduction
from .matches import Match, MatchQuerySet, Reaction
from .messages import MESSAGE_MAX_LENGTH, Message
from .notifications import Notification
from .photos import MAX_PHOTOS, Photo, PhotoConfirmation, photo_path
from .profiles import (
    ADULT_AGE,
    BIO_MAX_LENGTH,
    BROWSE_COLUMNS,
    MAX_PROMPTS,
    OLDEST_AGE,
    PROMPT_ANSWER_MAX_LENGTH,
    Gender,
    Profile,
    ProfilePrompt,
    ProfileQuerySet,
    Prompt,
    Reach,
    age_on,
    city_key,
    validate_adult,
)
from .reports import Report, ReportAction

__all__ = [
    "ADULT_AGE",
    "BIO_MAX_LENGTH",
    "BROWSE_COLUMNS",
    "MAX_PHOTOS",
    "MAX_PROMPTS",
    "MESSAGE_MAX_LENGTH",
    "OLDEST_AGE",
    "PROMPT_ANSWER_MAX_LENGTH",
    "Gender",
    "Introduction",
    "Match",
    "MatchQuerySet",
    "Message",
    "Notification",
    "Photo",
    "PhotoConfirmation",
    "Profile",
    "ProfilePrompt",
    "ProfileQuerySet",
    "Prompt",
    "Reach",
    "Reaction",
    "Report",
    "ReportAction",
    "WorkerHeartbeat",
    "age_on",
    "city_key",
    "photo_path",
    "validate_adult",
]
