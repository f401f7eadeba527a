"""Trust paths: how a viewer is connected to another member ("You → Mei → Jon → Lena").

A request never loads the whole graph. A breadth-first search runs from both ends at
once over the indexed table of accepted vouches, two links from each end, and the two
sides meet in the middle. Each member's links are cached under the current
graph generation, so a change to the vouch graph makes every cached neighbourhood stale at
once and nothing needs invalidating by hand.

Among the shortest paths the strongest wins: the one whose weakest vouch is strongest,
then the one with the greatest total strength. A vouch links two people whichever way it
points; a hop records who vouched for whom.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import connection

from ..models import Member, TrustState, Vouch

MAX_HOPS = 4
# Neighbourhoods outlive a generation only by accident; the key changes with it anyway.
CACHE_SECONDS = 60 * 60
_MISSING = object()


@dataclass(frozen=True)
class Link:
    """The strongest accepted vouch between two members, seen from one of them."""

    other: int
    strength: int
    vouch_id: int
    outgoing: bool  # True if "this" member vouched for ``other``


@dataclass(frozen=True)
class Hop:
    voucher_id: int
    vouchee_id: int
    strength: int
    vouch_id: int
    relationship: str = ""  # how the voucher knows the vouchee, as the vouch says


@dataclass(frozen=True)
class TrustPath:
    member_ids: tuple[int, ...]  # viewer first, target last
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


def current_generation() -> int:
    generation = TrustState.objects.order_by().values_list("generation", flat=True)[:1]
    return generation[0] if generation else 0


def _avoid_key(avoid: frozenset[int]) -> str:
    return hashlib.blake2b(repr(sorted(avoid)).encode(), digest_size=8).hexdigest()


def _view_key(generation: int, hidden: frozenset[int]) -> str:
    """The part of a cache key that fixes what a search may pass through: the graph
    generation and everyone out of bounds. Suspensions end and accounts close without a
    new generation; with the hidden members in the key, an answer computed while someone
    was hidden is never served once they are back (nor the other way round)."""
    return f"{generation}:{_avoid_key(hidden)}"


def hidden_members(generation: int) -> frozenset[int]:
    """Members nobody may be connected through: banned, suspended or inactive."""
    key = f"trust:hidden:{generation}"
    hidden = cache.get(key)
    if hidden is None:
        hidden = frozenset(Member.objects.hidden().values_list("pk", flat=True))
        # Suspensions end by the clock, not by a graph change: keep this one short.
        cache.set(key, hidden, 60)
    return hidden


# Written into the SQL, not passed as a parameter: SQLite uses a partial index (here the
# covering indexes of accepted vouches) only when the query states its condition.
ACCEPTED = f"status = '{Vouch.Status.ACCEPTED.value}'"
assert Vouch.Status.ACCEPTED.value.isalpha()


def _vouches_by(column: str) -> str:
    """The vouch table, read through the covering index of accepted vouches by ``column``
    (SQLite's planner would otherwise pick the narrower index and visit every row)."""
    table = Vouch._meta.db_table
    if connection.vendor == "sqlite":
        index = "vouch_accepted_out" if column == "voucher_id" else "vouch_accepted_in"
        return f"{table} INDEXED BY {index}"
    return table


def sql_in(column: str, values: Iterable[int], *, join: bool = False) -> tuple[str, list]:
    """``column`` is one of ``values``, as one query parameter however many they are
    (SQLite caps the number of parameters; PostgreSQL plans one array faster).
    ``join``: the values are a set to match rows against, not to look rows up by: on
    PostgreSQL a semi-join, which hashes them, where ``= ANY`` next to another indexed
    condition makes the planner intersect two index scans."""
    values = list(values)
    if connection.vendor == "postgresql":
        if join:
            return f"{column} IN (SELECT unnest(%s::bigint[]))", [values]
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]


def _links_query(owners: list[int], towards=None) -> dict[int, list[Link]]:
    """The links of ``owners`` (the strongest vouch per pair, either way), one query over
    the two covering indexes of accepted vouches. ``towards(column)`` may add a condition
    on the other end: (SQL, parameters). Plain SQL: this runs several times in every
    cold trust-path search, where building ORM queries cost more than running them."""
    best: dict[int, dict[int, Link]] = {m: {} for m in owners}
    halves = []
    params: list = []
    for owner, other, outgoing in (
        ("voucher_id", "vouchee_id", 1),
        ("vouchee_id", "voucher_id", 0),
    ):
        owned, owned_params = sql_in(owner, owners)
        extra, extra_params = towards(other) if towards else ("", [])
        halves.append(
            f"SELECT {owner}, {other}, strength, id, {outgoing} FROM {_vouches_by(owner)} "
            f"WHERE {ACCEPTED} AND {owned}{extra}"
        )
        params += [*owned_params, *extra_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(halves), params)
        for owner, other, strength, pk, outgoing in cursor.fetchall():
            current = best[owner].get(other)
            if current is None or strength > current.strength:
                best[owner][other] = Link(other, strength, pk, bool(outgoing))
    return {m: list(links.values()) for m, links in best.items()}


