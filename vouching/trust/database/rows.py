"""The stored trust rows (``TrustScore``), read and upserted in bulk."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from django.db import connection

from ...models import TrustScore
from .bulk import CHUNK, copy_out, on_postgres

# The stored columns of a trust row, in TrustRows' order after the member id.
STORED = ("vouched", "score", "level", "established", "spare", "carried_by")


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

    @classmethod
    def blank(cls, ids: np.ndarray, *, score: float = 0.0, level: int = 0) -> TrustRows:
        """A row per id, not vouched and with nothing recorded; ``score`` and ``level``
        for every one."""
        count = len(ids)
        return cls(
            ids=ids,
            vouched=np.zeros(count, dtype=bool),
            score=np.full(count, score, dtype=np.float64),
            level=np.full(count, level, dtype=np.int16),
            established=np.zeros(count, dtype=bool),
            spare=np.zeros(count, dtype=bool),
            carried_by=np.full(count, "", dtype=object),
        )

    def take(self, mask: np.ndarray) -> TrustRows:
        return TrustRows(*(getattr(self, f.name)[mask] for f in fields(self)))


def stored_rows(*, with_carriers: bool = True) -> TrustRows:
    """Every stored row; ``carried_by`` is left blank unless ``with_carriers``."""
    if on_postgres():
        return _stored_rows_postgres(with_carriers)
    return _stored_rows_orm(with_carriers)


def _stored_rows_postgres(with_carriers: bool) -> TrustRows:
    table = TrustScore._meta.db_table
    rows = copy_out(
        f"SELECT member_id, vouched, score, level::int2, established, spare FROM {table}"
        " ORDER BY member_id",
        ("i8", "b1", "f8", "i2", "b1", "b1"),
    )
    ids = rows["c0"].astype(np.int64)
    carried_by = np.full(len(ids), "", dtype=object)
    if with_carriers and len(ids):
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY (SELECT member_id, carried_by FROM {table} WHERE carried_by <> '') TO STDOUT"
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


def _stored_rows_orm(with_carriers: bool) -> TrustRows:
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


def upsert_rows(rows: TrustRows) -> None:
    """Insert the rows, or update the members' rows already stored."""
    if on_postgres():
        _upsert_postgres(rows)
    else:
        _upsert_orm(rows)


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
