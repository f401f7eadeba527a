from django.core.management.base import BaseCommand, CommandError

from vouching import services
from vouching.trust import METRICS


class Command(BaseCommand):
    help = (
        "Recalculate every member's trust and standing now, in this process, with the "
        "configured metric (PLEDGE_TRUST_METRIC). With --metric, compare another metric "
        "on today's graph without storing anything."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--metric",
            choices=sorted(METRICS),
            help="Compare this metric with the configured one; nothing is stored.",
        )

    def handle(self, *args, metric=None, **options):
        configured = services.configured_metric_name()
        if metric and metric != configured:
            self.compare(metric)
            return
        try:
            run = services.trust_recalculate(force=True)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if run is None:
            self.stdout.write("A newer result was stored meanwhile; nothing written.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Generation {run.generation} with {run.metric}: {run.members:,} members, "
                f"{run.vouches:,} vouches; {run.changed:,} changed, "
                f"{len(run.standing_changed):,} changed standing."
            )
        )
        timings = ", ".join(f"{part} {seconds:.2f} s" for part, seconds in run.seconds.items())
        self.stdout.write(f"Time: {timings}.")

    def compare(self, metric: str) -> None:
        result = services.trust_compare(metric_name=metric)
        self.stdout.write(
            f"{result.other} would vouch {result.vouched_other:,} of {result.members:,} "
            f"members; {result.configured} (configured) vouches {result.vouched_configured:,}. "
            f"{result.would_gain:,} would become vouched, {result.would_lose:,} would become "
            "pending."
        )
        self.stdout.write(
            f"Nothing was stored. To use {result.other} for every recalculation, set "
            f"PLEDGE_TRUST_METRIC={result.other} and restart the workers."
        )
