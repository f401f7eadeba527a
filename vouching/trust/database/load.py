"""The graph a recalculation computes on, read out of the database in a few queries."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import connection

from ...models import Member, PledgeForfeit, TrustState, Vouch
from ..graph import TrustGraph
from .bulk import CHUNK, copy_out, on_postgres
from .rows import stored_rows


def _member_rows() -> tuple[np.ndarray, np.ndarray]:
    """Ids of the members who may carry trust (founders first, in founding order)."""
    visible = Member.objects.visible()
    founders = list(visible.filter(is_founder=True).order_by("pk").values_list("pk", flat=True))
    if on_postgres():
        query, params = visible.values_list("pk").order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            sql = cursor.mogrify(query, params)
        rows = copy_out(sql, ("i8",))
        ids = rows["c0"].astype(np.int64)
    else:
        ids = np.fromiter(
            visible.order_by().values_list("pk", flat=True).iterator(chunk_size=CHUNK),
            dtype=np.int64,
        )
    founder_ids = np.array(founders, dtype=np.int64)
    others = np.setdiff1d(ids, founder_ids, assume_unique=True)
    return np.concatenate([founder_ids, np.sort(others)]), founder_ids


def _vouch_rows() -> np.ndarray:
    """Accepted vouches as an (m, 3) array of voucher id, vouchee id, strength; oldest first."""
    accepted = Vouch.objects.accepted().order_by("pk")
    if on_postgres():
        return _vouch_rows_postgres()
    flat = np.fromiter(
        (
            value
            for row in accepted.values_list("voucher_id", "vouchee_id", "strength").iterator(
                chunk_size=CHUNK
            )
            for value in row
        ),
        dtype=np.int64,
    )
    return flat.reshape(-1, 3)


VOUCH_RECORD = np.dtype(
    [("id", ">i8"), ("voucher", ">i8"), ("vouchee", ">i8"), ("strength", ">i2")]
)
# Ids per query when packing vouches on the server: bounds the size of one packed value.
PACK_ID_RANGE = 2_000_000


def _vouch_rows_postgres() -> np.ndarray:
    """Accepted vouches packed into fixed-size binary records by the server itself.

    One value per range of ids instead of one message per row: COPY hands rows over one
    at a time, which costs more than the query here.
    """
    table = Vouch._meta.db_table
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")
        low, high = cursor.fetchone()
        if low is None:
            return np.zeros((0, 3), dtype=np.int64)
        for start in range(low, high + 1, PACK_ID_RANGE):
            cursor.execute(
                "SELECT string_agg(int8send(id) || int8send(voucher_id) || int8send(vouchee_id)"
                f" || int2send(strength::int2), ''::bytea) FROM {table}"
                " WHERE status = 'accepted' AND id >= %s AND id < %s",
                [start, start + PACK_ID_RANGE],
            )
            packed = cursor.fetchone()[0]
            if packed:
                parts.append(np.frombuffer(bytes(packed), dtype=VOUCH_RECORD))
    if not parts:
        return np.zeros((0, 3), dtype=np.int64)
    rows = np.concatenate(parts)
    ids = rows["id"].astype(np.int64)
    edges = np.empty((len(rows), 3), dtype=np.int64)
    edges[:, 0] = rows["voucher"]
    edges[:, 1] = rows["vouchee"]
    edges[:, 2] = rows["strength"]
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        # Sorting here is cheaper than asking the database to.
        edges = edges[np.argsort(ids, kind="stable")]
    return edges


def pledge_weights(moment=None) -> dict[int, float]:
    """How much each voucher's vouches count while forfeits are in force (1 otherwise)."""
    weights: dict[int, float] = {}
    for voucher_id, weight in PledgeForfeit.objects.in_force(moment).values_list(
        "voucher_id", "weight"
    ):
        weights[voucher_id] = weights.get(voucher_id, 1.0) * weight
    return weights


def load_trust_graph() -> TrustGraph:
    """The whole graph in a few queries: members, accepted vouches, forfeits, capacities,
    and each member's stored level (the standing a recalculation keeps where it can)."""
    ids, founder_ids = _member_rows()
    state = TrustState.load()
    stored = stored_rows(with_carriers=False)
    return TrustGraph.from_id_arrays(
        ids=ids,
        n_founders=len(founder_ids),
        edges=_vouch_rows(),
        pledge_weights=pledge_weights(),
        capacities=state.capacities or None,
        min_vouches_to_vouch=settings.MIN_VOUCHES_TO_VOUCH,
        incumbent_levels=(stored.ids, np.where(stored.vouched, stored.level, 0)),
    )
