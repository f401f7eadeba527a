"""Pledge's first default metric, kept for comparison: trust that follows vouches the way
they were given, as personalized PageRank.

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
accounts there are. The score is that ratio, capped at 1.

It was tuned on graphs where two thirds of vouches are returned. Real vouch networks return
far fewer (36% on advogato.org, 19% on robots.net), and there trust thins out along chains
of one-way vouches until members a real friend vouched for stay pending: on advogato.org's
own 2005 network it vouches two thirds of the members who could be vouched. The current
default (``pledge.py``) routes trust as shares instead; ``relative_trust`` still gives its
score, and the comparison is in ``bench/sybil.py``.
"""

from __future__ import annotations

import numpy as np

from .graph import TrustGraph, TrustResult
from .sybilrank import propagate, relative_to_even

RESTART = 0.1
VOUCHED_SHARE = 0.1
LEVELS = (1, 2, 3)


def relative_trust(graph: TrustGraph) -> np.ndarray:
    if not graph.n or not len(graph.founders):
        return np.zeros(graph.n)
    carries = graph.may_vouch()[graph.src]
    matrix = graph.adjacency(graph.strength.astype(np.float64) * carries)
    # A forfeited pledge passes on only its weight's share; the rest goes back to the
    # founders rather than to the voucher's other vouchees.
    trust = propagate(
        matrix, graph.founders, restart=RESTART, pass_on=graph.pledge_weight.astype(np.float64)
    )
    received = np.asarray(matrix.sum(axis=0)).ravel()
    return relative_to_even(trust, received, graph.founders)


class PledgePagerankMetric:
    name = "pledge-pagerank"

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
