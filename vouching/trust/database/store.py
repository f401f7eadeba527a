"""Writing a metric's result back: only the rows whose trust changed, standing first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...models import Member
from ..graph import TrustGraph, TrustResult
from .bulk import CHUNK, copy_out, on_postgres
from .rows import STORED, TrustRows, stored_rows, upsert_rows

# Scores are stored rounded so that recomputing an unchanged graph writes nothing.
SCORE_DECIMALS = 6


@dataclass(frozen=True)
class StoredTrust:
    changed: int  # rows whose trust changed, written now or pending
    standing_changed: np.ndarray  # member ids whose vouched flag flipped
    lost: np.ndarray  # of those, the member ids no longer vouched
    # For each of those, the vouchers whose vouches carried their standing until now.
    lost_carriers: dict[int, list[int]] = field(default_factory=dict)
    # Rows where only the score moved, left for ``store_scores`` (with ``scores_later``).
    scores_pending: TrustRows | None = None

    @property
    def standing_changed_rows(self) -> int:
        """Rows written by ``store_trust_result`` itself."""
        pending = self.scores_pending
        return self.changed - (len(pending.ids) if pending is not None else 0)


def _member_ids() -> np.ndarray:
    """Every member id, ascending."""
    if on_postgres():
        table = Member._meta.db_table
        return copy_out(f"SELECT id FROM {table} ORDER BY id", ("i8",))["c0"].astype(np.int64)
    return np.fromiter(
        Member.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK),
        dtype=np.int64,
    )


def carried_by_text(graph: TrustGraph, result: TrustResult) -> tuple[np.ndarray, np.ndarray]:
    """Member ids, and for each the ids of the vouchers whose vouches carry their standing,
    comma separated, for the members the result names any for."""
    if result.carrying is None or not len(result.carrying):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    voucher = graph.ids[graph.src[result.carrying]]
    vouchee = graph.ids[graph.dst[result.carrying]]
    order = np.lexsort((voucher, vouchee))
    voucher, vouchee = voucher[order], vouchee[order]
    members, starts = np.unique(vouchee, return_index=True)
    groups = np.split(voucher, starts[1:])
    text = np.array([",".join(map(str, group.tolist())) for group in groups], dtype=object)
    return members, text


def _result_rows(graph: TrustGraph, result: TrustResult, all_ids: np.ndarray) -> TrustRows:
    """The result as a row for every member id: members outside the graph are untrusted."""
    positions = np.searchsorted(all_ids, graph.ids)
    new = TrustRows.blank(all_ids)
    new.vouched[positions] = result.vouched
    new.score[positions] = np.round(result.score, SCORE_DECIMALS)
    new.level[positions] = result.level
    if result.established is not None:
        new.established[positions] = result.established
    if result.spare is not None:
        new.spare[positions] = result.spare
    carried_ids, carried = carried_by_text(graph, result)
    new.carried_by[np.searchsorted(all_ids, carried_ids)] = carried
    return new


def _stored_rows_for(all_ids: np.ndarray) -> tuple[np.ndarray, TrustRows]:
    """Which of ``all_ids`` have a stored row, and the stored rows laid over ``all_ids``;
    an id without one gets level and score -1, which no result has."""
    old = stored_rows()
    known = np.isin(all_ids, old.ids, assume_unique=True)
    at = np.searchsorted(old.ids, all_ids[known])
    prev = TrustRows.blank(all_ids, score=-1.0, level=-1)
    for name in STORED:
        getattr(prev, name)[known] = getattr(old, name)[at]
    return known, prev


def _standing_differs(prev: TrustRows, new: TrustRows) -> np.ndarray:
    """Where standing, or what the standing page says of it, is not what was stored."""
    return (
        (prev.vouched != new.vouched)
        | (prev.level != new.level)
        | (prev.spare != new.spare)
        | (prev.established != new.established)
        | (prev.carried_by != new.carried_by)
    )


def _carriers(member_ids: np.ndarray, carried_by: np.ndarray) -> dict[int, list[int]]:
    """The voucher ids of each member's ``carried_by`` text."""
    return {
        int(member_id): [int(part) for part in carried.split(",") if part]
        for member_id, carried in zip(member_ids, carried_by, strict=True)
    }


def store_trust_result(
    graph: TrustGraph, result: TrustResult, *, scores_later: bool = False
) -> StoredTrust:
    """Write the rows whose trust changed; members outside the graph become untrusted.

    Runs inside the caller's transaction. With ``scores_later``, only rows whose standing
    (vouched, level) or its explanation (established, spare, carried_by) changed, or that
    are new, are written now; rows where only the score drifted are returned in
    ``scores_pending`` for ``store_scores``. A graph-wide metric moves most scores a little
    whenever anyone joins, and writing them all would hold the one standing that changed
    back by a second or more at 100,000 members.
    """
    all_ids = _member_ids()
    new = _result_rows(graph, result, all_ids)
    known, prev = _stored_rows_for(all_ids)
    # Standing, and what the standing page says of it, go out first; scores that only
    # drifted may wait.
    standing = ~known | _standing_differs(prev, new)
    drifted = ~standing & (np.abs(prev.score - new.score) > 10**-SCORE_DECIMALS / 2)
    now = standing if scores_later else standing | drifted
    upsert_rows(new.take(now))
    lost = prev.vouched & ~new.vouched
    return StoredTrust(
        changed=int((standing | drifted).sum()),
        standing_changed=all_ids[prev.vouched != new.vouched],
        lost=all_ids[lost],
        lost_carriers=_carriers(all_ids[lost], prev.carried_by[lost]),
        scores_pending=new.take(drifted) if scores_later and drifted.any() else None,
    )


def store_scores(stored: StoredTrust) -> None:
    """Write the score-only changes ``store_trust_result`` left for later."""
    if stored.scores_pending is not None:
        upsert_rows(stored.scores_pending)
