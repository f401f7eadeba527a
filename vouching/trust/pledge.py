"""Pledge's default metric: trust that follows vouches the way they were given.

Built on SybilRank's early-terminated personalized PageRank from the founders, it adds
what a vouch network knows and a friendship graph does not:

- direction: trust flows from voucher to vouchee only, so fake accounts vouching for
  real members gain nothing, and a ring of fakes receives only what its few honest
  vouchers pass on;
- strength: "I would trust them with my family" carries three times "I know them";
- the joining rules: a member's vouches carry trust only once they have the vouches the
  site requires before anyone may vouch (founders excepted), and a forfeited pledge
  carries proportionally less;
- levels, as in Advogato: a member's level is the strongest vouch strength whose network
  alone still vouches for them.

A member is vouched when they hold at least ``VOUCHED_SHARE`` of what an even spread over
the vouches received would give them: a threshold that needs no idea of how many fake
accounts there are. The score is that ratio, capped at 1. The restart and the share were
chosen with the sybil simulation in ``bench/sybil.py``; see docs in the README.
"""

from __future__ import annotations

import numpy as np

from .graph import TrustGraph, TrustResult
from .sybilrank import propagate, relative_to_even

RESTART = 0.1
VOUCHED_SHARE = 0.1
LEVELS = (1, 2, 3)


def eligible_vouchers(graph: TrustGraph) -> np.ndarray:
    """Members whose vouches count: founders, and members with enough vouches received."""
    received = np.bincount(graph.dst, minlength=graph.n)
    eligible = received >= graph.min_vouches_to_vouch
    eligible[graph.founders] = True
    return eligible


def relative_trust(graph: TrustGraph) -> np.ndarray:
    if not graph.n or not len(graph.founders):
        return np.zeros(graph.n)
    carries = eligible_vouchers(graph)[graph.src]
    matrix = graph.adjacency(graph.strength.astype(np.float64) * carries)
    # A forfeited pledge passes on only its weight's share; the rest goes back to the
    # founders rather than to the voucher's other vouchees.
    trust = propagate(
        matrix, graph.founders, restart=RESTART, pass_on=graph.pledge_weight.astype(np.float64)
    )
    received = np.asarray(matrix.sum(axis=0)).ravel()
    return relative_to_even(trust, received, graph.founders)


class PledgeMetric:
    name = "pledge"

    def compute(self, graph: TrustGraph) -> TrustResult:
        relative = relative_trust(graph)
        vouched = relative >= VOUCHED_SHARE
        vouched[graph.founders] = True
        level = np.zeros(graph.n, dtype=np.int8)
        level[vouched] = 1
        for lvl in LEVELS[1:]:
            stronger = relative_trust(graph.at_level(lvl)) >= VOUCHED_SHARE
            level[vouched & stronger] = lvl
        level[graph.founders] = max(LEVELS)
        return TrustResult(
            metric=self.name,
            vouched=vouched,
            score=np.clip(relative, 0.0, 1.0),
            level=level,
        )
