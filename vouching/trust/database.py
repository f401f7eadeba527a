"""Reading the vouch graph out of the database and writing trust back, in bulk.

On PostgreSQL both directions use COPY in binary form: a million vouches load in about a
second and a million scores are written in a few, where row-by-row ORM calls would take
minutes. Other databases go through the ORM in chunks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields

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
    """The whole graph in a few queries: members, accepted vouches, forfeits, capacities,
    and each member's stored level (the standing a recalculation keeps where it can)."""
    ids, founder_ids = _member_rows()
    state = TrustState.load()
    stored = _stored_rows(with_carriers=False)
    return TrustGraph.from_id_arrays(
        ids=ids,
        n_founders=len(founder_ids),
        edges=_vouch_rows(),
        pledge_weights=pledge_weights(),
        capacities=state.capacities or None,
        min_vouches_to_vouch=settings.MIN_VOUCHES_TO_VOUCH,
        incumbent_levels=(stored.ids, np.where(stored.vouched, stored.level, 0)),
    )


@dataclass(frozen=True)
class TrustRows:
    """Stored trust, one entry per member id, ids ascending."""

    ids: np.ndarray
    vouched: np.ndarray
    score: np.ndarray
    level: np.ndarray
    established: np.ndarray
    spare: np.ndarray
    carried_by: np.ndarray  # str per member ("" when nothing is recorded)

    def take(self, mask: np.ndarray) -> TrustRows:
        return TrustRows(*(getattr(self, f.name)[mask] for f in fields(self)))


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
    if _postgres():
        table = Member._meta.db_table
        return _copy_out(f"SELECT id FROM {table} ORDER BY id", ("i8",))["c0"].astype(np.int64)
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
    count = len(all_ids)
    positions = np.searchsorted(all_ids, graph.ids)
    new = TrustRows(
        ids=all_ids,
        vouched=np.zeros(count, dtype=bool),
        score=np.zeros(count, dtype=np.float64),
        level=np.zeros(count, dtype=np.int16),
        established=np.zeros(count, dtype=bool),
        spare=np.zeros(count, dtype=bool),
        carried_by=np.full(count, "", dtype=object),
    )
    new.vouched[positions] = result.vouched
    new.score[positions] = np.round(result.score, SCORE_DECIMALS)
    new.level[positions] = result.level
    if result.established is not None:
        new.established[positions] = result.established
    if result.spare is not None:
        new.spare[positions] = result.spare
    carried_ids, carried = carried_by_text(graph, result)
    new.carried_by[np.searchsorted(all_ids, carried_ids)] = carried

    old = _stored_rows()
    known = np.isin(all_ids, old.ids, assume_unique=True)
    at = np.searchsorted(old.ids, all_ids[known])
    prev_vouched = np.zeros(count, dtype=bool)
    prev_vouched[known] = old.vouched[at]
    prev_level = np.full(count, -1, dtype=np.int16)
    prev_level[known] = old.level[at]
    prev_score = np.full(count, -1.0)
    prev_score[known] = old.score[at]
    prev_spare = np.zeros(count, dtype=bool)
    prev_spare[known] = old.spare[at]
    prev_established = np.zeros(count, dtype=bool)
    prev_established[known] = old.established[at]
    prev_carried = np.full(count, "", dtype=object)
    prev_carried[known] = old.carried_by[at]
    # Standing, and what the standing page says of it, go out first; scores that only
    # drifted may wait.
    standing = (
        ~known
        | (prev_vouched != new.vouched)
        | (prev_level != new.level)
        | (prev_spare != new.spare)
        | (prev_established != new.established)
        | (prev_carried != new.carried_by)
    )
    drifted = ~standing & (np.abs(prev_score - new.score) > 10**-SCORE_DECIMALS / 2)
    now = standing if scores_later else standing | drifted
    _upsert(new.take(now))
    return StoredTrust(
        changed=int((standing | drifted).sum()),
        standing_changed=all_ids[prev_vouched != new.vouched],
        lost=all_ids[prev_vouched & ~new.vouched],
        lost_carriers={
            int(member_id): [int(part) for part in carried.split(",") if part]
            for member_id, carried in zip(
                all_ids[prev_vouched & ~new.vouched],
                prev_carried[prev_vouched & ~new.vouched],
                strict=True,
            )
        },
        scores_pending=new.take(drifted) if scores_later and drifted.any() else None,
    )


