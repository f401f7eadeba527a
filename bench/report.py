"""A results document's key figures as a Markdown table: figure, value, target, pass/fail.

python -m bench.report                      # bench/results/latest.json
python -m bench.report bench/results/bench-20261126-080000.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import RESULTS


def rows(doc: dict) -> list[tuple[str, str, str, str]]:
    out = []
    for check in doc.get("targets_summary", {}).get("figures", []):
        out.append(
            (
                check["figure"],
                str(check["value"]),
                str(check["target"]),
                "pass" if check["meets_target"] else "FAIL",
            )
        )
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    doc = json.loads(path.read_text())
    print("| figure | value | target | result |")
    print("| --- | --- | --- | --- |")
    for figure, value, limit, verdict in rows(doc):
        print(f"| {figure} | {value} | {limit} | {verdict} |")
    run = doc.get("run", {})
    print(f"\nTotal {run.get('total_s')} s; parts: {run.get('part_seconds')}")


if __name__ == "__main__":
    main()
