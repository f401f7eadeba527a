"""Browsing: the vouched profiles a member may see, closest in the trust graph first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from vouching import selectors as vouching_selectors
from vouching.models import Member, TrustScore
from vouching.sql import sql_in

from ..models import Match, Photo, Profile, Reach, Reaction
from .profiles import vouch_counts

PAGE_SIZE = 12
# Browsing orders by closeness up to three links; farther profiles come after, by score.
CLOSENESS_DEPTH = 3
FAR = CLOSENESS_DEPTH + 1
# Reach value → the most links it spans (None: every vouched member); read per candidate.
REACH_LIMITS = {reach.value: reach.max_hops for reach in Reach}
# Candidates whose distance is asked at once, doubling each time more are needed.
DISTANCE_BATCH = 250
# Candidates beyond two links read at first, best score first: enough for the first
# batch of distances on most pages. A page that needs more reads eight times as many
# each time (from the best again), until a read comes back short: at a million members
# reading every candidate of a city at once took a page 100 to 200 ms.
FIRST_ROWS = 400
ROWS_GROWTH = 8
# A viewer whose second ring has at most this many vouches (few connections) has their
# third ring read whole, and the candidates in it read by id.
THIRD_RING_LINKS = 5000


@dataclass(frozen=True)
class Card:
    profile: Profile
    distance: int | None
    path: vouching_selectors.TrustPathView | None
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


def born_between(*, age_min: int, age_max: int, today: date) -> tuple[date, date]:
    """Birth dates of people aged ``age_min``..``age_max`` today (inclusive)."""
    latest = _years_before(today, age_min)
    earliest = _years_before(today, age_max + 1) + timedelta(days=1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


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
    # The graph generation, the viewer's blocks and members' links, read once for the page.
    trust = vouching_selectors.trust_neighbourhood(member=viewer)
    candidates = _candidates(viewer, mine, any_city, trust.blocked)
    page = max(1, page)
    start = (page - 1) * PAGE_SIZE
    wanted = start + PAGE_SIZE + 1  # one more tells whether there is a next page
    near, ordered = _in_order(candidates, trust, wanted)
    return BrowsePage(
        cards=_cards(viewer, ordered[start : start + PAGE_SIZE], near, trust),
        number=page,
        has_next=start + PAGE_SIZE < len(ordered),
        any_city=any_city,
    )


def _candidates(
    viewer: Member, mine: Profile, any_city: bool, avoid: frozenset[int]
) -> QuerySet[Profile]:
    """Dating profiles that fit the viewer both ways, not blocked either way (``avoid``),
    not passed on and not matched; standing is ``_candidate_rows``' part."""
    today = timezone.localdate()
    earliest, latest = born_between(age_min=mine.age_min, age_max=mine.age_max, today=today)
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
    accounts are the caller's to leave out (``TrustNeighbourhood.hidden``).

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
        condition, among_params = sql_in("c.member_id", among)
        query += f" AND {condition}"
        params += among_params
    query += " ORDER BY score DESC, c.member_id"
    if limit is not None:
        query += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _shown(reach: str, hides: bool, hops: int) -> bool:
    """The owner's reach and hiding, for a viewer ``hops`` links away (FAR: farther)."""
    if hides and hops == 1:
        return False
    limit = REACH_LIMITS[reach]
    return limit is None or hops <= limit


def _shown_rows(rows, skip, hidden: frozenset[int], hops: int) -> list[tuple[int, str, bool]]:
    """The candidate rows, but for ``skip`` and hidden members, whose owner shows their
    profile ``hops`` links away."""
    return [
        (member_id, reach, hides)
        for member_id, reach, hides, _score in rows
        if member_id not in skip and member_id not in hidden and _shown(reach, hides, hops)
    ]