def store_scores(stored: StoredTrust) -> None:
    """Write the score-only changes ``store_trust_result`` left for later."""
    if stored.scores_pending is not None:
        _upsert(stored.scores_pending)


def _upsert(rows: TrustRows) -> None:
    if _postgres():
        _upsert_postgres(rows)
    else:
        _upsert_orm(rows)


def _stored_rows(*, with_carriers: bool = True) -> TrustRows:
    if _postgres():
        table = TrustScore._meta.db_table
        rows = _copy_out(
            f"SELECT member_id, vouched, score, level::int2, established, spare FROM {table}"
            " ORDER BY member_id",
            ("i8", "b1", "f8", "i2", "b1", "b1"),
        )
        ids = rows["c0"].astype(np.int64)
        carried_by = np.full(len(ids), "", dtype=object)
        if with_carriers and len(ids):
            with connection.cursor() as cursor:
                with cursor.cursor.copy(
                    f"COPY (SELECT member_id, carried_by FROM {table} WHERE carried_by <> '')"
                    " TO STDOUT"
                ) as copy:
                    text = b"".join(bytes(block) for block in copy).decode()
            if text:
                pairs = [line.split("\t") for line in text.splitlines()]
                member = np.fromiter((int(p[0]) for p in pairs), dtype=np.int64, count=len(pairs))
                carried_by[np.searchsorted(ids, member)] = [p[1] for p in pairs]
        return TrustRows(
            ids,
            rows["c1"],
            rows["c2"].astype(float),
            rows["c3"],
            rows["c4"],
            rows["c5"],
            carried_by,
        )
    columns = ["member_id", "vouched", "score", "level", "established", "spare"]
    if with_carriers:
        columns.append("carried_by")
    data = list(
        TrustScore.objects.order_by("member_id").values_list(*columns).iterator(chunk_size=CHUNK)
    )
    count = len(data)
    values = list(zip(*data, strict=True)) if data else [()] * len(columns)
    return TrustRows(
        ids=np.array(values[0], dtype=np.int64),
        vouched=np.array(values[1], dtype=bool),
        score=np.array(values[2], dtype=np.float64),
        level=np.array(values[3], dtype=np.int16),
        established=np.array(values[4], dtype=bool),
        spare=np.array(values[5], dtype=bool),
        carried_by=np.array(values[6], dtype=object)
        if with_carriers
        else np.full(count, "", dtype=object),
    )


# The stored columns of a trust row, in TrustRows' order after the member id.
STORED = ("vouched", "score", "level", "established", "spare", "carried_by")


def _upsert_orm(rows: TrustRows) -> None:
    columns = [getattr(rows, name).tolist() for name in STORED]
    TrustScore.objects.bulk_create(
        [
            TrustScore(member_id=member_id, **dict(zip(STORED, values, strict=True)))
            for member_id, *values in zip(rows.ids.tolist(), *columns, strict=True)
        ],
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=list(STORED),
    )


def _copy_value(value) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _upsert_postgres(rows: TrustRows) -> None:
    if not len(rows.ids):
        return
    table = TrustScore._meta.db_table
    names = ", ".join(("member_id", *STORED))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE trust_incoming (member_id bigint, vouched boolean, "
            "score double precision, level smallint, established boolean, spare boolean, "
            "carried_by text) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY trust_incoming ({names}) FROM STDIN") as copy:
            for start in range(0, len(rows.ids), 50_000):
                part = slice(start, start + 50_000)
                columns = [rows.ids[part].tolist()]
                columns += [getattr(rows, name)[part].tolist() for name in STORED]
                copy.write(
                    "".join(
                        "\t".join(map(_copy_value, values)) + "\n"
                        for values in zip(*columns, strict=True)
                    )
                )
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in STORED)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM trust_incoming "
            f"ON CONFLICT (member_id) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE trust_incoming")
