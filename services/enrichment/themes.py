"""Themes: a trained, calibrated classifier picks top-level IPTC topics; cosine picks sub-topics.

The top-level topics come from `ThemeModel` (logistic regression on the article vector, trained
by `train_themes`), scored by calibrated probability. Under each kept top-level topic, the most
specific topic is the level 2-3 IPTC topic whose "name (top-level name): definition" embedding
is nearest the article (zero-shot: there are no labels at that depth), scored by cosine.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from services.enrichment.theme_model import NO_THEME, ThemeModel
from shared.contracts.themes import Taxonomy, ThemeScore, Topic

Vectors = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    """What the classifier needs of an embedder."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return one L2-normalised row per text."""
        ...


@dataclass(frozen=True)
class ThemeRules:
    """When a theme is assigned; None takes the floor the model was calibrated with."""

    min_probability: float | None = None  # no theme below this calibrated probability
    second_min_probability: float | None = None  # a second top-level theme from this one
    max_top: int = 2
    # A sub-topic below this cosine is a guess: the top-level theme stands alone (USE).
    specific_min_cosine: float = 0.20


class ThemeClassifier:
    """Assigns themes to article vectors; topic vectors are computed once, at start-up."""

    def __init__(
        self, embedder: TextEmbedder, taxonomy: Taxonomy, rules: ThemeRules, model: ThemeModel
    ) -> None:
        self.rules = rules
        self.model = model
        self.topics = taxonomy.topics
        by_slug = {t.slug: t for t in taxonomy.top_level()}
        self.tops = tuple(by_slug[c] for c in model.classes if c != NO_THEME)
        self._top_columns = np.array([model.classes.index(t.slug) for t in self.tops])
        names = {t.id: t.name for t in self.tops}
        self.matrix = embedder.embed(
            [f"{t.name} ({names[t.top]}): {t.definition}" for t in self.topics]
        )
        top_ids = [t.id for t in self.tops]
        self._top_of = np.array([top_ids.index(t.top) for t in self.topics])
        self._deep = np.array([t.level > 1 for t in self.topics])
        self._slug_of_top = {t.id: t.slug for t in self.tops}

    @property
    def floors(self) -> tuple[float, float]:
        """The first- and second-theme floors in force (rules, else the model's own)."""
        first, second = self.rules.min_probability, self.rules.second_min_probability
        return (
            self.model.min_probability if first is None else first,
            self.model.second_min_probability if second is None else second,
        )

    def top_probabilities(self, vectors: Vectors) -> Vectors:
        """Return each vector's calibrated probability of every top-level topic (`tops`)."""
        probs: Vectors = self.model.probabilities(vectors)[:, self._top_columns]
        return probs

    def classify(self, vectors: Vectors) -> list[list[ThemeScore]]:
        """Return, per article vector, its themes: top-level ones first, then specific ones."""
        probs = self.top_probabilities(vectors)
        cosines = vectors @ self.matrix.T
        return [self._themes(p, c) for p, c in zip(probs, cosines, strict=True)]

    def _themes(self, probs: Vectors, cosines: Vectors) -> list[ThemeScore]:
        first, second = self.floors
        order = np.argsort(-probs, kind="stable")[: self.rules.max_top]
        kept: list[int] = []
        for i in order:
            if probs[i] < (second if kept else first):
                break
            kept.append(int(i))
        tops = [self._score(self.tops[i], float(probs[i])) for i in kept]
        specific = [s for i in kept if (s := self._most_specific(cosines, i)) is not None]
        return tops + specific

    def _most_specific(self, cosines: Vectors, top_index: int) -> ThemeScore | None:
        below = np.flatnonzero((self._top_of == top_index) & self._deep)
        if below.size == 0:
            return None
        best = below[np.argmax(cosines[below])]
        if cosines[best] < self.rules.specific_min_cosine:
            return None
        return self._score(self.topics[best], float(cosines[best]))

    def _score(self, topic: Topic, score: float) -> ThemeScore:
        return ThemeScore(
            slug=topic.slug,
            name=topic.name,
            level=topic.level,
            top=self._slug_of_top[topic.top],
            score=round(score, 4),
        )