def _load_links(member_ids: list[int]) -> dict[int, list[Link]]:
    """Links of members straight from the vouch table."""
    return _links_query(member_ids)


def _links_to(owners: list[int], others: Iterable[int]) -> dict[int, list[Link]]:
    """Only the links of ``owners`` that lead to one of ``others``."""
    others = sorted(set(others))
    if not owners or not others:
        return {m: [] for m in owners}

    def towards(column: str) -> tuple[str, list]:
        condition, params = sql_in(column, others)
        return f" AND {condition}", params

    return _links_query(owners, towards)


def _linked_to(owners: list[int], others: set[int]) -> set[int]:
    """Which of ``owners`` have a link to one of ``others`` (a second ring). Both are
    sets to join: the database starts from the smaller side, the owners' links or
    those of the ring, and matches the other ends with the larger."""
    if not owners or not others:
        return set()
    halves, params = [], []
    for owner, other in (("voucher_id", "vouchee_id"), ("vouchee_id", "voucher_id")):
        owned, owned_params = sql_in(owner, owners, join=True)
        towards, towards_params = sql_in(other, others, join=True)
        halves.append(
            f"SELECT {owner} FROM {_vouches_by(owner)} WHERE {ACCEPTED} AND {owned} AND {towards}"
        )
        params += [*owned_params, *towards_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(halves), params)
        return {owner for (owner,) in cursor.fetchall()}


def _links_towards(owners: list[int], near: list[int]) -> dict[int, list[Link]]:
    """Only the links of ``owners`` that lead to a member linked to one of ``near``: the
    database matches the two sides, so a popular member's thousands of links never
    travel to Python."""
    if not owners or not near:
        return {m: [] for m in owners}

    def towards(column: str) -> tuple[str, list]:
        given, given_params = sql_in("voucher_id", near)
        received, received_params = sql_in("vouchee_id", near)
        return (
            f" AND ({column} IN (SELECT vouchee_id FROM {_vouches_by('voucher_id')}"
            f" WHERE {ACCEPTED} AND {given}) OR {column} IN (SELECT voucher_id FROM"
            f" {_vouches_by('vouchee_id')} WHERE {ACCEPTED} AND {received}))",
            [*given_params, *received_params],
        )

    return _links_query(owners, towards)


def member_links(member_ids: Iterable[int], generation: int) -> dict[int, list[Link]]:
    """Each member's links, from the cache where this generation already has them."""
    member_ids = list(member_ids)
    keys = {f"trust:links:{generation}:{m}": m for m in member_ids}
    found = cache.get_many(list(keys))
    links = {keys[k]: v for k, v in found.items()}
    missing = [m for m in member_ids if m not in links]
    if missing:
        loaded = _load_links(missing)
        cache.set_many(
            {f"trust:links:{generation}:{m}": v for m, v in loaded.items()}, CACHE_SECONDS
        )
        links.update(loaded)
    return links


class LinkBook:
    """Members' links as one request reads them: each member's from the cache (or the
    database) at most once, however many searches of the request follow them."""

    def __init__(self, generation: int):
        self.generation = generation
        self.known: dict[int, list[Link]] = {}

    def __call__(self, member_ids: Iterable[int]) -> dict[int, list[Link]]:
        member_ids = list(member_ids)
        missing = [m for m in member_ids if m not in self.known]
        if missing:
            self.known.update(member_links(missing, self.generation))
        return {m: self.known[m] for m in member_ids}


Route = tuple  # (distance, total strength, parent member id or None, Link from the parent)


