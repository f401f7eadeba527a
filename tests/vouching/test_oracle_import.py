"""The real robots.net network of 2005, imported through the operator command, must come
out of the production pipeline with the levels the site itself computed."""

import csv
import io
import os
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from vouching.models import Member, TrustState
from vouching.trust import get_metric
from vouching.trust.advogato import accepted_by_flow
from vouching.trust.database import load_trust_graph

pytestmark = pytest.mark.django_db

LEVELS = {"Apprentice": 1, "Journeyer": 2, "Master": 3}
SEEDS = ["steve", "The Swirling Brain", "Rog-a-matic"]


@pytest.fixture
def robots_net():
    root = os.environ.get("PLEDGE_DATASETS")
    if not root:
        pytest.skip("PLEDGE_DATASETS is not set: the robots.net oracle test needs the datasets")
    folder = Path(root) / "robots-net-2005-oracle"
    out = io.StringIO()
    call_command(
        "import_vouches",
        str(folder / "certs.csv"),
        "--founders",
        *SEEDS,
        "--capacities",
        "800,200,50,12,4,2,1",
        stdout=out,
    )
    actual = {}
    for line in (folder / "actual.csv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, level = line.rsplit(",", 1)
            actual[name] = LEVELS[level]
    return out.getvalue(), actual


def exported_levels(settings, metric: str) -> dict[str, int]:
    # As an operator chooses a metric: every recalculation uses PLEDGE_TRUST_METRIC.
    settings.PLEDGE_TRUST_METRIC = metric
    call_command("recalculate_trust", stdout=io.StringIO())
    assert TrustState.load().metric == metric
    out = io.StringIO()
    call_command("export_trust", "-", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0].keys() == {"name", "level", "score", "standing"}
    return {row["name"]: int(row["level"]) for row in rows}


def test_import_summary(robots_net):
    summary, _actual = robots_net
    assert "Imported 3,338 vouches; 1,280 new placeholder members." in summary
    assert "0 self-vouches skipped, 0 repeated pairs skipped" in summary
    assert Member.objects.filter(is_placeholder=True).count() == 1280
    assert (
        list(Member.objects.founders().order_by("pk").values_list("imported_name", flat=True))
        == SEEDS
    )
    assert TrustState.load().capacities == [800, 200, 50, 12, 4, 2, 1]


@pytest.mark.parametrize("metric", ["advogato", "advogato-classic"])
def test_advogato_reproduces_robots_net(robots_net, metric, settings):
    _summary, actual = robots_net
    levels = exported_levels(settings, metric)
    assert len(levels) == 1280
    per_level = Counter(levels.values())
    assert sum(1 for lvl in levels.values() if lvl) == 611
    assert (per_level[1], per_level[2], per_level[3]) == (210, 289, 112)
    wrong = {n: (lvl, actual.get(n, 0)) for n, lvl in levels.items() if lvl != actual.get(n, 0)}
    assert wrong == {}, f"{1280 - len(wrong)} of 1280 agree"


def test_scipy_max_flow_accepts_the_published_counts(robots_net):
    """The fast path that large communities use: any correct maximum flow accepts exactly
    the published number of members per level; which ones, at the boundary, may differ."""
    _summary, actual = robots_net
    graph = load_trust_graph()
    for order in (False, True):
        accepted = {
            level: accepted_by_flow(graph.at_level(level), original_order=order)
            for level in (1, 2, 3)
        }
        assert [int(a.sum()) for a in accepted.values()] == [401, 401, 112]
    names = dict(Member.objects.values_list("pk", "imported_name"))
    level = dict.fromkeys(names.values(), 0)
    for lvl, mask in accepted.items():
        for member_id in graph.ids[mask].tolist():
            level[names[member_id]] = lvl
    for seed in SEEDS:
        level[seed] = 3
    agree = sum(level[n] == actual.get(n, 0) for n in level)
    assert agree >= 1270, f"{agree} of 1280 agree in discovery order"
    assert get_metric("advogato").name == "advogato"
