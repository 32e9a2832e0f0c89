import re
import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from services.enrichment.settings import Settings
from services.enrichment.theme_calibration import choose_floors, fit_temperature
from services.enrichment.theme_model import NO_THEME, ThemeModel, load_theme_model, softmax
from services.enrichment.themes import ThemeClassifier, ThemeRules, Vectors
from shared.adapters.embeddings import Embedder, load_embedder
from shared.contracts.themes import Taxonomy, Topic, load_taxonomy
from shared.contracts.vectors import DEFAULT_EMBEDDER, EMBEDDER_DIMENSIONS

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
        Topic("t:11", "football", 2, "t:1", "football", "football match goals"),
        Topic("t:2", "weather", 1, "t:2", "weather", "weather forecast"),
        Topic("t:21", "storms", 3, "t:2", "storms", "storms gales"),
    )
)


def stand_in_model() -> ThemeModel:
    """A model whose logits are 8 x cosine with a few words per class (junk: none of them)."""
    words = BagOfWords().embed(["football match goals", "storms gales forecast"])
    coef = np.vstack([8 * words, np.zeros((1, DIM), dtype=np.float32)])
    intercept = np.array([0.0, 0.0, 2.0], dtype=np.float32)  # no words: mostly NO_THEME
    return ThemeModel("bag", ("sport", "weather", NO_THEME), coef, intercept, 1.0, 0.5, 0.1)


@pytest.fixture(scope="module")
def classifier() -> ThemeClassifier:
    return ThemeClassifier(BagOfWords(), TAXONOMY, ThemeRules(), stand_in_model())


def test_top_level_theme_then_its_most_specific_topic(classifier: ThemeClassifier) -> None:
    (themes,) = classifier.classify(BagOfWords().embed(["football match goals tonight"]))
    assert [(t.slug, t.level, t.top) for t in themes] == [
        ("sport", 1, "sport"),
        ("football", 2, "sport"),
    ]
    assert 0.5 <= themes[0].score <= 1.0  # a calibrated probability


def test_junk_falls_below_the_floor_and_gets_no_theme(classifier: ThemeClassifier) -> None:
    assert classifier.classify(BagOfWords().embed(["qzxv wrtpl", ""])) == [[], []]


def test_a_second_theme_needs_the_second_floor(classifier: ThemeClassifier) -> None:
    (themes,) = classifier.classify(BagOfWords().embed(["football match goals storms gales"]))
    assert [t.slug for t in themes if t.level == 1] == ["sport", "weather"]
    strict = ThemeClassifier(
        BagOfWords(), TAXONOMY, ThemeRules(second_min_probability=0.9), stand_in_model()
    )
    (themes,) = strict.classify(BagOfWords().embed(["football match goals storms gales"]))
    assert [t.slug for t in themes if t.level == 1] == ["sport"]


def test_settings_override_the_calibrated_floors() -> None:
    rules = Settings(theme_min_probability=0.7).theme_rules
    classifier = ThemeClassifier(BagOfWords(), TAXONOMY, rules, stand_in_model())
    assert classifier.floors == (0.7, 0.1)


def test_calibrated_probabilities_sum_to_one() -> None:
    model = load_theme_model(DEFAULT_EMBEDDER)
    vectors = np.random.default_rng(1).normal(size=(20, model.coef.shape[1])).astype(np.float32)
    probs = model.probabilities(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    assert probs.shape == (20, len(model.classes))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs >= 0).all()


def test_temperature_fit_recovers_the_temperature_labels_were_drawn_at() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(scale=3.0, size=(4000, 5)).astype(np.float32)
    probs = softmax(logits / 2.0)
    labels = np.array([rng.choice(5, p=p / p.sum()) for p in probs])
    assert fit_temperature(logits, labels) == pytest.approx(2.0, rel=0.15)


def test_floors_are_read_off_validation_data() -> None:
    # 80 confident and right; 15 right only in second place (at 0.3); 5 nowhere near (junk).
    right = [[p, (1 - p) / 3, (1 - p) / 3, (1 - p) / 3] for p in np.linspace(0.7, 0.95, 80)]
    second = [[0.3, 0.2, 0.5, 0.0]] * 15
    junk = [[0.22, 0.26, 0.26, 0.26]] * 5
    probs = np.array(right + second + junk, dtype=np.float32)
    first_floor, second_floor = choose_floors(probs, np.zeros(100, dtype=np.int64))
    assert first_floor == 0.5  # keeps the 15 (a second theme saves them), drops the junk
    assert second_floor == 0.3  # the highest that still lets the 15 reach top-2


@pytest.mark.parametrize("embedder", sorted(EMBEDDER_DIMENSIONS))
def test_a_shipped_model_for_every_embedder(embedder: str) -> None:
    model = load_theme_model(embedder)
    tops = [t.slug for t in load_taxonomy().top_level()]
    assert model.embedder == embedder
    assert list(model.classes) == [*tops, NO_THEME]
    assert model.coef.shape == (len(tops) + 1, EMBEDDER_DIMENSIONS[embedder])
    assert 0 < model.second_min_probability <= model.min_probability < 1
    assert model.temperature > 0


@pytest.fixture(scope="module")
def real() -> tuple[ThemeClassifier, Embedder]:
    embedder = load_embedder(DEFAULT_EMBEDDER)
    model = load_theme_model(DEFAULT_EMBEDDER)
    return ThemeClassifier(embedder, load_taxonomy(), ThemeRules(), model), embedder


@pytest.mark.parametrize(
    ("headline", "top"),
    [
        (
            "Soldiers pull out of frontline trenches as the enemy offensive gains ground",
            "conflict-war-and-peace",
        ),
        (
            "Warships leave the naval base as the regime that hosted them collapses",
            "conflict-war-and-peace",
        ),
        ("Striker scores twice as United win the derby", "sport"),
        (
            "Shares tumble as the central bank signals more rate rises",
            "economy-business-and-finance",
        ),
    ],
)
def test_real_headlines_get_their_theme_first(
    real: tuple[ThemeClassifier, Embedder], headline: str, top: str
) -> None:
    classifier, embedder = real
    (themes,) = classifier.classify(embedder.embed([headline]))
    assert themes[0].slug == top
    assert themes[0].level == 1
    assert [t.level for t in themes] == sorted(t.level for t in themes)  # top-level ones first


def test_real_junk_gets_no_theme(real: tuple[ThemeClassifier, Embedder]) -> None:
    classifier, embedder = real
    assert classifier.classify(embedder.embed(["qzxv wrtpl mnbvc", "zz 0000 ##"])) == [[], []]


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
