"""What a member may see of the dating side, and the lists they browse.

Every lookup that takes an id from a request goes through a function here that scopes it
to the viewer and raises 404 otherwise: an id belonging to someone else is the same as an
id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from vouching import selectors as vouching
from vouching.models import Member, TrustScore, Vouch
from vouching.trust import paths as trust_paths

from .models import (
    Gender,
    Introduction,
    Match,
    Message,
    Notification,
    Photo,
    PhotoConfirmation,
    Profile,
    Reach,
    Reaction,
)

PAGE_SIZE = 12
# A profile page shows this many vouches, strongest first: enough to know someone by,
# few enough that the page of a member many people vouched for stays light.
VOUCHES_SHOWN = 20
# Browsing orders by closeness up to three links; farther profiles come after, by score.
CLOSENESS_DEPTH = 3
FAR = CLOSENESS_DEPTH + 1


def born_between(age_min: int, age_max: int, today: date) -> tuple[date, date]:
    """Birth dates of people aged ``age_min``..``age_max`` today (inclusive)."""
    latest = _years_before(today, age_min)
    earliest = _years_before(today, age_max + 1) + timedelta(days=1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def own_profile(member: Member) -> Profile | None:
    return Profile.objects.filter(member=member).prefetch_related("prompts", "photos").first()


def compatible(viewer: Profile, other: Profile) -> bool:
    """Both want to meet someone like the other, of the other's age."""
    return (
        other.gender in viewer.seeking
        and viewer.gender in other.seeking
        and viewer.age_min <= other.age <= viewer.age_max
        and other.age_min <= viewer.age <= other.age_max
    )


def _connected(viewer: Member, member: Member) -> bool:
    """A live match, or an open introduction, between them: they may see each other's
    profile. An accepted introduction made a match, which speaks for itself while it
    lasts; after an unmatch the usual rules apply again."""
    if Match.objects.active().between(viewer, member).exists():
        return True
    return (
        Introduction.objects.filter(
            Q(person_a=viewer, person_b=member) | Q(person_a=member, person_b=viewer)
        )
        .filter(status__in=Introduction.OPEN_STATUSES)
        .exists()
    )


def _introducing(viewer: Member, member: Member) -> bool:
    """The viewer is the friend in the middle of an open introduction of ``member``."""
    return (
        Introduction.objects.filter(intermediary=viewer)
        .filter(Q(person_a=member) | Q(person_b=member))
        .filter(status__in=Introduction.OPEN_STATUSES)
        .exists()
    )


def distance(viewer: Member, member: Member) -> int | None:
    """Links between them in the trust graph (at most four), or None."""
    path = trust_paths.find_trust_path(
        viewer.pk, member.pk, avoid=vouching.blocked_ids(member=viewer)
    )
    return path.length if path else None


def may_see_profile(viewer: Member, profile: Profile) -> bool:
    """The privacy rule, in one place: who may see a dating profile."""
    member = profile.member
    if viewer.pk == member.pk:
        return True
    if vouching.is_blocked(viewer, member) or not member.in_good_standing:
        return False
    if _connected(viewer, member):
        return True
    # The friend in the middle knows them directly: a profile hidden from direct
    # connections stays hidden from them, introduction or not.
    if not profile.hide_from_connections and _introducing(viewer, member):
        return True
    if not profile.is_shown or not viewer.in_good_standing:
        return False
    hops = distance(viewer, member)
    if hops == 1 and profile.hide_from_connections:
        return False
    vouched_for_them = Vouch.objects.accepted().given_by(viewer).received_by(member).exists()
    if vouched_for_them:
        return True  # friends who vouched for them may see it, and confirm the photos
    mine = Profile.objects.filter(member=viewer).first()
    if mine is None or not mine.is_shown or not compatible(mine, profile):
        return False
    limit = Reach(profile.reach).max_hops
    return limit is None or (hops is not None and hops <= limit)


def may_express_interest(viewer: Member, profile: Profile, *, seen: bool = False) -> bool:
    """Who may show interest in a profile, or ask to be introduced: someone dating (with
    a shown profile of their own) whom the owner would want to meet as they would want
    to meet the owner, and who may see the profile. A friend who vouched for the owner
    sees the profile to confirm the photos; that alone makes nobody a candidate.
    ``seen``: the caller got the profile from ``profile_for_viewer`` just now."""
    if viewer.pk == profile.member_id or not profile.is_shown:
        return False
    mine = Profile.objects.filter(member=viewer).first()
    if mine is None or not mine.is_shown or not compatible(mine, profile):
        return False
    return seen or may_see_profile(viewer, profile)