def _in_order(
    candidates: QuerySet[Profile], trust: vouching_selectors.TrustNeighbourhood, wanted: int
) -> tuple[dict[int, int], list[int]]:
    """(member id → links, for the candidates within three links found; the candidates'
    member ids in browsing order, at least ``wanted`` of them where there are as many)."""
    ball = trust.within_two
    near: dict[int, int] = {}
    close = []
    for member_id, reach, hides, _score in _candidate_rows(candidates, among=list(ball)):
        if member_id not in trust.hidden:
            near[member_id] = hops = ball[member_id]
            if _shown(reach, hides, hops):
                close.append((hops, member_id))
    close.sort(key=lambda entry: entry[0])  # stable: by score within each distance
    ordered = [member_id for _hops, member_id in close]
    if len(ordered) < wanted:
        need = wanted - len(ordered)
        ring = trust.third_ring(THIRD_RING_LINKS)
        if ring is None:
            third, farther = _beyond_two_asking(candidates, trust, need)
        else:
            third, farther = _beyond_two_from_ring(candidates, ring, trust, need)
        near.update(dict.fromkeys(third, 3))
        ordered += third + (farther or [])
    return near, ordered


def _beyond_two_from_ring(
    candidates: QuerySet[Profile],
    ring: frozenset[int],
    trust: vouching_selectors.TrustNeighbourhood,
    need: int,
) -> tuple[list[int], list[int] | None]:
    """Candidates beyond two links, for a viewer whose whole third ring is known: (those
    three links away, best score first; the farther ones, or None when the page did not
    need them)."""
    rows = _candidate_rows(candidates, among=list(ring))
    third = [m for m, *_ in _shown_rows(rows, (), trust.hidden, 3)]
    if len(third) >= need:
        return third, None
    everyone = _candidate_rows(candidates)
    skip = trust.within_two.keys() | ring
    return third, [m for m, *_ in _shown_rows(everyone, skip, trust.hidden, FAR)]


def _beyond_two_asking(
    candidates: QuerySet[Profile], trust: vouching_selectors.TrustNeighbourhood, need: int
) -> tuple[list[int], list[int] | None]:
    """The same, for a viewer with a large third ring: the candidates are read best
    score first (``FIRST_ROWS``, then ``ROWS_GROWTH`` times as many while the page needs
    more) and whether they are three links away is asked in batches, only until the
    page is full."""
    rest: list[tuple[int, str, bool]] = []  # profiles that reach two links only are out
    read: set[int] = set()
    third, farther = [], []
    asked, batch, limit, complete = 0, DISTANCE_BATCH, FIRST_ROWS, False
    while len(third) < need:
        if asked == len(rest):
            if complete:
                break
            rows = _candidate_rows(candidates, limit=limit)
            complete, limit = len(rows) < limit, limit * ROWS_GROWTH
            rest += _shown_rows(rows, trust.within_two.keys() | read, trust.hidden, 3)
            read.update(row[0] for row in rows)
            continue
        chunk = rest[asked : asked + batch]
        asked, batch = asked + len(chunk), batch * 2
        found = trust.distances([c[0] for c in chunk])
        for member_id, reach, hides in chunk:
            hops = found.get(member_id, FAR)
            if _shown(reach, hides, hops):
                (third if hops == 3 else farther).append(member_id)
    return third, farther if complete and asked == len(rest) else None


def _cards(
    viewer: Member,
    chosen: list[int],
    near: dict[int, int],
    trust: vouching_selectors.TrustNeighbourhood,
) -> list[Card]:
    """The page's cards, in the order of ``chosen`` (member ids)."""
    profiles = (
        Profile.objects.filter(member_id__in=chosen)
        .select_related("member", "member__trust")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("position", "pk")))
        .in_bulk(chosen, field_name="member_id")
    )
    vouches = vouch_counts(viewer=viewer, member_ids=chosen, blocked=trust.blocked)
    members = [profiles[m].member for m in chosen if m in profiles]
    found_paths = trust.paths(members)
    return [
        Card(
            profile=profiles[m],
            distance=near.get(m),
            path=found_paths.get(m),
            vouches=vouches.get(m, 0),
        )
        for m in chosen
        if m in profiles
    ]
