"""Scores of bench/related_quality.py: same-story precision, hit@1, B-cubed, TF-IDF reference."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from statistics import mean
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

NEIGHBOURS = 10
QUERY_CHUNK = 100  # queries per sparse product: 100 x 30k dense scores is 24 MB


def ranking_scores(
    results: Mapping[str, Sequence[str]], story: Mapping[str, str]
) -> dict[str, float]:
    """Precision@10 as the field defines it, hit@1, returned per query, the empty share.

    Precision@10 is the query's same-story articles in its top 10, divided by 10 (a short list
    cannot score high); `precision_of_returned` divides by what was returned instead.
    """
    returned = same = hits = empty = 0
    for query, found in results.items():
        inside = [story.get(item) == story[query] for item in found[:NEIGHBOURS]]
        returned += len(inside)
        same += sum(inside)
        hits += bool(inside) and inside[0]
        empty += not inside
    queries = max(len(results), 1)
    return {
        "queries": len(results),
        "returned_per_query": returned / queries,
        "same_story_per_query": same / queries,
        "precision_at_10": same / (NEIGHBOURS * queries),
        "precision_of_returned": same / max(returned, 1),
        "hit_at_1": hits / queries,
        "empty_share": empty / queries,
    }


def bcubed(
    predicted: Mapping[str, str], label: Mapping[str, str], items: Iterable[str] | None = None
) -> dict[str, float]:
    """Item-level B-cubed of `predicted` clusters against `label`, averaged over `items`.

    Clusters are counted over every labelled article, so a wrong article merged into a story
    costs precision also when only some articles are averaged over.
    """
    pred_size = Counter(predicted[k] for k in label)
    label_size = Counter(label.values())
    both = Counter((predicted[k], label[k]) for k in label)
    chosen = list(label if items is None else items)
    overlap = [both[predicted[k], label[k]] for k in chosen]
    precision = mean(n / pred_size[predicted[k]] for n, k in zip(overlap, chosen, strict=True))
    recall = mean(n / label_size[label[k]] for n, k in zip(overlap, chosen, strict=True))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "articles": len(chosen)}


def cluster_counts(
    predicted: Mapping[str, str], label: Mapping[str, str], items: Iterable[str]
) -> dict[str, int]:
    """Predicted and labelled stories among `items`, and those with two or more of them."""
    chosen = list(items)
    pred = Counter(predicted[k] for k in chosen)
    true = Counter(label[k] for k in chosen)
    return {
        "predicted_stories": len(pred),
        "predicted_stories_2plus": sum(n >= 2 for n in pred.values()),
        "labelled_stories": len(true),
        "labelled_stories_2plus": sum(n >= 2 for n in true.values()),
    }


def tfidf_matrix(texts: Sequence[str]) -> Any:
    """L2-normalised TF-IDF rows: word 1-2-grams, sublinear tf, English stop words."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    return vectorizer.fit_transform(texts)


def tfidf_neighbours(
    matrix: Any, ts: NDArray[np.float64], queries: Sequence[int], window: float | None
) -> list[list[int]]:
    """Top-10 cosine neighbours (self excluded, score > 0) of each query row, by row index."""
    found: list[list[int]] = []
    for start in range(0, len(queries), QUERY_CHUNK):
        chunk = list(queries[start : start + QUERY_CHUNK])
        scores = np.asarray((matrix[chunk] @ matrix.T).toarray(), dtype=np.float64)
        found.extend(_top(row, q, ts, window) for row, q in zip(scores, chunk, strict=True))
    return found


def _top(
    scores: NDArray[np.float64], query: int, ts: NDArray[np.float64], window: float | None
) -> list[int]:
    """The best rows of one query's scores, within `window` seconds of it when given."""
    scores = scores.copy()
    scores[query] = -1.0
    if window is not None:
        scores[np.abs(ts - ts[query]) > window] = -1.0
    order = np.argsort(-scores, kind="stable")[:NEIGHBOURS]
    return [int(i) for i in order if scores[i] > 0]