def profile_for_viewer(*, viewer: Member, public_id) -> Profile:
    profile = (
        Profile.objects.select_related("member", "member__trust")
        .prefetch_related("prompts", "photos")
        .filter(member__public_id=public_id, member__is_active=True)
        .first()
    )
    if profile is None or not may_see_profile(viewer, profile):
        raise Http404
    return profile


def photo_for_viewer(*, viewer: Member, photo_id: int) -> Photo:
    photo = Photo.objects.select_related("profile__member").filter(pk=photo_id).first()
    if photo is None or not may_see_profile(viewer, photo.profile):
        raise Http404
    return photo


# BROWSING -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    profile: Profile
    distance: int | None
    path: object  # vouching.selectors.TrustPathView or None
    vouches: int

    @property
    def member(self) -> Member:
        return self.profile.member


@dataclass(frozen=True)
class BrowsePage:
    cards: list[Card]
    number: int
    has_next: bool
    any_city: bool


def _candidates(
    viewer: Member, mine: Profile, any_city: bool, avoid: frozenset[int]
) -> QuerySet[Profile]:
    """Dating profiles that fit the viewer both ways, not blocked either way (``avoid``),
    not passed on and not matched; standing is ``_candidate_rows``' part."""
    today = timezone.localdate()
    earliest, latest = born_between(mine.age_min, mine.age_max, today)
    # Uncorrelated subqueries: the database reads the viewer's reactions and matches
    # once and looks every candidate up in them, where NOT EXISTS would probe the two
    # tables once per candidate (thousands, browsing every city).
    active = Match.objects.active()
    query = (
        Profile.objects.dating()
        .filter(gender__in=mine.seeking, **{f"seeks_{mine.gender}": True})
        .filter(birth_date__range=(earliest, latest))
        .filter(age_min__lte=mine.age, age_max__gte=mine.age)
        .exclude(member=viewer)
        .exclude(member_id__in=avoid)
        .exclude(member_id__in=Reaction.objects.filter(actor=viewer).values("target_id"))
        .exclude(member_id__in=active.filter(member_a=viewer).values("member_b_id"))
        .exclude(member_id__in=active.filter(member_b=viewer).values("member_a_id"))
    )
    if not any_city:
        query = query.filter(city_key=mine.city_key)
    return query


def _candidate_rows(
    candidates: QuerySet[Profile], *, among: list[int] | None = None, limit: int | None = None
) -> list[tuple]:
    """(member id, reach, hides from connections, trust score) of the candidates whose
    standing is vouched, best score first (then member id): only those ``among`` the
    given members, only the first ``limit``. Members hidden by moderation or closed
    accounts are the caller's to leave out (``trust_paths.hidden_members``).

    The trust scores are joined to the profiles directly: joining every candidate's
    member row as well costs more than the rest of the query when browsing every city.
    """
    profiles = candidates.values_list("member_id", "reach", "hide_from_connections")
    sql, params = profiles.query.sql_with_params()
    params = list(params)
    trust, members = TrustScore._meta.db_table, Member._meta.db_table
    query = (
        f"SELECT c.member_id, c.reach, c.hide_from_connections, COALESCE(t.score, 0) AS score"
        f" FROM ({sql}) c LEFT JOIN {trust} t ON t.member_id = c.member_id"
        f" WHERE (t.vouched OR c.member_id IN (SELECT id FROM {members} WHERE is_founder))"
    )
    if among is not None:
        condition, among_params = trust_paths.sql_in("c.member_id", among)
        query += f" AND {condition}"
        params += among_params
    query += " ORDER BY score DESC, c.member_id"
    if limit is not None:
        query += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


# Reach value → the most links it spans (None: every vouched member); read per candidate.
REACH_LIMITS = {reach.value: reach.max_hops for reach in Reach}


def _shown(reach: str, hides: bool, hops: int) -> bool:
    """The owner's reach and hiding, for a viewer ``hops`` links away (FAR: farther)."""
    if hides and hops == 1:
        return False
    limit = REACH_LIMITS[reach]
    return limit is None or hops <= limit


# Candidates whose distance is asked at once, doubling each time more are needed.
DISTANCE_BATCH = 250
# Candidates beyond two links read at first, best score first: enough for the first
# batch of distances on most pages. Only a page that needs more reads all of them.
FIRST_ROWS = 400
# A viewer whose second ring has at most this many vouches (few connections) has their
# third ring read whole, and the candidates in it read by id.
THIRD_RING_LINKS = 5000


