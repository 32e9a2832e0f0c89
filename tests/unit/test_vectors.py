"""Vectors on the wire: packed as int8 and a scale, read back as floats; older forms still read."""

import base64

import numpy as np
import numpy.typing as npt
import pytest
from pydantic import ValidationError

from shared.contracts.events import Enrichment
from shared.contracts.vectors import INT8_TAG, pack, unpack


def _units(n: int) -> npt.NDArray[np.float64]:
    vectors = np.random.default_rng(1).standard_normal((n, 512))
    units: npt.NDArray[np.float64] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return units


def test_packed_vectors_keep_cosines_within_a_few_thousandths() -> None:
    units = _units(200)
    back = np.array([unpack(pack(v.tolist())) for v in units])
    assert np.abs(back @ back.T - units @ units.T).max() < 3e-3
    assert len(pack(units[0].tolist())) == 691
    assert pack(units[0].tolist()).startswith(INT8_TAG)


def test_a_zero_vector_and_an_empty_one_survive_packing() -> None:
    assert unpack(pack([0.0, 0.0])) == [0.0, 0.0]
    assert unpack(pack([])) == []


def test_the_older_float16_form_still_reads() -> None:
    vector = _units(1)[0]
    older = base64.b64encode(vector.astype("<f2").tobytes()).decode("ascii")
    back = unpack(older)
    assert isinstance(back, list)
    assert np.allclose(back, vector, atol=1e-3)


def test_an_enrichment_writes_its_vector_packed_and_reads_both_forms() -> None:
    enrichment = Enrichment(embedding=[0.5, -0.25, 0.125])
    wire = enrichment.model_dump_json()
    assert '"embedding":"' in wire
    back = Enrichment.model_validate_json(wire).embedding
    assert back == pytest.approx([0.5, -0.25, 0.125], abs=0.5 / 127)
    # Events written before vectors were packed carry a list of floats.
    assert Enrichment.model_validate({"embedding": [0.1, 0.2]}).embedding == [0.1, 0.2]
    # In Python the vector stays a list of floats.
    assert enrichment.model_dump()["embedding"] == [0.5, -0.25, 0.125]


@pytest.mark.parametrize("bad", ["not base64!", "AAAA", "i8:AA==", "i8:not base64!"])
def test_a_broken_packed_vector_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError):
        Enrichment.model_validate({"embedding": bad})
