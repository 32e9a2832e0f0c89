import numpy as np
import pytest

from services.related import nearest as nearest_module
from services.related import vectors
from services.related.nearest import cosines_in, nearest
from services.related.vectors import Window

DAY = 86_400


def window(vectors: list[list[float]], ts: list[int]) -> Window:
    units = np.asarray(vectors, dtype=np.float32)
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    return Window([f"{n:024x}" for n in range(len(ts))], np.asarray(ts, dtype=np.int64), units)


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_nearest_are_the_most_similar_others_within_the_span_best_first() -> None:
    stored = window([[1, 0], [0.8, 0.6], [0, 1], [1, 0.01]], [0, 0, 0, 5 * DAY])
    mine = np.stack([unit(1, 0.1)])
    (found,) = nearest(stored, mine, np.array([DAY]), ["a" * 24], 3 * DAY, limit=2)
    assert list(found) == [f"{0:024x}", f"{1:024x}"]  # the closest, 5 days off, is out
    assert found[f"{0:024x}"] == pytest.approx(float(unit(1, 0.1)[0]))


def test_nearest_never_returns_the_article_itself_and_never_pads() -> None:
    stored = window([[1, 0], [0, 1]], [0, 0])
    found = nearest(stored, np.stack([unit(1, 0)]), np.array([0]), [f"{0:024x}"], DAY, 5)
    assert list(found[0]) == [f"{1:024x}"]
    empty = Window([], np.zeros(0, np.int64), np.zeros((0, 2), np.float32))
    assert nearest(empty, np.stack([unit(1, 0)]), np.array([0]), ["a" * 24], DAY, 5) == [{}]


def test_keyword_hits_get_their_cosine_from_the_window_when_it_holds_them() -> None:
    stored = window([[1, 0], [0, 1]], [0, 0])
    found = cosines_in(stored, unit(1, 0), [f"{1:024x}", "f" * 24])
    assert found == {f"{1:024x}": pytest.approx(0.0)}


def test_a_window_of_int8_steps_gives_the_cosines_of_their_unit_vectors_across_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "COLUMNS", 2)  # five rows: three blocks
    steps = np.array([[3, 4], [0, 127], [-5, 0], [1, 1], [100, -100]], dtype=np.int8)
    scales = (1 / np.linalg.norm(steps.astype(np.float32), axis=1)).astype(np.float32)
    stored = Window([f"{n:024x}" for n in range(5)], np.zeros(5, np.int64), steps, scales=scales)
    mine = np.stack([unit(1, 0), unit(0, 1)])
    expected = mine @ (steps / np.linalg.norm(steps, axis=1, keepdims=True)).T
    assert np.allclose(stored.similarities(mine), expected, atol=1e-6)
    assert np.allclose(stored.units([1, 3]), [unit(0, 1), unit(1, 1)], atol=1e-6)


def test_a_batch_larger_than_a_chunk_finds_what_each_article_finds_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nearest_module, "CHUNK", 3)
    monkeypatch.setattr(nearest_module, "ROWS", 2)  # blocks inside chunks, and a ragged end
    rng = np.random.default_rng(7)
    stored = window(rng.normal(size=(40, 4)).tolist(), rng.integers(0, 4 * DAY, 40).tolist())
    mine = rng.normal(size=(8, 4)).astype(np.float32)
    mine /= np.linalg.norm(mine, axis=1, keepdims=True)
    published = rng.integers(0, 4 * DAY, 8)
    own = [f"{n:024x}" for n in range(8)]  # the first stored articles: each is left out
    together = nearest(stored, mine, published, own, DAY, 5)
    alone = [nearest(stored, mine[i : i + 1], published[i : i + 1], own[i : i + 1], DAY, 5)[0]
             for i in range(8)]  # fmt: skip
    # The same neighbours in the same order; BLAS may round a batch's products differently.
    assert [list(found) for found in together] == [list(found) for found in alone]
    for found, single in zip(together, alone, strict=True):
        assert list(found.values()) == pytest.approx(list(single.values()), abs=1e-6)
    assert all(own[i] not in found for i, found in enumerate(together))
