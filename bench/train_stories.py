"""Learn the same-event model (services/related/evidence.py) from labelled dev pairs.

    .venv/bin/python -m bench.train_stories ../shared/data UCI_DUMP ECB_DUMP

The dumps are `bench.related_quality --dump` output (indexed documents with their vectors and
labels): UCI_DUMP of an older UCI window (`uci-window --offset 120000`), ECB_DUMP of the `ecb`
mode. `make train-stories DATA=...` makes both and runs this. Pairs are what the worker scores:
each article against its 30 nearest earlier articles within four days. Trained on the UCI
window and the odd ECB+ topics; the join threshold is the one that maximises the mean B-cubed
F1 of the two when the worker's own online placement runs over them, and the merge threshold
then the one (or none) that improves it most. The newest 30% of UCI and
the even ECB+ topics are left for testing (bench/related_quality.py).
"""

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.quality_data import TEST_SHARE, UCI_FILE, read_lines
from services.related.evidence import FEATURES, KINDS, Rarity, kind_of, pair_features
from services.related.scoring import Profile
from services.related.stories import Arrival, StoryRules, plan_stories
from services.related.words import content_words
from shared.stories.records import resolve

MODELS = Path(__file__).resolve().parents[1] / "services" / "related" / "models"
NEIGHBOURS, WINDOW_S, MIN_DF, LONG_ENTITIES, ECB_WEIGHT = 30, 4 * 86_400, 3, 8, 20.0
THRESHOLDS = [round(0.5 + 0.05 * k, 2) for k in range(10)]
MERGE_THRESHOLDS = [0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0]  # 1.0: never merge


def rarity_table(data: Path) -> dict[str, Any]:
    """Title-word document frequencies over the UCI file's older 70% (never its test part)."""
    lines = list(read_lines(data / UCI_FILE))
    older = lines[: int(len(lines) * (1 - TEST_SHARE))]
    counts: Counter[str] = Counter()
    for line in older:
        counts.update(content_words(json.loads(line)["title"]))
    kept = {w: n for w, n in sorted(counts.items()) if n >= MIN_DF}
    return {"documents": len(older), "min_df": MIN_DF, "frequency": kept}


def load_dump(path: Path) -> list[dict[str, Any]]:
    """The labelled documents of a dump with their unit vectors, oldest first."""
    docs = []
    for line in read_lines(path):
        doc = json.loads(line)
        vector = (doc.get("_vectors") or {}).get("article")
        vector = vector.get("embeddings", [None])[0] if isinstance(vector, dict) else vector
        if "label_story" in doc and vector:
            unit = np.asarray(vector, dtype=np.float32)
            docs.append({**doc, "unit": unit / np.linalg.norm(unit), "profile": profile(doc)})
    return sorted(docs, key=lambda d: (d["published_ts"], d["id"]))


def profile(doc: dict[str, Any]) -> Profile:
    """The scoring profile of a dumped document, as the worker builds it from a hit."""
    names = [str(e["name"]) for e in doc.get("entities") or []]
    return Profile(
        id=doc["id"],
        title=doc["title"],
        published_ts=int(doc["published_ts"]),
        entities={n.casefold(): n for n in names},
        keywords=frozenset(k.casefold() for k in doc.get("keywords") or []),
        source=doc.get("source"),
    )


def neighbours(docs: list[dict[str, Any]]) -> list[list[tuple[int, float]]]:
    """Each document's nearest earlier documents within the window, with their cosines."""
    units = np.stack([d["unit"] for d in docs])
    ts = np.array([d["published_ts"] for d in docs])
    found: list[list[tuple[int, float]]] = []
    for i in range(len(docs)):
        first = int(np.searchsorted(ts, ts[i] - WINDOW_S))
        if first >= i:
            found.append([])
            continue
        cosines = units[first:i] @ units[i]
        best = np.argsort(-cosines)[:NEIGHBOURS]
        found.append([(first + int(k), float(cosines[k])) for k in best])
    return found


