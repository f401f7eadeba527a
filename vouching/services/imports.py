"""Bringing an existing community's vouch network into Pledge, and its trust back out.

Imported people become placeholder members, known by the name they had there, who can
later claim their account by email. On PostgreSQL rows go in with COPY, so a network of
millions of vouches imports in minutes rather than hours.
"""

from __future__ import annotations

import csv
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from ..models import KnownFor, Member, Relationship, Standing, TrustState, Vouch
from .trust import trust_graph_changed

# Advogato-style level names, as sites running mod_virgule published them.
LEVEL_NAMES = {"apprentice": 1, "journeyer": 2, "master": 3}
DEFAULT_STRENGTH = 1
BATCH = 5_000
PLACEHOLDER_DOMAIN = "placeholder.invalid"


@dataclass
class ImportSummary:
    lines: int = 0
    ignored: int = 0  # blank and comment lines
    vouches: int = 0
    members_created: int = 0
    self_vouches: int = 0
    repeated: int = 0
    already_present: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    founders: list[str] = field(default_factory=list)


def parse_strength(text: str) -> int | None:
    text = text.strip()
    if not text:
        return DEFAULT_STRENGTH
    if text.lower() in LEVEL_NAMES:
        return LEVEL_NAMES[text.lower()]
    if text in {"1", "2", "3"}:
        return int(text)
    return None


def parse_vouch_lines(lines: Iterable[str], summary: ImportSummary):
    """``voucher,vouchee[,strength]`` per line; yields (voucher, vouchee, strength) once
    per pair, counting what it skips.

    Names are kept exactly as written, spaces included: in real networks "david" and
    "david " can be two different people.
    """
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(lines, start=1):
        summary.lines += 1
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if not stripped or stripped.startswith("#"):
            summary.ignored += 1
            continue
        parts = content.split(",")
        strength = parse_strength(parts[2]) if len(parts) == 3 else None
        if len(parts) == 2:
            strength = DEFAULT_STRENGTH
        blank_name = len(parts) < 2 or not parts[0].strip() or not parts[1].strip()
        if len(parts) not in (2, 3) or blank_name or strength is None:
            summary.malformed += 1
            if len(summary.malformed_examples) < 5:
                summary.malformed_examples.append(f"line {number}: {stripped[:80]}")
            continue
        voucher, vouchee = parts[0], parts[1]
        if voucher == vouchee:
            summary.self_vouches += 1
            continue
        if (voucher, vouchee) in seen:
            summary.repeated += 1
            continue
        seen.add((voucher, vouchee))
        yield voucher, vouchee, strength


def _placeholder(name: str, now) -> Member:
    return Member(
        email=f"imported-{secrets.token_hex(10)}@{PLACEHOLDER_DOMAIN}",
        display_name=name[:60],
        imported_name=name,
        is_placeholder=True,
        password=make_password(None),
        date_joined=now,
    )