def _routes(
    start: int,
    generation: int,
    hidden: frozenset[int],
    weakest: int,
    depth: int = 2,
    second: dict[int, list[Link]] | None = None,
    book: LinkBook | None = None,
) -> dict:
    """Best routes from ``start`` to everyone within ``depth`` links over vouches of at
    least ``weakest`` strength: for each member, (distance, greatest total strength on a
    shortest route, the previous member, the link from them). ``second``: the links to
    follow from the first ring instead of all of theirs (a search that knows where it
    must meet the other side). ``book``: the request's links read so far."""
    routes: dict[int, Route] = {start: (0, 0, None, None)}
    frontier = [start]
    for distance in range(1, depth + 1):
        if distance == 2 and second is not None:
            links = second
        else:
            links = book(frontier) if book else member_links(frontier, generation)
        reached: dict[int, Route] = {}
        for member in frontier:
            total = routes[member][1]
            for link in links.get(member, ()):
                other = link.other
                if link.strength < weakest or other in hidden or other in routes:
                    continue
                candidate = (distance, total + link.strength, member, link)
                current = reached.get(other)
                # Greater total first; then the smaller ids, so that answers are stable.
                if current is None or (candidate[1], -member, -link.vouch_id) > (
                    current[1],
                    -current[2],
                    -current[3].vouch_id,
                ):
                    reached[other] = candidate
        routes.update(reached)
        frontier = sorted(reached)
    return routes


def _hops(routes: dict, end: int, towards_start: bool) -> list[tuple[int, int, Link]]:
    """The route's steps as (from, to, link seen from the member nearer ``start``)."""
    steps = []
    node = end
    while routes[node][2] is not None:
        _distance, _total, parent, link = routes[node]
        steps.append((node, parent, link) if towards_start else (parent, node, link))
        node = parent
    return steps if towards_start else steps[::-1]


def _meet(ahead: dict, behind: dict, length: int | None = None):
    """The best meeting member of two route sets: shortest total, then greatest strength."""
    best = None
    for member in ahead.keys() & behind.keys():
        hops = ahead[member][0] + behind[member][0]
        if length is not None and hops != length:
            continue
        key = (-hops, ahead[member][1] + behind[member][1], -member)
        if best is None or key > best[0]:
            best = (key, member)
    return None if best is None else (-best[0][0], best[1])


def _search(
    viewer_id: int,
    target_id: int,
    generation: int,
    avoid: frozenset[int] = frozenset(),
    memo: dict | None = None,
    hidden: frozenset[int] | None = None,
) -> TrustPath | None:
    """Shortest first, then the strongest weakest vouch, then the strongest in total.

    Route sets from both ends meet in the middle: every path of at most four links has a
    member at most two links from each end, and a path of three has one at most two from
    one end and one from the other. The routes keep the greatest total on the way, and a
    second pass over vouches of strength 2 or more finds the strongest weakest link.
    Alone, a search asks the database only for what can meet (``_staged``); with a
    ``memo`` shared by the searches from one viewer (same generation and ``avoid``), the
    viewer's routes are computed once for a whole page of profiles (``_widening``), and
    every member's links are read once (the memo's ``LinkBook``). ``hidden``: the
    hidden members and ``avoid`` together, when the caller has them.
    """
    if hidden is None:
        hidden = hidden_members(generation) | avoid
    if viewer_id in hidden or target_id in hidden:
        return None
    if viewer_id == target_id:
        return TrustPath(member_ids=(viewer_id,), hops=())
    if memo is None:
        found = _staged(viewer_id, target_id, generation, hidden)
    else:
        book = memo.setdefault("book", LinkBook(generation))

        def routes(start: int, weakest: int, depth: int) -> dict:
            key = (start, weakest, depth)
            if key not in memo:
                second = None
                if start != viewer_id and depth == 2:
                    second = meeting_links(start)
                memo[key] = _routes(
                    start, generation, hidden, weakest, depth, second=second, book=book
                )
            return memo[key]

        def meeting_links(start: int) -> dict[int, list[Link]]:
            """A target's friends' links that lead into the viewer's two rings: only
            there can the two sides meet, and a popular friend's thousands of other
            links stay in the database."""
            key = ("meeting", start)
            if key not in memo:
                near = routes(viewer_id, 1, 2)  # the widest of the viewer's route sets
                ring = sorted({link.other for link in book([start])[start]} - hidden - {start})
                memo[key] = _links_to(ring, near.keys())
            return memo[key]

        found = _widening(viewer_id, target_id, routes)
    if found is None:
        return None
    _length, middle, ahead, behind = found
    steps = _hops(ahead, middle, towards_start=False) + [
        (a, b, link) for b, a, link in _hops(behind, middle, towards_start=False)[::-1]
    ]
    members = [viewer_id] + [b for _a, b, _link in steps]
    hops = []
    for a, b, link in steps:
        # ``link`` is seen from whichever end of the hop it was loaded for.
        owner, other = (a, b) if link.other == b else (b, a)
        voucher, vouchee = (owner, other) if link.outgoing else (other, owner)
        hops.append(Hop(voucher, vouchee, link.strength, link.vouch_id))
    return TrustPath(member_ids=tuple(members), hops=tuple(hops))