def browse_refusal(*, viewer: Member) -> str | None:
    """Why the viewer cannot browse, before any browsing query runs: "standing",
    "profile" (none yet), "matchmaker" (dating turned off), "paused"; None if they can."""
    if not viewer.in_good_standing:
        return "standing"
    mine = Profile.objects.filter(member=viewer).only("is_dating", "paused_at").first()
    if mine is None:
        return "profile"
    if not mine.is_dating:
        return "matchmaker"
    if mine.paused_at is not None:
        return "paused"
    return None


def vouch_counts(
    *, viewer: Member, member_ids: list[int], blocked: frozenset[int] | None = None
) -> dict[int, int]:
    """For each member, the accepted vouches their page shows ``viewer``: none from
    members hidden by moderation or inactive, none from anyone blocked either way
    (``vouching.selectors.vouches_received``, counted in one query for a page of cards).
    ``blocked``: the viewer's ``blocked_ids``, when the caller has them already."""
    if blocked is None:
        blocked = vouching.blocked_ids(member=viewer)
    rows = (
        Vouch.objects.accepted()
        .filter(vouchee_id__in=member_ids, voucher__in=Member.objects.visible())
        .exclude(voucher_id__in=blocked)
        .order_by()
        .values_list("vouchee_id")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


def _shown_rows(rows, skip, hidden: frozenset[int], hops: int) -> list[tuple[int, str, bool]]:
    """The candidate rows, but for ``skip`` and hidden members, whose owner shows their
    profile ``hops`` links away."""
    return [
        (member_id, reach, hides)
        for member_id, reach, hides, _score in rows
        if member_id not in skip and member_id not in hidden and _shown(reach, hides, hops)
    ]


def _beyond_two_from_ring(
    candidates: QuerySet[Profile], ring: frozenset[int], ball: dict, hidden, need: int
) -> tuple[list[int], list[int] | None]:
    """Candidates beyond two links, for a viewer whose whole third ring is known: (those
    three links away, best score first; the farther ones, or None when the page did not
    need them)."""
    third = [
        m for m, *_ in _shown_rows(_candidate_rows(candidates, among=list(ring)), (), hidden, 3)
    ]
    if len(third) >= need:
        return third, None
    everyone = _candidate_rows(candidates)
    return third, [m for m, *_ in _shown_rows(everyone, ball.keys() | ring, hidden, FAR)]


def _beyond_two_asking(
    candidates: QuerySet[Profile], neighbourhood, hidden, need: int
) -> tuple[list[int], list[int] | None]:
    """The same, for a viewer with a large third ring: the candidates are read best
    score first (``FIRST_ROWS``, then all of them if the page needs more) and whether
    they are three links away is asked in batches, only until the page is full."""
    rest: list[tuple[int, str, bool]] = []  # profiles that reach two links only are out
    read: set[int] = set()
    third, farther = [], []
    asked, batch, limit, complete = 0, DISTANCE_BATCH, FIRST_ROWS, False
    while len(third) < need:
        if asked == len(rest):
            if complete:
                break
            rows = _candidate_rows(candidates, limit=limit)
            complete, limit = limit is None or len(rows) < limit, None
            rest += _shown_rows(rows, neighbourhood.ball.keys() | read, hidden, 3)
            read.update(row[0] for row in rows)
            continue
        chunk = rest[asked : asked + batch]
        asked, batch = asked + len(chunk), batch * 2
        found = neighbourhood.distances([c[0] for c in chunk])
        for member_id, reach, hides in chunk:
            hops = found.get(member_id, FAR)
            if _shown(reach, hides, hops):
                (third if hops == 3 else farther).append(member_id)
    return third, farther if complete and asked == len(rest) else None


def browse(*, viewer: Member, any_city: bool = False, page: int = 1) -> BrowsePage:
    """Vouched profiles the viewer may see, closest in the trust graph first, then by
    trust score. Raises ``Profile.DoesNotExist`` when the viewer has no dating profile.

    Members one or two links away are known from the viewer's cached neighbourhood,
    and the candidates among them are read first: often they fill the page. Beyond
    them, a viewer with few connections has their whole third ring read, and the
    candidates in it by id; for everyone else see ``_beyond_two_asking``. The farther
    candidates are read only when the page reaches them.
    """
    mine = Profile.objects.get(member=viewer)
    generation = trust_paths.current_generation()
    avoid = vouching.blocked_ids(member=viewer)
    candidates = _candidates(viewer, mine, any_city, avoid)
    hidden = trust_paths.hidden_members(generation)
    page = max(1, page)
    start = (page - 1) * PAGE_SIZE
    wanted = start + PAGE_SIZE + 1  # one more tells whether there is a next page
    book = trust_paths.LinkBook(generation)  # members' links, read once for the page
    neighbourhood = trust_paths.Neighbourhood(viewer.pk, generation, avoid, book=book)
    ball = neighbourhood.ball
    near: dict[int, int] = {}
    close = []
    for member_id, reach, hides, _score in _candidate_rows(candidates, among=list(ball)):
        if member_id not in hidden:
            near[member_id] = hops = ball[member_id]
            if _shown(reach, hides, hops):
                close.append((hops, member_id))
    close.sort(key=lambda entry: entry[0])  # stable: by score within each distance
    ordered = [member_id for _hops, member_id in close]
    if len(ordered) < wanted:
        need = wanted - len(ordered)
        ring = neighbourhood.third_ring(THIRD_RING_LINKS)
        if ring is None:
            third, farther = _beyond_two_asking(candidates, neighbourhood, hidden, need)
        else:
            third, farther = _beyond_two_from_ring(candidates, ring, ball, hidden, need)
        near.update(dict.fromkeys(third, 3))
        ordered += third + (farther or [])
    chosen = ordered[start : start + PAGE_SIZE]
    profiles = (
        Profile.objects.filter(member_id__in=chosen)
        .select_related("member", "member__trust")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("position", "pk")))
        .in_bulk(chosen, field_name="member_id")
    )
    vouches = vouch_counts(viewer=viewer, member_ids=chosen, blocked=avoid)
    members = [profiles[m].member for m in chosen if m in profiles]
    found_paths = vouching.trust_paths(
        viewer=viewer, targets=members, generation=generation, avoid=avoid, book=book
    )
    cards = [
        Card(
            profile=profiles[m],
            distance=near.get(m),
            path=found_paths.get(m),
            vouches=vouches.get(m, 0),
        )
        for m in chosen
        if m in profiles
    ]
    return BrowsePage(
        cards=cards,
        number=page,
        has_next=start + PAGE_SIZE < len(ordered),
        any_city=any_city,
    )


