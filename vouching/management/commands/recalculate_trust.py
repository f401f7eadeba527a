from django.core.management.base import BaseCommand, CommandError

from vouching import services
from vouching.trust import METRICS


class Command(BaseCommand):
    help = "Recalculate every member's trust and standing now, in this process."

    def add_arguments(self, parser):
        parser.add_argument("--metric", choices=sorted(METRICS), help="Trust metric to use.")

    def handle(self, *args, metric=None, **options):
        try:
            run = services.trust_recalculate(force=True, metric_name=metric)
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
