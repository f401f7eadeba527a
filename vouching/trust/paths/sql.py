"""Members' links, read from the accepted vouches in plain SQL.

Every query here reads the vouch table through one of the two covering indexes of
accepted vouches (by voucher, by vouchee), and a vouch links two people whichever way it
points: each query is two halves, one per direction. Plain SQL: these run several times
in every cold trust-path search, where building ORM queries cost more than running them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

from ...models import Vouch
from ...sql import sql_in


@dataclass(frozen=True)
class Link:
    """The strongest accepted vouch between two members, seen from one of them."""

    other: int
    strength: int
    vouch_id: int
    outgoing: bool  # True if "this" member vouched for ``other``


# Whatever gives members' links (member id → links) for a list of members: the cache of
# the current generation, or a request's ``LinkBook`` in front of it.
LinkReader = Callable[[Iterable[int]], dict[int, list[Link]]]

# Written into the SQL, not passed as a parameter: SQLite uses a partial index (here the
# covering indexes of accepted vouches) only when the query states its condition. The
# status is plain letters, so it needs no quoting (tests/vouching/test_paths_sql.py).
ACCEPTED = f"status = '{Vouch.Status.ACCEPTED.value}'"
# Each direction of a vouch: (the column of the member whose links are read, the other end).
DIRECTIONS = (("voucher_id", "vouchee_id"), ("vouchee_id", "voucher_id"))


def _vouches_by(column: str) -> str:
    """The vouch table, read through the covering index of accepted vouches by ``column``
    (SQLite's planner would otherwise pick the narrower index and visit every row)."""
    table = Vouch._meta.db_table
    if connection.vendor == "sqlite":
        index = "vouch_accepted_out" if column == "voucher_id" else "vouch_accepted_in"
        return f"{table} INDEXED BY {index}"
    return table


def _links_query(owners: list[int], towards=None) -> dict[int, list[Link]]:
    """The links of ``owners`` (the strongest vouch per pair, either way), one query over
    the two covering indexes of accepted vouches. ``towards(column)`` may add a condition
    on the other end: (SQL, parameters)."""
    best: dict[int, dict[int, Link]] = {m: {} for m in owners}
    halves = []
    params: list = []
    for owner, other in DIRECTIONS:
        outgoing = int(owner == "voucher_id")
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


def load_links(member_ids: list[int]) -> dict[int, list[Link]]:
    """Links of members straight from the vouch table."""
    return _links_query(member_ids)


def links_to(owners: list[int], others: Iterable[int]) -> dict[int, list[Link]]:
    """Only the links of ``owners`` that lead to one of ``others``."""
    others = sorted(set(others))
    if not owners or not others:
        return {m: [] for m in owners}

    def towards(column: str) -> tuple[str, list]:
        condition, params = sql_in(column, others)
        return f" AND {condition}", params

    return _links_query(owners, towards)


def linked_to(owners: list[int], others: set[int]) -> set[int]:
    """Which of ``owners`` have a link to one of ``others`` (a second ring). Both are
    sets to join: the database starts from the smaller side, the owners' links or
    those of the ring, and matches the other ends with the larger."""
    if not owners or not others:
        return set()
    halves, params = [], []
    for owner, other in DIRECTIONS:
        owned, owned_params = sql_in(owner, owners, join=True)
        towards, towards_params = sql_in(other, others, join=True)
        halves.append(
            f"SELECT {owner} FROM {_vouches_by(owner)} WHERE {ACCEPTED} AND {owned} AND {towards}"
        )
        params += [*owned_params, *towards_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(halves), params)
        return {owner for (owner,) in cursor.fetchall()}


def links_towards(owners: list[int], near: list[int]) -> dict[int, list[Link]]:
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


def linked_ends(owners: list[int], limit: int) -> set[int] | None:
    """Everyone linked to one of ``owners``, or None when the owners have more than
    ``limit`` links between them: the query stops reading there."""
    if not owners:
        return set()
    halves, params = [], []
    for owner, other in DIRECTIONS:
        owned, owned_params = sql_in(owner, owners)
        halves.append(f"SELECT {other} FROM {_vouches_by(owner)} WHERE {ACCEPTED} AND {owned}")
        params += owned_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(halves) + " LIMIT %s", [*params, limit + 1])
        rows = cursor.fetchall()
    return None if len(rows) > limit else {other for (other,) in rows}