# PROFILE PAGE -------------------------------------------------------------------------


def mutual_connections(*, viewer: Member, member: Member) -> list[Member]:
    """Members with a vouch link to both: the people who could introduce them."""
    generation = trust_paths.current_generation()
    links = trust_paths.member_links([viewer.pk, member.pk], generation)
    mine = {link.other for link in links.get(viewer.pk, ())}
    theirs = {link.other for link in links.get(member.pk, ())}
    shared = (
        (mine & theirs) - vouching.blocked_ids(member=viewer) - vouching.blocked_ids(member=member)
    )
    return list(Member.objects.in_good_standing().filter(pk__in=shared).order_by("display_name"))


def people_known(*, member: Member) -> list[Member]:
    """Members linked to ``member`` by an accepted vouch who date on Pledge: the people a
    matchmaker can introduce to each other. Not those who hide their profile from the
    people they know directly: ``member`` is one of them."""
    generation = trust_paths.current_generation()
    linked = {link.other for link in trust_paths.member_links([member.pk], generation)[member.pk]}
    linked -= vouching.blocked_ids(member=member)
    return list(
        Member.objects.in_good_standing()
        .filter(pk__in=linked, profile__is_dating=True, profile__paused_at__isnull=True)
        .filter(profile__hide_from_connections=False)
        .order_by("display_name")
    )


def vouches_shown(*, member: Member, viewer: Member) -> list[Vouch]:
    """The vouches a profile page shows: the strongest, the most recent first among
    equals, at most ``VOUCHES_SHOWN``; ``vouch_counts`` gives how many there are."""
    received = vouching.vouches_received(member=member, viewer=viewer)
    return list(received.order_by("-strength", "-created_at", "-pk")[:VOUCHES_SHOWN])


def reaction_of(viewer: Member, member: Member) -> str | None:
    return (
        Reaction.objects.filter(actor=viewer, target=member).values_list("kind", flat=True).first()
    )


def photo_confirmers(profile: Profile) -> dict[int, list[Member]]:
    """For each photo, the vouchers who confirmed it shows this person."""
    confirmers: dict[int, list[Member]] = {}
    for confirmation in PhotoConfirmation.objects.filter(photo__profile=profile).select_related(
        "voucher"
    ):
        confirmers.setdefault(confirmation.photo_id, []).append(confirmation.voucher)
    return confirmers


