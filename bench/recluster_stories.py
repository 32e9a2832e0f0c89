"""Would re-clustering the recent window beat the worker's online story placement? Offline.

    .venv/bin/python -m bench.recluster_stories TRAIN_UCI_DUMP ECB_DUMP TEST_UCI_DUMP

Dumps are `bench.related_quality --dump` output (TRAIN_UCI_DUMP: `uci-window --offset 120000`,
what `make train-stories` trains on; TEST_UCI_DUMP: `uci-window`, the newest 30%; ECB_DUMP:
`ecb`, whose odd topics are training data and even ones test data). Pairs are scored as in
bench/train_stories.py (each article against its 30 nearest earlier ones within four days) by
the shipped same-event model. Compared, by B-cubed F1:
- `online`: the worker's placement (stories.plan_stories, the shipped join/merge thresholds);
- `average`: average-link agglomeration over the scored pairs (a missing pair counts as 0),
  merging while the best average reaches a threshold;
- `observed`: the same, averaging over the scored pairs only;
- `single`: connected components of the pairs at or above a threshold (single link);
- `ceiling`: the components of the scored pairs that are truly one story: a perfect scorer.
The threshold of each offline method is chosen on the training sets (mean F1) and then applied
to the test sets: no figure is tuned on what it reports.
"""

import argparse
import heapq
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.train_stories import (
    bcubed_f1,
    candidate_lists,
    ecb_topic,
    load_dump,
    neighbours,
    placement_f1,
)
from services.related.evidence import load_model
from services.related.stories import StoryRules

THRESHOLDS = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
Pairs = list[tuple[int, int, float]]
Set = tuple[str, list[dict[str, Any]], Pairs, list[int]]


def scored_pairs(docs: list[dict[str, Any]]) -> Pairs:
    """Every scored pair (i, j, probability) of the shipped model."""
    model = load_model()
    return [
        (i, j, model.probability(docs[i]["profile"], docs[j]["profile"], cosine))
        for i, found in enumerate(neighbours(docs))
        for j, cosine in found
    ]


Links = dict[int, dict[int, tuple[float, int]]]  # cluster -> cluster -> (sum, pairs scored)


def average_link(n: int, pairs: Pairs, threshold: float, observed: bool = False) -> list[int]:
    """Cluster ids by average link down to `threshold` (`observed`: over scored pairs only)."""
    members: dict[int, int] = dict.fromkeys(range(n), 1)
    links: Links = defaultdict(dict)
    for i, j, p in pairs:
        best = max(links[i].get(j, (0.0, 1))[0], p)
        links[i][j] = links[j][i] = (best, 1)

    def average(a: int, b: int) -> float:
        total, scored = links[a][b]
        return total / (scored if observed else members[a] * members[b])

    heap = [(-average(i, j), i, j) for i, row in links.items() for j in row if i < j]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members or b not in links[a]:
            continue
        if abs(average(a, b) + negative) > 1e-12:
            continue  # stale entry: the pair's average changed since it was pushed
        if -negative < threshold:
            break
        _merge(a, b, members, links)
        parent[b] = a
        for other in links[a]:
            heapq.heappush(heap, (-average(a, other), a, other))
    return [_root(parent, k) for k in range(n)]


def _merge(a: int, b: int, members: dict[int, int], links: Links) -> None:
    for other, (total, scored) in links.pop(b).items():
        links[other].pop(b, None)
        if other != a:
            was_total, was_scored = links[a].get(other, (0.0, 0))
            links[a][other] = links[other][a] = (was_total + total, was_scored + scored)
    links[a].pop(b, None)
    members[a] += members.pop(b)


def _root(parent: list[int], k: int) -> int:
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


def single_link(n: int, pairs: Pairs, threshold: float) -> list[int]:
    """Connected components of the pairs at or above `threshold`."""
    parent = list(range(n))
    for i, j, p in pairs:
        if p >= threshold:
            parent[_root(parent, i)] = _root(parent, j)
    return [_root(parent, k) for k in range(n)]


def f1_of(method: str, data: Set, threshold: float) -> float:
    """B-cubed F1 of a method over a set's scored items."""
    _, docs, pairs, items = data
    if method == "single":
        clusters = single_link(len(docs), pairs, threshold)
    else:
        clusters = average_link(len(docs), pairs, threshold, observed=method == "observed")
    return bcubed_f1([str(c) for c in clusters], [d["label_story"] for d in docs], items)


def ceiling_f1(data: Set) -> float:
    """B-cubed F1 of joining exactly the scored pairs of one story: a perfect scorer's."""
    _, docs, pairs, items = data
    labels = [d["label_story"] for d in docs]
    true = [(i, j, 1.0) for i, j, _ in pairs if labels[i] == labels[j]]
    return bcubed_f1([str(c) for c in single_link(len(docs), true, 0.5)], labels, items)


def online_f1(data: Set) -> float:
    """B-cubed F1 of the worker's own placement with the shipped thresholds."""
    _, docs, pairs, items = data
    model = load_model()
    rules = StoryRules(model.join_probability, model.merge_probability)
    p = np.array([q for _, _, q in pairs])
    scored = candidate_lists(docs, [(i, j) for i, j, _ in pairs], p)
    return placement_f1(docs, scored, rules, items)


def load_set(name: str, path: Path, keep: Any) -> Set:
    """A dump, scored, with the items it is measured over."""
    docs = load_dump(path)
    return name, docs, scored_pairs(docs), [k for k, d in enumerate(docs) if keep(d)]


def main() -> None:
    """Choose each method's threshold on training data, then report every set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("train_uci", type=Path)
    parser.add_argument("ecb", type=Path)
    parser.add_argument("test_uci", type=Path)
    parser.add_argument("--methods", default="single,average,observed")
    args = parser.parse_args()
    # The ECB+ dump is loaded and scored once: its odd topics train, its even ones test.
    _, docs, pairs, _ = ecb = load_set("ecb odd", args.ecb, lambda d: _topic_parity(d) == 1)
    even = [k for k, d in enumerate(docs) if _topic_parity(d) == 0]
    train = [load_set("uci train", args.train_uci, lambda d: True), ecb]
    test = [load_set("uci test", args.test_uci, lambda d: True), ("ecb even", docs, pairs, even)]
    for data in train + test:
        print(
            f"{data[0]:10} online {online_f1(data):.3f} ceiling {ceiling_f1(data):.3f}", flush=True
        )
    for method in [m for m in args.methods.split(",") if m]:
        by_t = {t: float(np.mean([f1_of(method, d, t) for d in train])) for t in THRESHOLDS}
        best = max(by_t, key=lambda t: by_t[t])
        grid = " ".join(f"{t}:{f:.3f}" for t, f in by_t.items())
        print(f"{method}: training mean F1 by threshold {grid}; chosen {best}", flush=True)
        for data in test:
            print(f"{data[0]:10} {method} {f1_of(method, data, best):.3f}", flush=True)


def _topic_parity(doc: dict[str, Any]) -> int | None:
    topic = ecb_topic(doc)
    return None if topic is None else topic % 2


if __name__ == "__main__":
    main()
