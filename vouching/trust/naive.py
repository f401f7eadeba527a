"""The rule many communities use today: vouched once enough vouched members vouch."""

from __future__ import annotations

import numpy as np

from .graph import TrustGraph, TrustResult

REQUIRED_VOUCHERS = 3


class NaiveMetric:
    """Vouched by at least three vouched members (founders are vouched)."""

    name = "naive"

    def __init__(self, required: int = REQUIRED_VOUCHERS):
        self.required = required

    def compute(self, graph: TrustGraph) -> TrustResult:
        n = graph.n
        matrix = graph.adjacency()
        matrix.data[:] = 1.0  # several vouches between the same two count once
        vouched = np.zeros(n, dtype=bool)
        vouched[graph.founders] = True
        while True:
            vouchers = matrix.T @ vouched.astype(np.float64)
            grown = vouched | (vouchers >= self.required)
            if (grown == vouched).all():
                break
            vouched = grown
        vouchers = matrix.T @ vouched.astype(np.float64)
        score = np.where(vouched, 1.0, np.minimum(vouchers, self.required - 1) / self.required)
        return TrustResult(
            metric=self.name, vouched=vouched, score=score, level=vouched.astype(np.int8)
        )