def _members_by_name(names: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        found.update(
            Member.objects.filter(imported_name__in=chunk).values_list("imported_name", "pk")
        )
    return found


def _copy_text(table: str, columns: str, lines: Iterable[str], advance) -> None:
    """COPY tab-separated lines in large blocks: far cheaper than one call per row."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            block: list[str] = []
            for line in lines:
                block.append(line)
                if len(block) == BATCH * 4:
                    copy.write("".join(block))
                    advance(len(block))
                    block = []
            if block:
                copy.write("".join(block))
                advance(len(block))


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _create_members(names: list[str], now, advance) -> None:
    if connection.vendor == "postgresql":
        columns = (
            "password, is_superuser, email, display_name, public_id, avatar, is_founder, "
            "is_active, is_staff, date_joined, language, imported_name, is_placeholder, "
            "session_version"
        )
        stamp = now.isoformat()
        language = Member._meta.get_field("language").default

        def lines():
            for name in names:
                email = f"imported-{secrets.token_hex(10)}@{PLACEHOLDER_DOMAIN}"
                yield (
                    f"{make_password(None)}\tf\t{email}\t{_copy_escape(name[:60])}\t"
                    f"{uuid.uuid4()}\t\tf\tt\tf\t{stamp}\t{language}\t"
                    f"{_copy_escape(name)}\tt\t0\n"
                )

        _copy_text(Member._meta.db_table, columns, lines(), advance)
        return
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        Member.objects.bulk_create([_placeholder(name, now) for name in chunk])
        advance(len(chunk))


def _create_vouches(rows: list[tuple[int, int, int]], now, advance) -> None:
    if connection.vendor == "postgresql":
        columns = (
            "voucher_id, vouchee_id, relationship, known_for, strength, statement, "
            "created_at, status, responded_at, revocation_reason, revocation_note, is_imported"
        )
        tail = f"\t\t{now.isoformat()}\t{Vouch.Status.ACCEPTED}\t{now.isoformat()}\t\t\tt\n"
        head = f"\t{Relationship.OTHER}\t{KnownFor.UNSTATED}\t"
        lines = (f"{a}\t{b}{head}{s}{tail}" for a, b, s in rows)
        _copy_text(Vouch._meta.db_table, columns, lines, advance)
        return
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        Vouch.objects.bulk_create(
            [
                Vouch(
                    voucher_id=voucher,
                    vouchee_id=vouchee,
                    relationship=Relationship.OTHER,
                    known_for=KnownFor.UNSTATED,
                    strength=strength,
                    status=Vouch.Status.ACCEPTED,
                    is_imported=True,
                    created_at=now,
                    responded_at=now,
                )
                for voucher, vouchee, strength in chunk
            ]
        )
        advance(len(chunk))


@transaction.atomic
def vouches_import(
    *,
    lines: Iterable[str],
    founders: list[str] | None = None,
    capacities: list[int] | None = None,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> ImportSummary:
    """Import ``voucher,vouchee[,strength]`` lines as accepted vouches, in file order.

    Founders named here are created first, in the order given, so that an imported
    community keeps its seeds' order; ``capacities`` fixes the Advogato capacities the
    community used. Importing the same file twice adds nothing.
    """
    summary = ImportSummary()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # An import can be re-run; not waiting for the disk at commit saves minutes.
            cursor.execute("SET LOCAL synchronous_commit = off")
    triples = list(parse_vouch_lines(lines, summary))
    founders = list(dict.fromkeys(founders or []))
    now = timezone.now()

    def stage(label: str, total: int) -> Callable[[int], None]:
        return progress(label, total) if progress else (lambda step=1: None)

    ids, existing = _members_ensure(founders, triples, summary, now, stage)
    if founders:
        Member.objects.filter(pk__in=[ids[f] for f in founders]).update(is_founder=True)
        summary.founders = founders
    present = _vouches_present([ids[n] for n in existing])
    rows = _vouches_new(triples, ids, present, summary)
    _create_vouches(rows, now, stage("vouches", len(rows)))
    summary.vouches = len(rows)
    if capacities is not None:
        state = TrustState.load()
        state.capacities = list(capacities)
        state.save(update_fields=["capacities"])
    if rows or founders or capacities is not None:
        trust_graph_changed()
    if connection.vendor == "postgresql" and len(rows) > BATCH:
        with connection.cursor() as cursor:
            # Fresh statistics, or the planner keeps thinking the tables are empty.
            cursor.execute(f"ANALYZE {Member._meta.db_table}, {Vouch._meta.db_table}")
    return summary


def _members_ensure(
    founders: list[str], triples: list[tuple[str, str, int]], summary: ImportSummary, now, stage
) -> tuple[dict[str, int], dict[str, int]]:
    """Every name's member id, creating placeholders for the names not known yet
    (founders first); and the ids of the members who were there already."""
    names = list(dict.fromkeys([*founders, *(n for t in triples for n in t[:2])]))
    existing = _members_by_name(names)
    new_names = [n for n in names if n not in existing]
    _create_members(new_names, now, stage("members", len(new_names)))
    summary.members_created = len(new_names)
    return {**existing, **_members_by_name(new_names)}, existing


def _vouches_present(voucher_ids: list[int]) -> set[tuple[int, int]]:
    """(voucher, vouchee) of the active vouches these members have given."""
    present: set[tuple[int, int]] = set()
    for start in range(0, len(voucher_ids), BATCH):
        present.update(
            Vouch.objects.active()
            .filter(voucher_id__in=voucher_ids[start : start + BATCH])
            .values_list("voucher_id", "vouchee_id")
        )
    return present


def _vouches_new(
    triples: list[tuple[str, str, int]],
    ids: dict[str, int],
    present: set[tuple[int, int]],
    summary: ImportSummary,
) -> list[tuple[int, int, int]]:
    """(voucher id, vouchee id, strength) of the vouches not present already, in order."""
    rows = []
    for voucher, vouchee, strength in triples:
        pair = (ids[voucher], ids[vouchee])
        if pair in present:
            summary.already_present += 1
            continue
        rows.append((*pair, strength))
    return rows


def vouch_tables_settle() -> bool:
    """After a large import on PostgreSQL, what autovacuum would do later: a visibility
    map, so that trust paths read links from the covering vouch indexes alone (an index-
    only scan) instead of visiting the table row by row, and fresh planner statistics.
    Runs only outside a transaction (VACUUM cannot run in one); True if it ran."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Member._meta.db_table}, {Vouch._meta.db_table}")
    return True


def trust_export_rows():
    """(name, level, score, standing) for every member, in member order."""
    members = (
        Member.objects.select_related("trust")
        .order_by("pk")
        .only(
            "imported_name",
            "display_name",
            "is_founder",
            "banned_at",
            "suspended_until",
            "trust__level",
            "trust__score",
            "trust__vouched",
        )
    )
    for member in members.iterator(chunk_size=BATCH):
        trust = getattr(member, "trust", None)
        level = trust.level if trust else 0
        score = trust.score if trust else 0.0
        if member.is_founder and not trust:
            level, score = 3, 1.0
        yield (
            member.imported_name or member.display_name,
            level,
            f"{score:.6f}",
            Standing(member.standing).value,
        )


def trust_export(*, stream, advance: Callable[[int], None] | None = None) -> int:
    writer = csv.writer(stream)
    writer.writerow(["name", "level", "score", "standing"])
    count = 0
    for row in trust_export_rows():
        writer.writerow(row)
        count += 1
        if advance:
            advance(1)
    return count
