"""Real vouch networks for the trust metrics' evaluation, read from ``$PLEDGE_DATASETS``.

Each network is turned into vouches over members numbered ``0..n-1``:

- ``advogato-2005`` and ``robots-net-2005``: the certificates advogato.org and robots.net
  published on 2005-12-19, with their levels as strengths (Apprentice 1, Journeyer 2,
  Master 3) and the seeds the sites used; their own reciprocity (36% and 19%).
- ``advogato-konect``: KONECT's later Advogato crawl (6,541 users), same seeds.
- ``squeak-2007``: squeakfoundation.org's mod_virgule network and its seeds.
- ``bitcoin-otc`` and ``bitcoin-alpha``: positive ratings as vouches (1 → strength 1,
  2–4 → 2, 5–10 → 3); a marketplace, so most ratings are returned.
- ``facebook-rNN``: SNAP's ego-Facebook friendships, each vouched one way, and both ways
  for enough of them that NN% of vouches are returned (0, 33 or 67).
- ``email-eu``: SNAP's email-Eu-core, a real directed graph (who wrote to whom).
- ``generated-N-rNN``: ``bench.graphs.fast_social_vouch_graph`` with that reciprocity.

Self-vouches and repeated pairs are dropped; the strongest of repeated pairs is kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

LEVELS = {"Apprentice": 1, "Journeyer": 2, "Master": 3}
STRENGTH_WEIGHTS = (3, 5, 2)  # social graphs: mostly middling strengths, as in graphs.py


@dataclass(frozen=True, eq=False)
class Network:
    name: str
    n: int
    edges: np.ndarray  # (m, 3) int64: voucher, vouchee, strength over members 0..n-1
    seeds: tuple[int, ...] = ()  # the founders the real site used, where known
    names: tuple[str, ...] = ()

    @property
    def reciprocity(self) -> float:
        """Share of vouches whose vouchee vouches back."""
        pairs = set(zip(self.edges[:, 0].tolist(), self.edges[:, 1].tolist(), strict=True))
        returned = sum((b, a) in pairs for a, b in pairs)
        return returned / max(len(pairs), 1)


class DatasetsMissing(LookupError):
    pass


def datasets_root() -> Path:
    root = os.environ.get("PLEDGE_DATASETS")
    if not root or not Path(root).is_dir():
        raise DatasetsMissing("PLEDGE_DATASETS is not set to the shared datasets directory")
    return Path(root)


def _dataset(*parts: str) -> Path:
    path = datasets_root().joinpath(*parts)
    if not path.exists():
        raise DatasetsMissing(f"{'/'.join(parts)} is not under PLEDGE_DATASETS")
    return path


def _from_named(name: str, rows, seeds) -> Network:
    """A network from (voucher name, vouchee name, strength) rows."""
    index: dict[str, int] = {}
    best: dict[tuple[int, int], int] = {}
    for voucher, vouchee, strength in rows:
        a = index.setdefault(voucher, len(index))
        b = index.setdefault(vouchee, len(index))
        if a != b:
            best[(a, b)] = max(best.get((a, b), 0), strength)
    edges = np.array([(a, b, s) for (a, b), s in best.items()], dtype=np.int64).reshape(-1, 3)
    names = tuple(index)
    return Network(
        name=name,
        n=len(names),
        edges=edges,
        seeds=tuple(index[s] for s in seeds if s in index),
        names=names,
    )


def _mod_virgule(name: str, folder: str, seeds) -> Network:
    rows = []
    for line in _dataset(folder, "certs.csv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        voucher, vouchee, level = line.split(",")
        if level in LEVELS:  # an "Observer" certificate vouches for nothing
            rows.append((voucher, vouchee, LEVELS[level]))
    return _from_named(name, rows, seeds)


ADVOGATO_SEEDS = ("raph", "miguel", "federico", "alan")


def _konect_advogato() -> Network:
    users = {}
    for line in _dataset("advogato", "users.tsv").read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            number, username = line.split("\t", 1)
            users[number] = username
    weights = {".6": 1, "0.6": 1, ".8": 2, "0.8": 2, "1": 3, "1.0": 3}
    rows = []
    for line in _dataset("advogato", "edges.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and not line.startswith("%"):
            rows.append(
                (users.get(parts[0], parts[0]), users.get(parts[1], parts[1]), weights[parts[2]])
            )
    return _from_named("advogato-konect", rows, ADVOGATO_SEEDS)


def _bitcoin(name: str, folder: str, filename: str) -> Network:
    rows = []
    for line in _dataset(folder, filename).read_text().splitlines():
        source, target, rating, _time = line.split(",")
        rating = int(rating)
        if rating > 0:
            strength = 1 if rating == 1 else 2 if rating <= 4 else 3
            rows.append((source, target, strength))
    return _from_named(name, rows, ())


def orient(pairs: np.ndarray, n: int, *, returned: float, seed: int) -> np.ndarray:
    """Friendships as vouches: each one way, and both ways for enough of them that a
    ``returned`` share of all vouches is returned; strengths drawn 30/50/20%."""
    rng = np.random.default_rng(seed)
    pairs = np.asarray(pairs, dtype=np.int64)
    flip = rng.random(len(pairs)) < 0.5
    a = np.where(flip, pairs[:, 1], pairs[:, 0])
    b = np.where(flip, pairs[:, 0], pairs[:, 1])
    # Both ways for a share p of friendships gives 2p / (1 + p) of vouches returned.
    both = rng.random(len(pairs)) < returned / (2 - returned)
    src = np.concatenate([a, b[both]])
    dst = np.concatenate([b, a[both]])
    strength = rng.choice([1, 2, 3], len(src), p=np.array(STRENGTH_WEIGHTS) / 10)
    return np.stack([src, dst, strength], axis=1)


def _friendships(name: str) -> tuple[int, np.ndarray]:
    if name == "facebook":
        text = _dataset("ego-facebook", "facebook_combined.txt").read_text()
        pairs = np.array(
            [line.split() for line in text.splitlines() if line.strip()], dtype=np.int64
        )
        return int(pairs.max()) + 1, pairs
    from .graphs import fast_social_vouch_graph

    members = int(name.removeprefix("generated-"))
    graph = fast_social_vouch_graph(members, seed=7)
    edges = graph.edges
    low = np.minimum(edges[:, 0], edges[:, 1])
    high = np.maximum(edges[:, 0], edges[:, 1])
    pairs = np.unique(np.stack([low, high], axis=1), axis=0)
    return members, pairs


def _email_eu() -> Network:
    text = _dataset("email-eu-core", "email-Eu-core.txt").read_text()
    rng = np.random.default_rng(3)
    rows = [tuple(line.split()) for line in text.splitlines() if line.strip()]
    strengths = rng.choice([1, 2, 3], len(rows), p=np.array(STRENGTH_WEIGHTS) / 10)
    return _from_named(
        "email-eu", [(a, b, int(s)) for (a, b), s in zip(rows, strengths, strict=True)], ()
    )


@cache
def load(name: str) -> Network:
    """The network called ``name`` (see the module's docstring); DatasetsMissing if its
    files are not available."""
    if name == "advogato-2005":
        return _mod_virgule(name, "advogato-2005-oracle", ADVOGATO_SEEDS)
    if name == "robots-net-2005":
        return _mod_virgule(
            name, "robots-net-2005-oracle", ("steve", "The Swirling Brain", "Rog-a-matic")
        )
    if name == "squeak-2007":
        return _mod_virgule(name, "squeakfoundation-2007", ("Yoda", "luciano"))
    if name == "advogato-konect":
        return _konect_advogato()
    if name == "bitcoin-otc":
        return _bitcoin(name, "bitcoin-otc", "soc-sign-bitcoinotc.csv")
    if name == "bitcoin-alpha":
        return _bitcoin(name, "bitcoin-alpha", "soc-sign-bitcoinalpha.csv")
    if name == "email-eu":
        return _email_eu()
    base, _, returned = name.rpartition("-r")
    if base in ("facebook",) or base.startswith("generated-"):
        n, pairs = _friendships(base)
        return Network(
            name=name, n=n, edges=orient(pairs, n, returned=int(returned) / 100, seed=11)
        )
    raise KeyError(f"unknown network {name!r}")
