"""What reading and writing trust in bulk share: which database this is, and binary COPY
out of PostgreSQL."""

from __future__ import annotations

import struct

import numpy as np
from django.db import connection

# Rows per fetch where the ORM reads in chunks (databases other than PostgreSQL).
CHUNK = 20_000


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_out(sql: str, columns: tuple[str, ...]) -> np.ndarray:
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
