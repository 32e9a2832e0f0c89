"""Which pair scorer places stories best? Logistic regression (shipped) vs gradient boosting.

    .venv/bin/python -m bench.pair_scorers ../shared/data TRAIN_UCI_DUMP ECB_DUMP TEST_UCI_DUMP

Dumps as in bench/recluster_stories.py. Both scorers are fitted on the same training pairs
(bench/train_stories.py: the older UCI window and the odd ECB+ topics, one model per kind of
pair), their join threshold chosen on the training sets by the worker's online placement
(merges at the shipped threshold); the F1 printed is on the test sets (newest-30% UCI window,
even ECB+ topics). Offline: it says whether a richer scorer is worth shipping. `--numbers` adds
two title-number features; `--metric` the 512 products of the two unit vectors, which
`--metric-one` first turns into one learned similarity (a weight per dimension); `--no-boost`
fits the logistic model only.
"""

import argparse
import re
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from bench.train_stories import (
    ECB_WEIGHT,
    THRESHOLDS,
    _odd,
    candidate_lists,
    ecb_topic,
    fit,
    load_dump,
    neighbours,
    pair_rows,
    placement_f1,
    probabilities,
    rarity_table,
)
from services.related.evidence import KINDS, Rarity, load_model
from services.related.stories import StoryRules

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
Rows = tuple[list[dict[str, Any]], np.ndarray, np.ndarray, list[tuple[int, int]], list[int]]


def rows_of(path: Path, rarity: Rarity, keep: Any, numbers: bool, metric: bool = False) -> Rows:
    """A dump's documents, pair features, kinds, pairs and measured items."""
    docs = load_dump(path)
    x, _, kinds, pairs = pair_rows(docs, neighbours(docs), rarity)
    if numbers:
        x = np.hstack([x, number_features(docs, pairs)])
    if metric:
        x = np.hstack([x, product_features(docs, pairs)]).astype(np.float32)
    return docs, x, kinds, pairs, [k for k, d in enumerate(docs) if keep(d)]


