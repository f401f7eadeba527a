"""Reading the vouch graph out of the database and writing trust back, in bulk.

On PostgreSQL both directions use COPY in binary form: a million vouches load in about a
second and a million scores are written in a few, where row-by-row ORM calls would take
minutes. Other databases go through the ORM in chunks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from ..models import Member, PledgeForfeit, TrustScore, TrustState, Vouch
from .graph import TrustGraph, TrustResult

CHUNK = 20_000
# Scores are stored rounded so that recomputing an unchanged graph writes nothing.
SCORE_DECIMALS = 6


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _copy_out(sql: str, columns: tuple[str, ...]) -> np.ndarray:
    """Rows of NOT NULL integer/boolean columns via binary COPY, as a structured array.

    ``columns`` are numpy type codes of the big-endian wire formats: ``i8`` (bigint),
    ``i4`` (integer), ``i2`` (smallint), ``b1`` (boolean).
    """
    fields = [("count", ">i2")]
    for i, code in enumerate(columns):
        fields += [(f"len{i}", ">i4"), (f"c{i}", ">" + code if code != "b1" else "?")]
    dtype = np.dtype(fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
            raw = memoryview(b"".join(bytes(block) for block in copy))
    header = 11 + 4 + 4 + struct.unpack(">I", raw[15:19])[0]
    body = raw[header : len(raw) - 2]  # the trailer is a field count of -1
    return np.frombuffer(body, dtype=dtype)


def _member_rows() -> tuple[np.ndarray, np.ndarray]:
    """Ids of the members who may carry trust (founders first, in founding order)."""
    visible = Member.objects.visible()
    founders = list(visible.filter(is_founder=True).order_by("pk").values_list("pk", flat=True))
    if _postgres():
        query, params = visible.values_list("pk").order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            sql = cursor.mogrify(query, params)
        rows = _copy_out(sql, ("i8",))
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
    if _postgres():
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
    """The whole graph in a few queries: members, accepted vouches, forfeits, capacities."""
    ids, founder_ids = _member_rows()
    state = TrustState.load()
    return TrustGraph.from_id_arrays(
        ids=ids,
        n_founders=len(founder_ids),
        edges=_vouch_rows(),
        pledge_weights=pledge_weights(),
        capacities=state.capacities or None,
        min_vouches_to_vouch=settings.MIN_VOUCHES_TO_VOUCH,
    )


@dataclass(frozen=True)
class StoredTrust:
    changed: int  # rows whose trust changed, written now or pending
    standing_changed: np.ndarray  # member ids whose vouched flag flipped
    lost: np.ndarray  # of those, the member ids no longer vouched
    # Rows whose score alone moved, left for ``store_scores`` (with ``scores_later``).
    scores_pending: tuple[np.ndarray, ...] = ()

    @property
    def standing_changed_rows(self) -> int:
        """Rows written by ``store_trust_result`` itself."""
        return self.changed - (len(self.scores_pending[0]) if self.scores_pending else 0)


def _member_ids() -> np.ndarray:
    """Every member id, ascending."""
    if _postgres():
        table = Member._meta.db_table
        return _copy_out(f"SELECT id FROM {table} ORDER BY id", ("i8",))["c0"].astype(np.int64)
    return np.fromiter(
        Member.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK),
        dtype=np.int64,
    )


def store_trust_result(
    graph: TrustGraph, result: TrustResult, *, scores_later: bool = False
) -> StoredTrust:
    """Write the rows whose trust changed; members outside the graph become untrusted.

    Runs inside the caller's transaction. With ``scores_later``, only rows whose standing
    (vouched, level) changed, or that are new, are written now; rows where only the score
    drifted are returned in ``scores_pending`` for ``store_scores``. A graph-wide metric
    moves most scores a little whenever anyone joins, and writing them all would hold the
    one standing that changed back by a second or more at 100,000 members.
    """
    all_ids = _member_ids()
    vouched = np.zeros(len(all_ids), dtype=bool)
    score = np.zeros(len(all_ids), dtype=np.float64)
    level = np.zeros(len(all_ids), dtype=np.int16)
    positions = np.searchsorted(all_ids, graph.ids)
    vouched[positions] = result.vouched
    score[positions] = np.round(result.score, SCORE_DECIMALS)
    level[positions] = result.level

    old_ids, old_vouched, old_score, old_level = _stored_rows()
    known = np.isin(all_ids, old_ids, assume_unique=True)
    prev_vouched = np.zeros(len(all_ids), dtype=bool)
    prev_score = np.full(len(all_ids), -1.0)
    prev_level = np.full(len(all_ids), -1, dtype=np.int16)
    at = np.searchsorted(old_ids, all_ids[known])
    prev_vouched[known] = old_vouched[at]
    prev_score[known] = old_score[at]
    prev_level[known] = old_level[at]
    standing = ~known | (prev_vouched != vouched) | (prev_level != level)
    drifted = ~standing & (np.abs(prev_score - score) > 10**-SCORE_DECIMALS / 2)
    now = standing if scores_later else standing | drifted
    _upsert(all_ids[now], vouched[now], score[now], level[now])
    pending = ()
    if scores_later and drifted.any():
        pending = (all_ids[drifted], vouched[drifted], score[drifted], level[drifted])
    return StoredTrust(
        changed=int((standing | drifted).sum()),
        standing_changed=all_ids[prev_vouched != vouched],
        lost=all_ids[prev_vouched & ~vouched],
        scores_pending=pending,
    )


def store_scores(stored: StoredTrust) -> None:
    """Write the score-only changes ``store_trust_result`` left for later."""
    if stored.scores_pending:
        _upsert(*stored.scores_pending)


def _upsert(ids, vouched, score, level) -> None:
    if _postgres():
        _upsert_postgres(ids, vouched, score, level)
    else:
        _upsert_orm(ids, vouched, score, level)


def _stored_rows():
    if _postgres():
        table = TrustScore._meta.db_table
        rows = _copy_out(
            f"SELECT member_id, vouched, score, level::int2 FROM {table} ORDER BY member_id",
            ("i8", "b1", "f8", "i2"),
        )
        return rows["c0"].astype(np.int64), rows["c1"], rows["c2"].astype(float), rows["c3"]
    data = list(
        TrustScore.objects.order_by("member_id")
        .values_list("member_id", "vouched", "score", "level")
        .iterator(chunk_size=CHUNK)
    )
    if not data:
        return np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0, np.int16)
    ids, vouched, score, level = zip(*data, strict=True)
    return (
        np.array(ids, dtype=np.int64),
        np.array(vouched, dtype=bool),
        np.array(score, dtype=np.float64),
        np.array(level, dtype=np.int16),
    )


def _upsert_orm(ids, vouched, score, level) -> None:
    rows = [
        TrustScore(member_id=int(i), vouched=bool(v), score=float(s), level=int(lv))
        for i, v, s, lv in zip(ids, vouched, score, level, strict=True)
    ]
    TrustScore.objects.bulk_create(
        rows,
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=["vouched", "score", "level"],
    )


def _upsert_postgres(ids, vouched, score, level) -> None:
    if not len(ids):
        return
    table = TrustScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE trust_incoming "
            "(member_id bigint, vouched boolean, score double precision, level smallint) "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY trust_incoming (member_id, vouched, score, level) FROM STDIN"
        ) as copy:
            for start in range(0, len(ids), 50_000):
                stop = start + 50_000
                lines = "".join(
                    f"{i}\t{'t' if v else 'f'}\t{s!r}\t{lv}\n"
                    for i, v, s, lv in zip(
                        ids[start:stop].tolist(),
                        vouched[start:stop].tolist(),
                        score[start:stop].tolist(),
                        level[start:stop].tolist(),
                        strict=True,
                    )
                )
                copy.write(lines)
        cursor.execute(
            f"INSERT INTO {table} (member_id, vouched, score, level) "
            "SELECT member_id, vouched, score, level FROM trust_incoming "
            "ON CONFLICT (member_id) DO UPDATE SET vouched = EXCLUDED.vouched, "
            "score = EXCLUDED.score, level = EXCLUDED.level"
        )
        cursor.execute("DROP TABLE trust_incoming")
