"""Suspicious clusters: recent members who vouch densely for each other and little else.

A ring of fake accounts looks like this from inside the vouch graph: members who joined
recently, whose vouches mostly point at each other, and who received few vouches from the
rest of the community. networkx's Louvain community detection finds the clusters among
recent members; each is scored by how dense it is inside and how little the older
community vouches into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import networkx as nx
from django.utils import timezone

from ..models import Member, Vouch

RECENT_DAYS = 60
MIN_SIZE = 4
# A cluster is suspicious when at least this share of possible vouches inside it exist...
MIN_DENSITY = 0.25
# ...and the rest of the community vouched into it at most this many times per member.
MAX_OUTSIDE_PER_MEMBER = 0.5


@dataclass(frozen=True)
class Ring:
    members: list[Member]
    inside_vouches: int
    outside_vouches: int
    density: float

    @property
    def suspicion(self) -> float:
        """0..1: dense inside and cut off from the rest is most suspicious."""
        isolation = 1.0 / (1.0 + self.outside_vouches / max(len(self.members), 1))
        return round(self.density * isolation, 3)


def suspicious_rings(*, days: int = RECENT_DAYS, min_size: int = MIN_SIZE) -> list[Ring]:
    since = timezone.now() - timedelta(days=days)
    recent = set(
        Member.objects.visible()
        .filter(date_joined__gte=since, is_founder=False)
        .values_list("pk", flat=True)
    )
    if len(recent) < min_size:
        return []
    inside = nx.Graph()
    outside_in: dict[int, int] = {}
    edges = (
        Vouch.objects.active().filter(vouchee_id__in=recent).values_list("voucher_id", "vouchee_id")
    )
    for voucher, vouchee in edges.iterator(chunk_size=10_000):
        if voucher in recent:
            if inside.has_edge(voucher, vouchee):
                inside.edges[voucher, vouchee]["weight"] += 1
            else:
                inside.add_edge(voucher, vouchee, weight=1)
        else:
            outside_in[vouchee] = outside_in.get(vouchee, 0) + 1
    if inside.number_of_nodes() < min_size:
        return []
    rings = []
    for community in nx.community.louvain_communities(inside, seed=7):
        size = len(community)
        if size < min_size:
            continue
        vouches_inside = int(inside.subgraph(community).size(weight="weight"))
        density = vouches_inside / (size * (size - 1))
        outside = sum(outside_in.get(m, 0) for m in community)
        if density >= MIN_DENSITY and outside <= MAX_OUTSIDE_PER_MEMBER * size:
            members = list(Member.objects.filter(pk__in=community).order_by("date_joined"))
            rings.append(
                Ring(
                    members=members,
                    inside_vouches=vouches_inside,
                    outside_vouches=outside,
                    density=round(density, 3),
                )
            )
    return sorted(rings, key=lambda r: -r.suspicion)
