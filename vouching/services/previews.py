"""What a moderation act would cost, before anyone does it.

A moderator previews the fallout of revoking vouches or removing members: the members
who would lose vouched standing, computed by the production metric on the graph as it
would be after the action, and the vouchers whose pledge it would forfeit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..models import Member, Vouch
from ..trust import get_metric
from ..trust.database import load_trust_graph
from ..trust.graph import TrustGraph
from .pledges import FORFEIT_WEIGHT, vouches_to_forfeit
from .trust import configured_metric_name


@dataclass(frozen=True)
class Preview:
    """What an action would do to standing, before anyone does it."""

    losing: list[Member]  # would lose vouched standing
    removed: list[Member]  # suspended or banned by the action itself
    forfeiting: list[Member] = field(default_factory=list)  # vouchers whose pledge goes
    revoked: list[Vouch] = field(default_factory=list)  # vouches the action revokes


def _without(
    graph: TrustGraph,
    *,
    vouches: list[Vouch],
    members: list[Member],
    halved: dict[int, int],
) -> TrustGraph:
    """``graph`` with some vouches and members taken out and some pledges halved."""
    pairs = {(v.voucher_id, v.vouchee_id) for v in vouches}
    src_ids, dst_ids = graph.ids[graph.src], graph.ids[graph.dst]
    keep = np.ones(graph.m, dtype=bool)
    if pairs:
        keep = ~np.fromiter(
            ((int(a), int(b)) in pairs for a, b in zip(src_ids, dst_ids, strict=True)),
            dtype=bool,
            count=graph.m,
        )
    removed = np.isin(graph.ids, [m.pk for m in members])
    weights = {
        int(member_id): float(weight)
        for member_id, weight in zip(graph.ids, graph.pledge_weight, strict=True)
        if weight != 1.0
    }
    for voucher_id, times in halved.items():
        weights[voucher_id] = weights.get(voucher_id, 1.0) * FORFEIT_WEIGHT**times
    return TrustGraph.from_id_arrays(
        ids=graph.ids[~removed],
        n_founders=int((~removed[: len(graph.founders)]).sum()),
        edges=np.column_stack([src_ids[keep], dst_ids[keep], graph.strength[keep]]).astype(
            np.int64
        ),
        pledge_weights=weights,
        capacities=graph.capacities,
        min_vouches_to_vouch=graph.min_vouches_to_vouch,
        # As the recalculation after the action will: members who stand keep their share
        # where they can.
        incumbent_levels=None
        if graph.incumbent_level is None
        else (graph.ids, graph.incumbent_level),
    )


def moderation_preview(
    *,
    revoke: list[Vouch] = (),
    remove: list[Member] = (),
    bad_vouches: list[Vouch] = (),
) -> Preview:
    """Who would lose vouched standing if ``revoke`` were revoked (``bad_vouches`` among
    them as bad vouches, forfeiting their vouchers' pledges) and ``remove`` suspended or
    banned (forfeiting the pledges of everyone whose vouch for them stands)."""
    graph = load_trust_graph()
    metric = get_metric(configured_metric_name())
    before = metric.compute(graph).vouched
    removed_ids = {m.pk for m in remove}
    # The vouches whose pledge the action puts at stake, once each; the same rule as
    # ``pledge_forfeit`` says which of them would really be forfeited.
    at_stake = {v.pk: v for v in bad_vouches}
    at_stake.update((v.pk, v) for v in Vouch.objects.accepted().filter(vouchee_id__in=removed_ids))
    halved: dict[int, int] = {}
    for vouch_id in vouches_to_forfeit(at_stake):
        voucher_id = at_stake[vouch_id].voucher_id
        halved[voucher_id] = halved.get(voucher_id, 0) + 1
    changed = _without(graph, vouches=list(revoke), members=list(remove), halved=halved)
    after = metric.compute(changed).vouched
    still = set(changed.ids[after].tolist())
    was = set(graph.ids[before].tolist())
    losing_ids = sorted((was - still) - removed_ids)
    losing = list(Member.objects.filter(pk__in=losing_ids).order_by("display_name"))
    forfeiting = list(
        Member.objects.filter(pk__in=[i for i in halved if i not in removed_ids]).order_by(
            "display_name"
        )
    )
    revoked = list(
        Vouch.objects.filter(pk__in=[v.pk for v in revoke])
        .select_related("voucher", "vouchee")
        .order_by("pk")
    )
    return Preview(losing=losing, removed=list(remove), forfeiting=forfeiting, revoked=revoked)