def _best_meeting(ahead_for, behind_for):
    """The best meeting: the shortest length over all vouches, then at that length the
    greatest total over vouches of strength 2 or more if they connect, else over all.

    No pass over strength 3 alone is needed: a path of strength-3 vouches only has the
    greatest total any path of its length can have, so the strength-2 pass finds it.
    """
    found = None
    for weakest in (1, 2):
        ahead, behind = ahead_for(weakest), behind_for(weakest)
        meeting = _meet(ahead, behind, None if found is None else found[0])
        if weakest == 1:
            if meeting is None:
                return None
            found = (meeting[0], meeting[1], ahead, behind)
        elif meeting is not None:
            return (meeting[0], meeting[1], ahead, behind)
    return found


def _staged(viewer_id: int, target_id: int, generation: int, hidden: frozenset[int]):
    """One search in three stages, each a query that returns only what can meet.

    Two links: the two ends' own links (cached). Three: the links between the viewer's
    ring and the target's ring. Four: the viewer's ring's links to members linked to the
    target's ring, then the target's ring's links to those members.
    """
    ends = member_links([viewer_id, target_id], generation)

    def ring(member: int) -> list[int]:
        return sorted({link.other for link in ends[member]} - hidden - {viewer_id, target_id})

    found = _best_meeting(
        lambda w: _routes(viewer_id, generation, hidden, w, 1),
        lambda w: _routes(target_id, generation, hidden, w, 1),
    )
    if found is not None:
        return found
    mine, theirs = ring(viewer_id), ring(target_id)
    bridges = _links_to(mine, theirs)
    found = _best_meeting(
        lambda w: _routes(viewer_id, generation, hidden, w, 2, second=bridges),
        lambda w: _routes(target_id, generation, hidden, w, 1),
    )
    if found is not None:
        return found
    ahead_links = _links_towards(mine, theirs)
    middle = {link.other for links in ahead_links.values() for link in links} - hidden
    behind_links = _links_to(theirs, middle)
    return _best_meeting(
        lambda w: _routes(viewer_id, generation, hidden, w, 2, second=ahead_links),
        lambda w: _routes(target_id, generation, hidden, w, 2, second=behind_links),
    )


def _widening(viewer_id: int, target_id: int, routes):
    """Searches from one viewer to a page of members: the viewer's two-link routes are
    computed once and shared; each target's side widens only as far as needed."""
    for near, far in ((2, 1), (2, 2)):
        found = _best_meeting(
            lambda w, near=near: routes(viewer_id, w, near),
            lambda w, far=far: routes(target_id, w, far),
        )
        if found is not None:
            return found
    return None


def find_trust_path(
    viewer_id: int,
    target_id: int,
    generation: int | None = None,
    avoid: frozenset[int] = frozenset(),
) -> TrustPath | None:
    """The strongest shortest path of at most four hops, or None; cached per generation.

    ``avoid``: members the path may not pass through (those the viewer blocked or who
    blocked the viewer).
    """
    if generation is None:
        generation = current_generation()
    return find_trust_paths(viewer_id, [target_id], generation, avoid)[target_id]


def _with_relationships(found: dict[int, TrustPath | None]) -> dict[int, TrustPath | None]:
    """The paths with each hop's relationship, read in one query when they are found, so
    that a cached answer is all a page needs besides the members' names."""
    ids = {hop.vouch_id for path in found.values() if path for hop in path.hops}
    if not ids:
        return found
    names = dict(Vouch.objects.filter(pk__in=ids).order_by().values_list("pk", "relationship"))
    return {
        target: path
        and replace(
            path,
            hops=tuple(replace(hop, relationship=names.get(hop.vouch_id, "")) for hop in path.hops),
        )
        for target, path in found.items()
    }


