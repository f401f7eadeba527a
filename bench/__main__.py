"""Run the benchmarks and print one JSON document.

    make bench                                   # SQLite in var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pledge_bench make bench
    .venv/bin/python -m bench --members 10000 100000

The benchmark database is separate from the site's: its community is replaced each run.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, nargs="+", default=[10_000])
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    os.environ.setdefault("PLEDGE_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from . import recalculation

    results = [recalculation.run(n) for n in args.members]
    json.dump({"results": results}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