def pair_rows(
    docs: list[dict[str, Any]], near: list[list[tuple[int, float]]], rarity: Rarity
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Features, labels, kinds and (i, j) of every scored pair."""
    rows, labels, kinds, pairs = [], [], [], []
    for i, found in enumerate(near):
        a = docs[i]["profile"]
        for j, cosine in found:
            b = docs[j]["profile"]
            rows.append(pair_features(a, b, cosine, rarity))
            labels.append(docs[i]["label_story"] == docs[j]["label_story"])
            kinds.append(kind_of(a, b, LONG_ENTITIES))
            pairs.append((i, j))
    return np.array(rows), np.array(labels), np.array(kinds), pairs


def ecb_topic(doc: dict[str, Any]) -> int | None:
    """The ECB+ topic number of a document, None for a UCI distractor."""
    key = str(doc.get("dataset_id", ""))
    return int(key.split("-")[1].split("_", maxsplit=1)[0]) if key.startswith("ecbplus") else None


def bcubed_f1(placed: list[str], labels: list[str], items: list[int]) -> float:
    """B-cubed F1 over `items`, clusters counted over everything."""
    size, true, both = Counter(placed), Counter(labels), Counter(zip(placed, labels, strict=True))
    precision = np.mean([both[placed[k], labels[k]] / size[placed[k]] for k in items])
    recall = np.mean([both[placed[k], labels[k]] / true[labels[k]] for k in items])
    return float(2 * precision * recall / (precision + recall))


def fit(
    features: np.ndarray, labels: np.ndarray, kinds: np.ndarray, weights: np.ndarray
) -> dict[str, Any]:
    """One logistic regression per kind of pair; small kinds are class-balanced."""
    models = {}
    for k, name in enumerate(KINDS):
        chosen = kinds == k
        balance = None if name == "headlines" else "balanced"
        model = LogisticRegression(C=1.0, max_iter=3000, class_weight=balance)
        model.fit(features[chosen], labels[chosen], sample_weight=weights[chosen])
        models[name] = {
            "coef": [round(float(c), 6) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "pairs": int(chosen.sum()),
            "positive_share": round(float(labels[chosen].mean()), 4),
        }
    return models


def probabilities(models: dict[str, Any], features: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """The modelled same-event probability of each pair."""
    coef = np.array([models[name]["coef"] for name in KINDS])[kinds]
    intercept = np.array([models[name]["intercept"] for name in KINDS])[kinds]
    return np.asarray(1.0 / (1.0 + np.exp(-(np.sum(coef * features, axis=1) + intercept))))


def placement_f1(docs: list[dict[str, Any]], scored: list[list[tuple[str, float]]],
                 rules: StoryRules, items: list[int]) -> float:  # fmt: skip
    """B-cubed F1 over `items` of the worker's online placement (joins and merges)."""
    arrivals = [
        Arrival(d["id"], int(d["published_ts"]), c) for d, c in zip(docs, scored, strict=True)
    ]
    story_of: dict[str, str] = {}
    aliases: dict[str, str] = {}
    plan_stories(arrivals, story_of, rules, aliases)
    placed = [resolve(story_of[d["id"]], aliases) for d in docs]
    return bcubed_f1(placed, [d["label_story"] for d in docs], items)


def candidate_lists(
    docs: list[dict[str, Any]], pairs: list[tuple[int, int]], p: np.ndarray
) -> list[list[tuple[str, float]]]:
    """Each document's scored earlier candidates, as the worker hands them to plan_stories."""
    lists: list[list[tuple[str, float]]] = [[] for _ in docs]
    for (i, j), probability in zip(pairs, p, strict=True):
        lists[i].append((docs[j]["id"], float(probability)))
    return lists


Sets = list[tuple[list[dict[str, Any]], list[list[tuple[str, float]]], list[int]]]


def choose_threshold(sets: Sets) -> tuple[float, dict[float, float]]:
    """The join threshold with the best mean training F1 (no merges), and each one's F1."""
    mean_f1 = {
        t: float(np.mean([placement_f1(d, c, StoryRules(t), i) for d, c, i in sets]))
        for t in THRESHOLDS
    }
    best = max(mean_f1, key=lambda t: (mean_f1[t], t))
    return best, mean_f1


def choose_merge(sets: Sets, join: float) -> tuple[float, dict[float, float]]:
    """The merge threshold (1.0: never) with the best mean training F1 at the join threshold."""
    mean_f1 = {
        t: float(np.mean([placement_f1(d, c, StoryRules(join, t), i) for d, c, i in sets]))
        for t in MERGE_THRESHOLDS
        if t >= join
    }
    best = max(mean_f1, key=lambda t: (mean_f1[t], t))  # ties: merge less
    return best, mean_f1


def main() -> None:
    """Build the rarity table, fit the model, choose the threshold, write both."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("uci_dump", type=Path)
    parser.add_argument("ecb_dump", type=Path)
    parser.add_argument("--out", type=Path, default=MODELS)
    args = parser.parse_args()
    table = rarity_table(args.data)
    rarity = Rarity(documents=table["documents"], frequency=table["frequency"])
    uci, ecb = load_dump(args.uci_dump), load_dump(args.ecb_dump)
    xu, yu, ku, pu = pair_rows(uci, neighbours(uci), rarity)
    xe, ye, ke, pe = pair_rows(ecb, neighbours(ecb), rarity)
    odd = np.array([_odd(ecb[i]) or _odd(ecb[j]) for i, j in pe])
    weights = np.concatenate([np.ones(len(yu)), np.full(int(odd.sum()), ECB_WEIGHT)])
    models = fit(np.vstack([xu, xe[odd]]), np.concatenate([yu, ye[odd]]),
                 np.concatenate([ku, ke[odd]]), weights)  # fmt: skip
    odd_items = [k for k, d in enumerate(ecb) if _odd(d)]
    sets = [
        (uci, candidate_lists(uci, pu, probabilities(models, xu, ku)), list(range(len(uci)))),
        (ecb, candidate_lists(ecb, pe, probabilities(models, xe, ke)), odd_items),
    ]
    threshold, by_threshold = choose_threshold(sets)
    merge, by_merge = choose_merge(sets, threshold)
    spec = {
        "features": list(FEATURES),
        "long_entities": LONG_ENTITIES,
        "join_probability": threshold,
        "merge_probability": merge,
        "kinds": models,
        "training": {
            "uci_dump_articles": len(uci),
            "ecb_dump_articles": len(ecb),
            "mean_training_f1_by_threshold": {str(t): round(f, 4) for t, f in by_threshold.items()},
            "mean_training_f1_by_merge_threshold": {
                str(t): round(f, 4) for t, f in by_merge.items()
            },
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "same-event.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    packed = json.dumps(table, separators=(",", ":"), sort_keys=True).encode()
    (args.out / "title-df.json.gz").write_bytes(gzip.compress(packed, mtime=0))
    print(json.dumps({k: v for k, v in spec.items() if k != "features"}, indent=1))


def _odd(doc: dict[str, Any]) -> bool:
    topic = ecb_topic(doc)
    return topic is not None and topic % 2 == 1


if __name__ == "__main__":
    main()
