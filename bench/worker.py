"""From a vouch accepted to the vouchee's standing updated, through the real worker.

On the PostgreSQL bench database of 100k members, with the Redis broker (database 11)
and a queue of the bench's own, a child process starts a real Celery worker
(``celery -A matchmaking worker --pool=solo -Q pledge-bench``) and waits until it is
ready. Then, a few times: a new member joins (pending, no vouches), a founder vouches for
them (``vouch_create``) and they accept (``vouch_accept``). The clock starts when the
accept's transaction commits (an ``on_commit`` callback registered before the accept's
own, which then asks the broker for a recalculation after ``PLEDGE_TRUST_RECALC_DELAY``)
and stops when the member's stored ``TrustScore`` says vouched (polled every 10 ms).
The worker's own task seconds are read from its log ("succeeded in ...s"). The members
made here are deleted at the end.

    python -m bench.worker --members 100000 --trials 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from functools import partial

from tests.worker_process import WorkerProcess

from .common import BENCH_QUEUE, child_env, database_url, django_setup, emit, log, use_env

STATEMENT = "A benchmark vouch: I have known this person for years and trust them fully."
SUCCEEDED = re.compile(r"Task vouching\.recalculate_trust\[[^\]]+\] succeeded in ([0-9.]+)s")


def task_seconds(worker: WorkerProcess) -> list[float]:
    return [float(m.group(1)) for line in worker.lines if (m := SUCCEEDED.search(line))]


def purge_queue() -> int:
    from matchmaking.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.queue_purge(BENCH_QUEUE) or 0


def record_time(into: list[float]) -> None:
    into.append(time.perf_counter())


def wait_until(predicate, timeout: float, interval: float = 0.01) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def measure(members: int, trials: int, timeout: float) -> dict:
    env = child_env(PLEDGE_DATABASE_URL=database_url("postgres", members))
    use_env(env)
    django_setup()
    from django.conf import settings
    from django.db import transaction

    from vouching import services
    from vouching.models import Member, TrustScore, TrustState, Vouch

    purged = purge_queue()
    # Start from stored scores that match the graph, so the only change is ours.
    prepared = services.trust_recalculate(force=True)
    worker = WorkerProcess(queue=BENCH_QUEUE, env=env, name="bench", timeout=90)
    founder = Member.objects.founders().order_by("pk").first()
    made: list[int] = []
    results = []
    try:
        for trial in range(trials):
            member = Member.objects.create_user(
                email=f"bench-worker-{os.getpid()}-{trial}@bench.invalid",
                display_name=f"Bench newcomer {trial}",
            )
            made.append(member.pk)
            fields = services.VouchTerms(
                relationship="friend", known_for="1to3", strength=2, statement=STATEMENT
            )
            vouch = services.vouch_create(voucher=founder, vouchee=member, fields=fields)
            committed: list[float] = []
            with transaction.atomic():
                transaction.on_commit(partial(record_time, committed))
                services.vouch_accept(vouch=vouch, member=member)
            ok = wait_until(
                lambda m=member: TrustScore.objects.filter(member=m, vouched=True).exists(),
                timeout,
            )
            seconds = time.perf_counter() - committed[0]
            results.append({"trial": trial, "seconds": round(seconds, 3), "vouched": ok})
            log(f"  worker trial {trial}: {seconds:.2f} s")
            # Let the run finish and the state settle before the next change.
            wait_until(lambda: not TrustState.load().dirty, 60, interval=0.1)
            time.sleep(0.5)
    finally:
        worker.stop()
        TrustScore.objects.filter(member_id__in=made).delete()
        Vouch.objects.filter(vouchee_id__in=made).delete()
        Member.objects.filter(pk__in=made).delete()
    times = [r["seconds"] for r in results if r["vouched"]]
    worker_seconds = task_seconds(worker)
    return {
        "members": prepared.members,
        "vouches": prepared.vouches,
        "broker": env["PLEDGE_CELERY_BROKER_URL"],
        "queue": BENCH_QUEUE,
        "recalc_delay_s": settings.TRUST_RECALC_DELAY.total_seconds(),
        "messages_purged_first": purged,
        "trials": results,
        "median_s": round(statistics.median(times), 3) if times else None,
        "max_s": max(times) if times else None,
        "all_vouched": len(times) == len(results),
        "worker_task_seconds": worker_seconds,
        "worker_task_median_s": (
            round(statistics.median(worker_seconds), 3) if worker_seconds else None
        ),
        "recalculation_in_this_process_s": prepared.seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    emit(measure(args.members, args.trials, args.timeout))


if __name__ == "__main__":
    main()
