"""Trust paths and distances as pages show them: the one door into the trust engine for
the rest of Pledge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ..models import Member, Relationship, Strength
from ..trust import paths
from .blocks import blocked_ids


@dataclass(frozen=True)
class PathStep:
    """One hop as a page shows it: who vouched for whom, how strongly, and as what."""

    voucher: Member
    vouchee: Member
    strength: int
    relationship: str

    @property
    def strength_label(self) -> str:
        return Strength(self.strength).label

    @property
    def relationship_label(self) -> str:
        return Relationship(self.relationship).label if self.relationship else ""


@dataclass(frozen=True)
class TrustPathView:
    members: tuple[Member, ...]  # the viewer first, the other member last
    steps: tuple[PathStep, ...]

    @property
    def length(self) -> int:
        return len(self.steps)

    @property
    def between(self) -> tuple[Member, ...]:
        """The people in the middle: those who could introduce the two ends."""
        return self.members[1:-1]

    @property
    def legs(self) -> tuple[tuple[PathStep, Member, bool], ...]:
        """Each hop with the person it leads to, and whether the vouch points that way."""
        return tuple(
            (step, self.members[i + 1], step.voucher.pk == self.members[i].pk)
            for i, step in enumerate(self.steps)
        )


def trust_paths(
    *,
    viewer: Member,
    targets: list[Member],
    generation: int | None = None,
    avoid: frozenset[int] | None = None,
    book: paths.LinkBook | None = None,
) -> dict[int, TrustPathView | None]:
    """How the viewer is connected to each target (member id → path, or None beyond
    four hops). Reads every member on every path in one query. A caller
    that already read the graph generation, the viewer's blocks or members' links
    (``book``) passes them on."""
    if generation is None:
        generation = paths.current_generation()
    if avoid is None:
        avoid = blocked_ids(member=viewer)
    reachable = [t.pk for t in targets if t.pk not in avoid]
    found = {t.pk: None for t in targets}
    found.update(paths.find_trust_paths(viewer.pk, reachable, generation, avoid, book=book))
    # The hops carry their relationships (read when the path was found): only the
    # members' current names and pictures are read here, in one query.
    ids = {m for path in found.values() if path for m in path.member_ids} - {viewer.pk}
    members = {viewer.pk: viewer, **(Member.objects.in_bulk(ids) if ids else {})}
    views: dict[int, TrustPathView | None] = {}
    for target_id, path in found.items():
        if path is None or any(m not in members for m in path.member_ids):
            views[target_id] = None
            continue
        views[target_id] = TrustPathView(
            members=tuple(members[m] for m in path.member_ids),
            steps=tuple(
                PathStep(
                    voucher=members[hop.voucher_id],
                    vouchee=members[hop.vouchee_id],
                    strength=hop.strength,
                    relationship=hop.relationship,
                )
                for hop in path.hops
            ),
        )
    return views


def trust_path(*, viewer: Member, target: Member) -> TrustPathView | None:
    """How the viewer is connected to ``target``: the strongest shortest chain of
    accepted vouches, at most four hops, or None."""
    return trust_paths(viewer=viewer, targets=[target])[target.pk]


def trust_distance(*, viewer: Member, member: Member) -> int | None:
    """Links between them in the trust graph (at most four), or None."""
    path = paths.find_trust_path(viewer.pk, member.pk, avoid=blocked_ids(member=viewer))
    return path.length if path else None


class TrustNeighbourhood:
    """The trust graph around one member, as one request reads it.

    One graph generation for everything the request asks; each member's links read at
    most once however many questions follow them (``links``); how far others are from the
    member, up to three links, cached per generation (``within_two``, ``third_ring``,
    ``distances``); and the paths to a page of members (``paths``). Nobody hidden by
    moderation (``hidden``) or blocked either way (``blocked``) counts in a distance or
    stands on a path; ``links`` are the vouches as they are, for the caller to filter.
    """

    def __init__(self, member: Member):
        self.member = member
        self.generation = paths.current_generation()
        self._book = paths.LinkBook(self.generation)

    @cached_property
    def blocked(self) -> frozenset[int]:
        """Everyone the member blocked or was blocked by."""
        return blocked_ids(member=self.member)

    @cached_property
    def hidden(self) -> frozenset[int]:
        """Members nobody is connected through: banned, suspended or inactive."""
        return paths.hidden_members(self.generation)

    def links(self, member_ids: Iterable[int]) -> dict[int, list[paths.Link]]:
        """Each member's links: the strongest accepted vouch between them and each person
        they vouched for or who vouched for them (``other``, ``strength``, ``outgoing``)."""
        return self._book(member_ids)

    @cached_property
    def _distances(self) -> paths.Neighbourhood:
        return paths.Neighbourhood(self.member.pk, self.generation, self.blocked, book=self._book)

    @property
    def within_two(self) -> dict[int, int]:
        """Everyone within two links, with how many (the member: 0)."""
        return self._distances.ball

    def third_ring(self, links: int) -> frozenset[int] | None:
        """Everyone exactly three links away when the second ring has at most ``links``
        vouches; otherwise None, and ``distances`` asks about the members in question."""
        return self._distances.third_ring(links)

    def distances(self, among: Iterable[int]) -> dict[int, int]:
        """Links (one to three) to each of ``among``; farther or out of reach: left out."""
        return self._distances.distances(among)

    def paths(self, targets: list[Member]) -> dict[int, TrustPathView | None]:
        """``trust_paths`` from the member, over the links this request has read."""
        return trust_paths(
            viewer=self.member,
            targets=targets,
            generation=self.generation,
            avoid=self.blocked,
            book=self._book,
        )


def trust_neighbourhood(*, member: Member) -> TrustNeighbourhood:
    """The trust graph around ``member`` for one request: read it once, ask it many
    things."""
    return TrustNeighbourhood(member)
