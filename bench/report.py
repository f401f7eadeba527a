"""A results document's key figures as Markdown tables.

python -m bench.report                      # bench/results/latest.json
python -m bench.report bench/results/bench-20261126-080000.json
python -m bench.report --sybil [results.json]   # the sybil tables only

The document may be ``make bench``'s (the sybil part under "sybil") or the one line
``python -m bench.sybil`` prints.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from .common import RESULTS

LISTED = "listed attacks"


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


def worst(cases: list[dict]) -> str:
    return (
        f"{min(c['auc_worst'] for c in cases):.3f} / "
        f"{max(c['fakes_per_attack_vouch_worst'] for c in cases):.2f} / "
        f"{min(c['honest_vouched_worst'] for c in cases):.3f}"
    )


def sybil_tables(sybil: dict) -> list[str]:
    """Per metric, the worst case (AUC / fakes per attack vouch / honest vouched) on the
    held-out and the tuning networks, for the listed attacks and for personas; then the
    default metric per network and founder choice."""
    table = sybil["table"]
    shares = sorted({r["share"] for r in table})
    out = [
        "| metric | networks | attacks | " + " | ".join(f"{s:.2%} of honest" for s in shares) + " |"
    ]
    out.append("| --- | --- | --- |" + " --- |" * len(shares))
    groups: dict = defaultdict(list)
    for r in table:
        attacks = r["attack"] if r["attack"] in ("persona", "cascade") else LISTED
        groups[(r["metric"], r["set"], attacks, r["share"])].append(r)
    for metric in sorted(
        {r["metric"] for r in table}, key=lambda m: (m != sybil.get("default_metric"), m)
    ):
        for subset in ("held-out", "tuning"):
            for attacks in (LISTED, "persona", "cascade"):
                cells = [groups.get((metric, subset, attacks, share)) for share in shares]
                if any(cells):
                    out.append(
                        f"| {metric} | {subset} | {attacks} | "
                        + " | ".join(worst(c) if c else "" for c in cells)
                        + " |"
                    )
    default = sybil.get("default_metric")
    out += ["", f"`{default}` per network and founders, worst over the listed attacks:", ""]
    out.append("| network | founders | " + " | ".join(f"{s:.2%}" for s in shares) + " |")
    out.append("| --- | --- |" + " --- |" * len(shares))
    per: dict = defaultdict(list)
    for r in table:
        if r["metric"] == default and r["attack"] not in ("persona", "cascade"):
            per[(r["network"], r["founders"], r["share"])].append(r)
    for network, founders in sorted({(n, f) for n, f, _s in per}):
        cells = [per.get((network, founders, share)) for share in shares]
        out.append(
            f"| {network} | {founders} | " + " | ".join(worst(c) if c else "" for c in cells) + " |"
        )
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--sybil"]
    path = Path(args[0]) if args else RESULTS / "latest.json"
    text = path.read_text()
    doc = json.loads(text.strip().splitlines()[-1]) if path.suffix != ".json" else json.loads(text)
    sybil = doc.get("sybil", doc) if "table" in doc.get("sybil", doc) else None
    if "--sybil" not in sys.argv:
        print("| figure | value | target | result |")
        print("| --- | --- | --- | --- |")
        for figure, value, limit, verdict in rows(doc):
            print(f"| {figure} | {value} | {limit} | {verdict} |")
        run = doc.get("run", {})
        print(f"\nTotal {run.get('total_s')} s; parts: {run.get('part_seconds')}\n")
    if sybil:
        print("Sybil simulation (worst AUC / fakes per attack vouch / honest vouched):\n")
        print("\n".join(sybil_tables(sybil)))


if __name__ == "__main__":
    main()
