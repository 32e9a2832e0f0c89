import time

import numpy as np
import pytest

from shared.adapters.embeddings import (
    DEFAULT_EMBEDDER,
    EMBEDDERS,
    Embedder,
    USEEmbedder,
    clip_words,
    load_embedder,
)
from shared.contracts.vectors import EMBEDDER_DIMENSIONS

HEADLINES = [
    "Fed holds interest rates steady as inflation cools",
    "Apple unveils a bigger iPhone at its September event",
    "",
    "   ",
    "Ebola outbreak spreads to a third West African country",
    "Ukraine and Russia agree to a ceasefire in the east",
    "Kim Kardashian and Kanye West marry in Florence",
]


@pytest.fixture(scope="module", params=EMBEDDERS)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    # load_embedder caches, so each model loads once for the whole module.
    return load_embedder(request.param)


def test_shape_dtype_and_unit_norm(embedder: Embedder) -> None:
    vectors = embedder.embed(HEADLINES)
    assert vectors.shape == (len(HEADLINES), embedder.dimensions)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_an_empty_array(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, embedder.dimensions)


def test_deterministic(embedder: Embedder) -> None:
    assert np.array_equal(embedder.embed(HEADLINES), embedder.embed(HEADLINES))


def test_batch_equals_single(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small batch size makes several batches of mixed lengths out of HEADLINES.
    monkeypatch.setattr(embedder, "batch_size", 3)
    batched = embedder.embed(HEADLINES)
    single = np.stack([embedder.embed([text])[0] for text in HEADLINES])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_input_order_is_kept(embedder: Embedder) -> None:
    forward = embedder.embed(HEADLINES)
    backward = embedder.embed(HEADLINES[::-1])
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5)


def test_empty_and_blank_texts_give_the_empty_text_vector(embedder: Embedder) -> None:
    empty, blank, tabs = embedder.embed(["", "   ", "\n\t"])
    np.testing.assert_allclose(blank, empty, atol=1e-6)
    np.testing.assert_allclose(tabs, empty, atol=1e-6)


def test_paraphrases_are_closer_than_unrelated_headlines(embedder: Embedder) -> None:
    fed, fed_again, wedding = embedder.embed(
        [
            "Fed holds interest rates steady",
            "US central bank keeps rates unchanged",
            "Kim Kardashian and Kanye West marry in Florence",
        ]
    )
    assert fed @ fed_again > fed @ wedding + 0.2


def test_huge_and_junk_texts_are_cut_and_embedded(embedder: Embedder) -> None:
    started = time.monotonic()
    vectors = embedder.embed(["word " * 200_000, "\x00\x01\ufffd" * 100_000, "ü" * 50_000])
    assert time.monotonic() - started < 10
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_use_matches_a_translated_headline() -> None:
    english, german, unrelated = load_embedder(USEEmbedder.name).embed(
        [
            "Central bank cuts interest rates",
            "Zentralbank senkt die Zinsen",
            "Kim Kardashian and Kanye West marry in Florence",
        ]
    )
    assert english @ german > english @ unrelated + 0.2


def test_clip_words_keeps_the_first_words_with_single_spaces() -> None:
    assert clip_words("  one\ttwo\n\nthree four ", 3) == "one two three"
    assert clip_words("", 3) == ""
    assert clip_words("a " * 1000).count(" ") == 255
    assert len(clip_words("x" * 100_000)) == 4096


def test_load_embedder_loads_once_and_rejects_unknown_names() -> None:
    assert load_embedder(DEFAULT_EMBEDDER) is load_embedder(DEFAULT_EMBEDDER)
    assert DEFAULT_EMBEDDER in EMBEDDERS
    with pytest.raises(ValueError, match="unknown embedder 'word2vec'"):
        load_embedder("word2vec")


def test_the_index_is_configured_for_every_embedder(embedder: Embedder) -> None:
    # The index takes its vector sizes from shared.contracts.vectors: they must match the models'.
    assert set(EMBEDDER_DIMENSIONS) == set(EMBEDDERS)
    assert EMBEDDER_DIMENSIONS[embedder.name] == embedder.dimensions