# MATCHES, INTRODUCTIONS, MESSAGES ---------------------------------------------------------


def _reachable(query: QuerySet, member: Member, *fields: str) -> QuerySet:
    """``query`` without the rows where one of ``fields`` (member ids) is someone
    ``member`` blocked or was blocked by, or a member hidden by moderation or gone."""
    blocked = vouching.blocked_ids(member=member)
    hidden = Member.objects.hidden().values("pk")
    for field in fields:
        query = query.exclude(**{f"{field}__in": blocked}).exclude(**{f"{field}__in": hidden})
    return query


def matches_of(*, member: Member) -> QuerySet[Match]:
    """Their matches, without anyone blocked or hidden (banned, suspended, gone)."""
    unread = Message.objects.filter(match=OuterRef("pk"), read_at__isnull=True).exclude(
        sender=member
    )
    return (
        _reachable(Match.objects.active().of(member), member, "member_a_id", "member_b_id")
        .select_related("member_a", "member_b")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=member),
            ),
            has_unread=Exists(unread),
        )
        .order_by("-created_at")
    )


def match_for_member(*, member: Member, match_id: int) -> Match:
    matches = Match.objects.active().of(member).filter(pk=match_id)
    match = (
        _reachable(matches, member, "member_a_id", "member_b_id")
        .select_related("member_a", "member_b")
        .first()
    )
    if match is None:
        raise Http404
    return match


def message_to_report(*, member: Member, message_id: int) -> Message:
    """A message the other person wrote in a conversation ``member`` took part in, ended
    or not: blocking or unmatching someone must not stop reporting what they wrote."""
    message = (
        Message.objects.select_related("match", "sender")
        .filter(pk=message_id)
        .filter(Q(match__member_a=member) | Q(match__member_b=member))
        .exclude(sender=member)
        .first()
    )
    if message is None:
        raise Http404
    return message


def messages_of(match: Match) -> QuerySet[Message]:
    return match.messages.select_related("sender")


def unread_message_count(member: Member) -> int:
    unread = (
        Message.objects.filter(read_at__isnull=True, match__ended_at__isnull=True)
        .filter(Q(match__member_a=member) | Q(match__member_b=member))
        .exclude(sender=member)
    )
    return _reachable(unread, member, "sender_id").count()


def introductions_for(*, member: Member) -> dict[str, QuerySet[Introduction]]:
    base = _reachable(
        Introduction.objects.select_related("intermediary", "person_a", "person_b"),
        member,
        "intermediary_id",
        "person_a_id",
        "person_b_id",
    )
    return {
        # Asked of me as the friend in the middle, waiting for me.
        "to_make": base.filter(intermediary=member, status=Introduction.Status.WITH_INTERMEDIARY),
        # Introductions waiting for my answer.
        "to_answer": base.filter(status=Introduction.Status.WITH_PEOPLE).filter(
            Q(person_b=member, b_accepted_at__isnull=True)
            | Q(person_a=member, a_accepted_at__isnull=True)
        ),
        # What I asked for, or offered, still open.
        "mine": base.filter(
            Q(person_a=member, kind=Introduction.Kind.REQUESTED)
            | Q(intermediary=member, kind=Introduction.Kind.OFFERED)
        ).filter(created_at__gte=timezone.now() - timedelta(days=90)),
    }


def introduction_for_member(*, member: Member, introduction_id: int) -> Introduction:
    introduction = (
        Introduction.objects.select_related("intermediary", "person_a", "person_b")
        .filter(pk=introduction_id)
        .filter(Q(intermediary=member) | Q(person_a=member) | Q(person_b=member))
        .first()
    )
    if introduction is None:
        raise Http404
    others = {introduction.intermediary, introduction.person_a, introduction.person_b} - {member}
    if any(vouching.is_blocked(member, other) for other in others):
        raise Http404
    return introduction


def notifications_of(*, member: Member) -> QuerySet[Notification]:
    blocked = vouching.blocked_ids(member=member)
    return (
        Notification.objects.filter(recipient=member)
        .exclude(actor_id__in=blocked)
        .select_related("actor", "match", "introduction", "vouch", "record__vouch__vouchee")
    )


def unread_notification_count(member: Member) -> int:
    return notifications_of(member=member).filter(read_at__isnull=True).count()


def genders_sought(profile: Profile) -> list[str]:
    return [Gender(g).label for g in profile.seeking]
