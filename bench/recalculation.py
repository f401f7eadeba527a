"""Full trust recalculation, end to end: read the vouches, compute, write every standing."""

import resource
import time

from django.db import connection, transaction
from django.utils import timezone

from vouching import services
from vouching.models import Member, TrustScore, TrustState, Vouch
from vouching.trust import get_metric, load_trust_graph

from .graphs import social_vouch_graph


def populate(members: int, *, founders: int = 5) -> int:
    """Replace the database's community with a generated one; returns the vouch count."""
    edges = social_vouch_graph(members)
    with transaction.atomic():
        TrustScore.objects.all().delete()
        Vouch.objects.all().delete()
        Member.objects.all().delete()
        now = timezone.now()
        Member.objects.bulk_create(
            (
                Member(
                    email=f"m{i}@bench.example",
                    display_name=f"Member {i}",
                    password="!",
                    is_founder=i < founders,
                    date_joined=now,
                )
                for i in range(members)
            ),
            batch_size=5_000,
        )
        ids = dict(
            Member.objects.filter(email__endswith="@bench.example").values_list("email", "pk")
        )
        pk = [ids[f"m{i}@bench.example"] for i in range(members)]
        Vouch.objects.bulk_create(
            (
                Vouch(
                    voucher_id=pk[a],
                    vouchee_id=pk[b],
                    strength=s,
                    relationship="friend",
                    known_for="1to3",
                    statement="Generated for a benchmark; long enough to be a statement.",
                    status=Vouch.Status.ACCEPTED,
                    created_at=now,
                )
                for a, b, s in edges
            ),
            batch_size=5_000,
        )
        services.trust_graph_changed()
    return len(edges)


def run(members: int) -> dict:
    vouches = populate(members)
    TrustState.objects.update(dirty=True)
    t0 = time.perf_counter()
    graph = load_trust_graph()
    t1 = time.perf_counter()
    get_metric().compute(graph)
    t2 = time.perf_counter()
    services.trust_recalculate(force=True)  # the whole thing, as the task runs it
    t3 = time.perf_counter()
    rerun = time.perf_counter()
    services.trust_recalculate(force=True)  # nothing changed: no rows written
    rerun = time.perf_counter() - rerun
    return {
        "benchmark": "trust_recalculation",
        "database": connection.vendor,
        "metric": get_metric().name,
        "members": members,
        "vouches": vouches,
        "load_graph_s": round(t1 - t0, 3),
        "compute_s": round(t2 - t1, 3),
        "end_to_end_first_run_s": round(t3 - t2, 3),
        "end_to_end_unchanged_s": round(rerun, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
