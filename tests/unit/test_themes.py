import re
import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from services.enrichment.themes import ThemeClassifier, ThemeRules, Vectors
from shared.themes import Taxonomy, Topic, load_taxonomy

DIM = 512


class BagOfWords:
    """A stand-in embedder: hashed word counts, normalised; similar words, similar vectors."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, zlib.crc32(word.encode()) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms == 0, 1.0, norms)).astype(np.float32)


TAXONOMY = Taxonomy(
    (
        Topic("t:1", "sport", 1, "t:1", "sport", "competitive sport"),
        Topic("t:11", "football", 2, "t:1", "football", "football"),
        Topic("t:2", "weather", 1, "t:2", "weather", "weather forecast"),
        Topic("t:21", "storms", 3, "t:2", "storms", "storms"),
    )
)


@pytest.fixture(scope="module")
def classifier() -> ThemeClassifier:
    return ThemeClassifier(BagOfWords(), TAXONOMY, ThemeRules(min_score=0.2, margin=0.05))


def test_top_level_theme_then_its_most_specific_topic(classifier: ThemeClassifier) -> None:
    (themes,) = classifier.classify(BagOfWords().embed(["football match goals tonight"]))
    assert [(t.slug, t.level, t.top) for t in themes] == [
        ("sport", 1, "sport"),
        ("football", 2, "sport"),
    ]
    # The top-level score averages the best matches under it; the specific one is the best.
    assert themes[1].score >= themes[0].score >= 0.2


def test_nothing_scores_well_enough_no_theme(classifier: ThemeClassifier) -> None:
    assert classifier.classify(BagOfWords().embed(["quantum chromodynamics lecture"])) == [[]]


def test_two_close_top_level_themes_are_both_kept(classifier: ThemeClassifier) -> None:
    (themes,) = classifier.classify(BagOfWords().embed(["football storms"]))
    assert {t.slug for t in themes if t.level == 1} == {"sport", "weather"}


def test_the_shipped_taxonomy_has_unique_readable_slugs() -> None:
    taxonomy = load_taxonomy()
    slugs = [t.slug for t in taxonomy.topics]
    assert len(taxonomy.topics) == 652
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert len(taxonomy.top_level()) == 17
    war = taxonomy.by_slug("conflict-war-and-peace")
    assert war is not None
    assert war.level == 1
    assert taxonomy.by_id(war.id) == war
