"""Zero-shot themes: articles against IPTC Media Topics names and definitions, by embedding.

Each topic of levels 1 to 3 is embedded once, as "name (top-level name): definition". An
article's score for a top-level topic is the mean of its three best cosines with topics under
it (one stray match counts less than three agreeing ones); the best top-level topics above a
floor are kept, each with its most specific best-matching topic below it. Both choices were
picked on HuffPost dev (`python -m bench.enrichment_quality`): top-1 0.448 -> 0.481 (USE).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from shared.themes import Taxonomy, ThemeScore, Topic

Vectors = npt.NDArray[np.float32]
AGREEING = 3  # a top-level score is the mean of this many best matches under it


class TextEmbedder(Protocol):
    """What the classifier needs of an embedder."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return one L2-normalised row per text."""
        ...


@dataclass(frozen=True)
class ThemeRules:
    """When a theme is assigned."""

    # Below this nothing matches well enough: no theme. With USE on HuffPost dev, 0.20 keeps 73%
    # of articles (top-1 0.58 among them) and none of ten junk texts; 0.18 keeps 83% (0.54).
    min_score: float = 0.20
    margin: float = 0.03  # a second top-level theme only if this close to the best
    max_top: int = 2


class ThemeClassifier:
    """Assigns themes to article vectors; topic vectors are computed once, at start-up."""

    def __init__(self, embedder: TextEmbedder, taxonomy: Taxonomy, rules: ThemeRules) -> None:
        self.rules = rules
        self.topics = taxonomy.topics
        self.tops = taxonomy.top_level()
        names = {t.id: t.name for t in self.tops}
        self.matrix = embedder.embed(
            [f"{t.name} ({names[t.top]}): {t.definition}" for t in self.topics]
        )
        top_ids = [t.id for t in self.tops]
        self._top_of = np.array([top_ids.index(t.top) for t in self.topics])
        self._members = [np.flatnonzero(self._top_of == k) for k in range(len(self.tops))]
        self._deep = np.array([t.level > 1 for t in self.topics])
        self._slug_of_top = {t.id: t.slug for t in self.tops}

    def classify(self, vectors: Vectors) -> list[list[ThemeScore]]:
        """Return, per article vector, its themes: top-level ones first, then specific ones."""
        scores = vectors @ self.matrix.T
        return [self._themes(row) for row in scores]

    def _themes(self, row: npt.NDArray[np.float32]) -> list[ThemeScore]:
        per_top = np.array([np.sort(row[members])[-AGREEING:].mean() for members in self._members])
        order = np.argsort(-per_top)[: self.rules.max_top]
        best = per_top[order[0]]
        kept = [
            i
            for i in order
            if per_top[i] >= self.rules.min_score and per_top[i] >= best - self.rules.margin
        ]
        tops = [self._score(self.tops[i], float(per_top[i])) for i in kept]
        specific = [s for i in kept if (s := self._most_specific(row, i)) is not None]
        return tops + specific

    def _most_specific(self, row: npt.NDArray[np.float32], top_index: int) -> ThemeScore | None:
        below = np.flatnonzero((self._top_of == top_index) & self._deep)
        if below.size == 0:
            return None
        best = below[np.argmax(row[below])]
        if row[best] < self.rules.min_score:
            return None
        return self._score(self.topics[best], float(row[best]))

    def _score(self, topic: Topic, score: float) -> ThemeScore:
        return ThemeScore(
            slug=topic.slug,
            name=topic.name,
            level=topic.level,
            top=self._slug_of_top[topic.top],
            score=round(score, 4),
        )