def find_trust_paths(
    viewer_id: int,
    target_ids: list[int],
    generation: int,
    avoid: frozenset[int] = frozenset(),
    book: LinkBook | None = None,
) -> dict[int, TrustPath | None]:
    """``find_trust_path`` to several targets: the cached answers in one cache round trip,
    and the others searched with the viewer's side shared between them. ``book``: the
    links the request has read already (a browse page's neighbourhood)."""
    hidden = hidden_members(generation) | avoid
    view = _view_key(generation, hidden)
    keys = {target: f"trust:route:{viewer_id}:{target}:{view}" for target in target_ids}
    cached = cache.get_many(list(keys.values()))
    found = {target: cached[key] for target, key in keys.items() if key in cached}
    missing = [target for target in target_ids if target not in found]
    if missing:
        memo = None  # one search alone asks only for what can meet (``_staged``)
        if len(missing) > 1:
            book = book or LinkBook(generation)
            book([viewer_id, *missing])  # every end's links in one batch
            memo = {"book": book}
        searched = _with_relationships(
            {t: _search(viewer_id, t, generation, avoid, memo, hidden=hidden) for t in missing}
        )
        cache.set_many({keys[t]: path for t, path in searched.items()}, CACHE_SECONDS)
        found.update(searched)
    return found


def _linked_ends(owners: list[int], limit: int) -> set[int] | None:
    """Everyone linked to one of ``owners``, or None when the owners have more than
    ``limit`` links between them: the query stops reading there."""
    if not owners:
        return set()
    halves, params = [], []
    for owner, other in (("voucher_id", "vouchee_id"), ("vouchee_id", "voucher_id")):
        owned, owned_params = sql_in(owner, owners)
        halves.append(f"SELECT {other} FROM {_vouches_by(owner)} WHERE {ACCEPTED} AND {owned}")
        params += owned_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(halves) + " LIMIT %s", [*params, limit + 1])
        rows = cursor.fetchall()
    return None if len(rows) > limit else {other for (other,) in rows}


class Neighbourhood:
    """How far a member is from others, up to three links, as one request sees it.

    Everyone within two links comes from the member's routes. The third ring is read
    whole only when it is small (``third_ring``). Otherwise whether another member is
    three links away is asked of the database for the members in question alone: a
    query over their own links towards the second ring, so its cost follows the members
    asked about, not the tens of thousands a popular member's third ring can hold. All
    of it is cached per generation and set of hidden members, and the answers grow as
    more members are asked about (the next page, another city). One object reads the
    cache once, so everything a request asks agrees.
    """

    def __init__(
        self,
        member_id: int,
        generation: int,
        avoid: frozenset[int] = frozenset(),
        book: LinkBook | None = None,
    ):
        self.hidden = hidden_members(generation) | avoid
        self.key = f"trust:hood:{member_id}:{_view_key(generation, self.hidden)}"
        entry = cache.get(self.key)
        if entry is None:
            routes = _routes(member_id, generation, self.hidden, weakest=1, book=book)
            entry = ({member: route[0] for member, route in routes.items()}, {}, None)
            cache.set(self.key, entry, CACHE_SECONDS)
        # ball: everyone within two links (the member: 0); third: asked about → whether
        # three links away; ring: the whole third ring, False when too large, None when
        # not read yet.
        self.ball, self.third, self.ring = entry

    def _store(self) -> None:
        cache.set(self.key, (self.ball, self.third, self.ring), CACHE_SECONDS)

    def third_ring(self, links: int) -> frozenset[int] | None:
        """Everyone exactly three links away, when the second ring has at most ``links``
        vouches (a member with few connections): reading them costs less than asking
        about candidates. Otherwise None, and ``distances`` asks about candidates."""
        if self.ring is None:
            second = [member for member, distance in self.ball.items() if distance == 2]
            ends = _linked_ends(second, links) if len(second) <= links else None
            self.ring = False if ends is None else frozenset(ends - self.ball.keys() - self.hidden)
            self._store()
        return None if self.ring is False else self.ring

    def distances(self, among: Iterable[int]) -> dict[int, int]:
        """Links (one to three) to each of ``among``; farther or hidden: left out."""
        among = list(among)
        if isinstance(self.ring, frozenset):  # read whole: nothing to ask
            return {m: self.ball.get(m, 3) for m in among if m in self.ball or m in self.ring}
        unknown = [m for m in among if m not in self.ball and m not in self.third]
        if unknown:
            second = {member for member, distance in self.ball.items() if distance == 2}
            linked = _linked_to(unknown, second)
            for member in unknown:
                self.third[member] = member in linked and member not in self.hidden
            self._store()
        found = {}
        for member in among:
            if member in self.ball:
                found[member] = self.ball[member]
            elif self.third.get(member):
                found[member] = 3
        return found
