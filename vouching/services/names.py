"""Display names: what may be shown as a person's name, and whose name it may not be.

A name is normalised (NFKC, whitespace collapsed) and refused when it holds characters
that hide or reorder text (controls, format characters such as zero-width joiners and
bidirectional overrides, private-use or unassigned code points) or piles of combining
marks. It must not pass for Pledge itself or a moderator, nor for a member of the
person's own circle: two people two vouches apart with the same name make a trust path
("You → Mei → Mei") ambiguous, and that is where an impersonator finds the people who
would believe them. Elsewhere names may repeat: real people share names.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import Member, Vouch

# Words that would make a name look official, compared after folding (below).
RESERVED_WORDS = frozenset(
    {
        "pledge",
        "moderator",
        "moderators",
        "moderation",
        "admin",
        "administrator",
        "official",
        "staff",
        "support",
        "system",
    }
)
# Combining marks on one letter: scripts need two or three (Thai tone over vowel,
# Vietnamese before composition); more is "Zalgo" text spilling over its neighbours.
MAX_COMBINING_MARKS = 3
# Unicode categories never allowed: controls, format characters (zero-width, bidi
# overrides and isolates), surrogates, private use, unassigned.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Look-alikes folded before names are compared (a small part of Unicode's confusables,
# the letters that pass for Latin ones in names): Cyrillic, Greek, digits and symbols.
CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "l", "ї": "l",
        "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
        "0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "$": "s", "@": "a",
    }
)  # fmt: skip
MULTI_LETTER_CONFUSABLES = (("rn", "m"), ("vv", "w"))


def name_fold(name: str) -> str:
    """A name reduced to how it looks: case, accents, look-alikes, spacing and
    punctuation folded away, so "Ｍοdеrаtor", "mod.erator" and "MODERATOR" are one."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(CONFUSABLES)
    text = "".join(c for c in text if c.isalnum())
    for pair, single in MULTI_LETTER_CONFUSABLES:
        text = text.replace(pair, single)
    return text


def _check_characters(name: str) -> None:
    marks = 0
    for char in unicodedata.normalize("NFD", name):  # marks counted apart from letters
        category = unicodedata.category(char)
        if category in FORBIDDEN_CATEGORIES:
            raise ValidationError(
                _("Your name contains an invisible or control character (%(code)s).")
                % {"code": f"U+{ord(char):04X}"},
                code="characters",
            )
        marks = marks + 1 if category in ("Mn", "Me") else 0
        if marks > MAX_COMBINING_MARKS:
            raise ValidationError(
                _("Your name piles up too many accents on one letter."), code="characters"
            )
    if not any(char.isalnum() for char in name):
        raise ValidationError(_("Your name needs at least one letter."), code="characters")


def _circle_ids(start: set[int]) -> set[int]:
    """Members within two vouches (given or received, standing or awaiting an answer)
    of ``start``."""
    seen = set(start)
    frontier = set(start)
    for _hop in range(2):
        links = (
            Vouch.objects.active()
            .filter(Q(voucher__in=frontier) | Q(vouchee__in=frontier))
            .values_list("voucher_id", "vouchee_id")
        )
        frontier = {m for pair in links for m in pair} - seen
        seen |= frontier
    return seen


def _taken_by(folded: str, candidates, member: Member | None) -> bool:
    if member is not None and member.pk:
        candidates = candidates.exclude(pk=member.pk)
    names = candidates.values_list("display_name", flat=True)
    return any(name_fold(other) == folded for other in names.iterator())


def display_name_check(
    *, name: str, member: Member | None = None, inviter: Member | None = None
) -> str:
    """The name as it will be stored, or a ``ValidationError`` saying why not. ``member``
    is who renames themselves; at signup there is none yet, and ``inviter`` (who vouched
    by invitation) stands in for their circle."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        raise ValidationError(_("Tell us the name other members should see."), code="required")
    _check_characters(name)
    folded = name_fold(name)
    words = {name_fold(word) for word in name.split()}
    if folded in RESERVED_WORDS or words & RESERVED_WORDS:
        raise ValidationError(
            _("Names that look official (Pledge, moderator, …) are kept for the site."),
            code="reserved",
        )
    if _taken_by(folded, Member.objects.moderators(), member):
        raise ValidationError(_("This is a moderator's name: choose another."), code="moderator")
    start = {m.pk for m in (member, inviter) if m is not None and m.pk}
    if start and _taken_by(folded, Member.objects.filter(pk__in=_circle_ids(start)), member):
        raise ValidationError(
            _(
                "Someone among the people you know here already goes by this name. Add "
                "an initial or a nickname so that your friends can tell you apart."
            ),
            code="taken",
        )
    return name
