"""Filling a bench database with a generated community, the way an operator would.

A fresh database (PostgreSQL ``pledge_bench_<size>`` or a SQLite file under
``bench/results/var/``) is migrated, then the generated vouches go in through the
operator import, ``vouches_import``, founders first. On SQLite that import goes through
the ORM's bulk_create, about 350 s per million vouches (an hour at 10 million), so
SQLite is filled by default with plain INSERTs of the very rows the import would write
(``--sqlite-import orm`` uses the import itself). The time of each step is recorded in
a small ``bench_populated`` table so a later run can reuse the database (``--reuse-db``)
and still report how long populating took.

    python -m bench.populate --members 100000 --database postgres
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from .common import (
    UNLIMITED_STATEMENTS,
    database_url,
    django_setup,
    emit,
    ensure_graph,
    load_graph,
    log,
)

MARKER_TABLE = "bench_populated"


def recreate_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    from .common import DB_PREFIX, POSTGRES_ADMIN_URL

    name = url.rsplit("/", 1)[1]
    assert name.startswith(DB_PREFIX), name
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        return Path(url.removeprefix("sqlite:///")).exists()
    import psycopg

    from .common import POSTGRES_ADMIN_URL

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        name = url.rsplit("/", 1)[1]
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def read_marker() -> dict | None:
    """What populated this database (run inside a Django process), or None."""
    from django.db import connection

    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT info FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(info: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (info text)")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (info) VALUES (%s)", [json.dumps(info)])


def insert_rows(raw, model, template, varying: tuple[str, ...], rows) -> None:
    """executemany INSERT of ``model`` rows: ``varying`` columns from ``rows``, every other
    column as in ``template`` (a model instance), so columns added later keep working."""
    from django.db import connection

    fixed = [
        f
        for f in model._meta.local_concrete_fields
        if not f.primary_key and f.attname not in varying
    ]
    columns = [model._meta.get_field(name).column for name in varying] + [f.column for f in fixed]
    tail = tuple(f.get_db_prep_save(getattr(template, f.attname), connection) for f in fixed)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    raw.executemany(sql, (tuple(row) + tail for row in rows))


def sqlite_direct_import(n: int, edges, founders) -> dict:
    """What ``vouches_import`` writes on SQLite, as plain executemany INSERTs."""
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from vouching.models import KnownFor, Member, Relationship, Vouch
    from vouching.services import trust_graph_changed
    from vouching.services.imports import PLACEHOLDER_DOMAIN

    founder_list = founders.tolist()
    founder_set = set(founder_list)
    order = list(dict.fromkeys([*founder_list, *edges[:, :2].ravel().tolist()]))
    now = timezone.now()
    member = Member(password="!", is_placeholder=True, date_joined=now, display_name="")
    vouch = Vouch(
        relationship=Relationship.OTHER,
        known_for=KnownFor.UNSTATED,
        status=Vouch.Status.ACCEPTED,
        is_imported=True,
        created_at=now,
        responded_at=now,
    )
    with transaction.atomic():
        raw = connection.cursor().cursor  # the sqlite3 cursor: no per-row wrapping
        # Nine indexes on the vouch table: with SQLite's 2 MB default page cache every
        # insert would go to disk for them.
        raw.execute("PRAGMA cache_size = -2000000")
        insert_rows(
            raw,
            Member,
            member,
            ("email", "display_name", "public_id", "is_founder", "imported_name"),
            (
                (
                    f"imported-{i}@{PLACEHOLDER_DOMAIN}",
                    f"m{i}",
                    uuid.uuid4().hex,
                    i in founder_set,
                    f"m{i}",
                )
                for i in order
            ),
        )
        raw.execute(f"SELECT id, imported_name FROM {Member._meta.db_table}")
        pk = np.zeros(n, dtype=np.int64)
        for member_id, name in raw.fetchall():
            pk[int(name[1:])] = member_id
        ids = np.stack([pk[edges[:, 0]], pk[edges[:, 1]], edges[:, 2]], axis=1)
        insert_rows(raw, Vouch, vouch, ("voucher_id", "vouchee_id", "strength"), ids.tolist())
        trust_graph_changed()
    return {"members_created": len(order), "import_path": "sqlite executemany"}


def populate(members: int, engine: str, *, sqlite_import: str = "direct") -> dict:
    graph_file, summary = ensure_graph(members)
    url = database_url(engine, members)
    started = time.perf_counter()
    recreate_database(url)
    os.environ["PLEDGE_DATABASE_URL"] = url
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from vouching.models import Member, Vouch
    from vouching.services.imports import vouches_import

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    n, edges, founders = load_graph(graph_file)
    log(f"importing {len(edges):,} vouches into {engine} ({url.rsplit('/', 1)[1]})")
    if engine == "sqlite" and sqlite_import == "direct":
        how = sqlite_direct_import(n, edges, founders)
    else:
        lines = (f"m{a},m{b},{s}\n" for a, b, s in edges.tolist())
        done = vouches_import(lines=lines, founders=[f"m{f}" for f in founders.tolist()])
        how = {"members_created": done.members_created, "import_path": "vouches_import"}
    imported = time.perf_counter()
    info = {
        "database": engine,
        "vendor": connection.vendor,
        "graph": graph_file.name,
        "members": Member.objects.count(),
        "vouches": Vouch.objects.count(),
        "graph_vouches": len(edges),
        **how,
        "recreate_s": round(t0 - started, 2),
        "migrate_s": round(migrated - t0, 2),
        "import_s": round(imported - migrated, 2),
        "total_s": round(imported - started, 2),
        "populated_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    settle(info)
    write_marker(info)
    return info


def settle(info: dict) -> None:
    """The steady state of a live database rather than a freshly loaded one: planner
    statistics, and on PostgreSQL the visibility map that autovacuum would build (as
    ``import_vouches`` does after a large import), without which the covering vouch
    indexes cannot answer trust-path queries on their own. Timed apart from the import."""
    from django.db import connection

    from vouching.services.imports import vouch_tables_settle

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        vouch_tables_settle()
    info["settle_s"] = round(time.perf_counter() - started, 2)


def add_missing_schema() -> list[str]:
    """Tables and columns the models have and the database lacks.

    Migrations still being written get edited in place; a reused bench database that
    applied an earlier version of one would miss what was added since.
    """
    from django.apps import apps
    from django.db import connection

    added = []
    tables = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            table = model._meta.db_table
            if table not in tables:
                editor.create_model(model)
                added.append(table)
                continue
            with connection.cursor() as cursor:
                # Not introspection.get_table_description: on SQLite it trips over some
                # constraint definitions.
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} LIMIT 0")
                columns = {c[0] for c in cursor.description}
            for field in model._meta.local_fields:
                if field.column and field.column not in columns:
                    editor.add_field(model, field)
                    added.append(f"{table}.{field.column}")
    return added


def reusable(members: int, engine: str) -> dict | None:
    """The marker of an existing bench database holding this size's graph, or None."""
    graph_file, _summary = ensure_graph(members)
    url = database_url(engine, members)
    if not database_exists(url):
        return None
    os.environ["PLEDGE_DATABASE_URL"] = url
    django_setup()
    from django.core.management import call_command
    from django.db import connections

    marker = read_marker()
    if marker and marker.get("graph") == graph_file.name:
        # The code may have moved on since: bring the schema up to date.
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        repaired = add_missing_schema()
        settled: dict = {}
        settle(settled)
        connections.close_all()
        seconds = round(time.perf_counter() - started, 2)
        return {
            **marker,
            "schema_repaired": repaired,
            "migrate_on_reuse_s": seconds,
            "settle_on_reuse_s": settled["settle_s"],
        }
    connections.close_all()
    return None


def main() -> None:
    os.environ.update(UNLIMITED_STATEMENTS)
    parser = argparse.ArgumentParser(prog="python -m bench.populate")
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--database", choices=("postgres", "sqlite"), required=True)
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled")
    parser.add_argument("--sqlite-import", choices=("direct", "orm"), default="direct")
    args = parser.parse_args()
    if args.reuse:
        marker = reusable(args.members, args.database)
        if marker:
            emit({**marker, "reused": True})
            return
    info = populate(args.members, args.database, sqlite_import=args.sqlite_import)
    emit({**info, "reused": False})


if __name__ == "__main__":
    main()