def number_features(docs: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> np.ndarray:
    """Per pair: whether the titles share a number, and whether both give numbers, none shared."""
    found = [set(NUMBER.findall(str(d.get("title", "")))) for d in docs]
    rows = []
    for i, j in pairs:
        shared = bool(found[i] & found[j])
        rows.append([float(shared), float(bool(found[i]) and bool(found[j]) and not shared)])
    return np.array(rows).reshape(len(pairs), 2)


def product_features(docs: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> np.ndarray:
    """Per pair: the element-wise product of the two unit vectors (a learnable cosine)."""
    units = np.stack([d["unit"] for d in docs]).astype(np.float32)
    left = np.array([i for i, _ in pairs])
    right = np.array([j for _, j in pairs])
    # Scaled so a typical product is near 1, as the other features are.
    return np.asarray(units[left] * units[right] * np.float32(units.shape[1]))


def fit_metric(products: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One weight per vector dimension: a logistic regression over the products alone."""
    model = LogisticRegression(C=1.0, max_iter=3000)
    model.fit(products, y, sample_weight=w)
    return np.asarray(model.coef_[0], dtype=np.float32)


def collapse(data: Rows, metric: np.ndarray, base: int) -> Rows:
    """The same rows with the products replaced by their weighted sum."""
    docs, x, kinds, pairs, items = data
    learned = x[:, base:] @ metric
    return docs, np.hstack([x[:, :base], learned[:, None]]), kinds, pairs, items


def labels_of(data: Rows) -> np.ndarray:
    """Whether each pair of a set is one story."""
    docs, _, _, pairs, _ = data
    return np.array([docs[i]["label_story"] == docs[j]["label_story"] for i, j in pairs])


def fit_boosted(x: np.ndarray, y: np.ndarray, kinds: np.ndarray, w: np.ndarray) -> list[Any]:
    """One gradient-boosted classifier per kind of pair."""
    models = []
    for k in range(len(KINDS)):
        chosen = kinds == k
        model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=1)
        model.fit(x[chosen], y[chosen], sample_weight=w[chosen])
        models.append(model)
    return models


def boosted_p(models: list[Any], x: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """The boosted models' same-event probability of each pair."""
    p = np.zeros(len(x))
    for k, model in enumerate(models):
        chosen = kinds == k
        if chosen.any():
            p[chosen] = model.predict_proba(x[chosen])[:, 1]
    return p


def f1(data: Rows, p: np.ndarray, join: float, merge: float) -> float:
    """B-cubed F1 of the online placement with these probabilities."""
    docs, _, _, pairs, items = data
    return placement_f1(docs, candidate_lists(docs, pairs, p), StoryRules(join, merge), items)


def report(name: str, score: Any, train: list[Rows], test: list[Rows], merge: float) -> None:
    """Choose the join threshold on training, print test F1."""
    by_t = {t: float(np.mean([f1(d, score(d), t, max(t, merge)) for d in train]))
            for t in THRESHOLDS}  # fmt: skip
    best = max(by_t, key=lambda t: by_t[t])
    tests = " ".join(f"{f1(d, score(d), best, max(best, merge)):.3f}" for d in test)
    print(f"{name:9} join {best} (train mean {by_t[best]:.3f}); test UCI / ECB+ even {tests}")


def main() -> None:
    """Fit both scorers on the training pairs and compare them on the test sets."""
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("data", "train_uci", "ecb", "test_uci"):
        parser.add_argument(name, type=Path)
    parser.add_argument("--numbers", action="store_true", help="add the title-number features")
    parser.add_argument("--metric", action="store_true", help="add the vectors' products")
    parser.add_argument(
        "--metric-one", action="store_true", help="one learned metric, as one feature"
    )
    parser.add_argument("--no-boost", action="store_true", help="logistic only")
    args = parser.parse_args()
    if args.metric_one and not args.metric:
        parser.error("--metric-one needs --metric (the products it weighs)")
    table = rarity_table(args.data)
    rarity = Rarity(documents=table["documents"], frequency=table["frequency"])
    uci = rows_of(args.train_uci, rarity, lambda d: True, args.numbers, args.metric)
    ecb_odd = rows_of(args.ecb, rarity, _odd, args.numbers, args.metric)
    # The ECB+ dump is loaded and scored once: its odd topics train, its even ones test.
    even = [k for k, d in enumerate(ecb_odd[0]) if ecb_topic(d) is not None and not _odd(d)]
    ecb_even = (*ecb_odd[:4], even)
    test_uci = rows_of(args.test_uci, rarity, lambda d: True, args.numbers, args.metric)
    docs, xe, ke, pe, _ = ecb_odd
    odd = np.array([_odd(docs[i]) or _odd(docs[j]) for i, j in pe])
    x = np.vstack([uci[1], xe[odd]])
    y = np.concatenate([labels_of(uci), labels_of(ecb_odd)[odd]])
    kinds = np.concatenate([uci[2], ke[odd]])
    w = np.concatenate([np.ones(len(uci[1])), np.full(int(odd.sum()), ECB_WEIGHT)])
    merge = load_model().merge_probability
    if args.metric_one:
        # Stage one learns a weight per vector dimension; stage two sees their sum as one feature.
        base = x.shape[1] - uci[0][0]["unit"].shape[0]
        metric = fit_metric(x[:, base:], y, w)
        uci, ecb_odd, ecb_even, test_uci = (
            collapse(d, metric, base) for d in (uci, ecb_odd, ecb_even, test_uci)
        )
        x = np.vstack([uci[1], ecb_odd[1][odd]])
    logistic = fit(x, y, kinds, w)
    report("logistic", lambda d: probabilities(logistic, d[1], d[2]), [uci, ecb_odd],
           [test_uci, ecb_even], merge)  # fmt: skip
    if args.no_boost:
        return
    boosted = fit_boosted(x, y, kinds, w)
    report("boosted", lambda d: boosted_p(boosted, d[1], d[2]), [uci, ecb_odd],
           [test_uci, ecb_even], merge)  # fmt: skip


if __name__ == "__main__":
    main()
