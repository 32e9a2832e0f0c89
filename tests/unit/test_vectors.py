"""Vectors on the wire: packed as base64 float16, read back as floats; old lists still read."""

import numpy as np
import pytest
from pydantic import ValidationError

from shared.contracts.events import Enrichment
from shared.contracts.vectors import pack, unpack


def test_pack_and_unpack_round_trip_within_float16() -> None:
    vector = np.random.default_rng(1).standard_normal(512)
    vector /= np.linalg.norm(vector)
    back = unpack(pack(vector.tolist()))
    assert isinstance(back, list)
    assert np.allclose(back, vector, atol=1e-3)
    assert len(pack(vector.tolist())) == 1368


def test_an_enrichment_writes_its_vector_packed_and_reads_both_forms() -> None:
    enrichment = Enrichment(embedding=[0.5, -0.25, 0.125])
    wire = enrichment.model_dump_json()
    assert '"embedding":"' in wire
    assert Enrichment.model_validate_json(wire).embedding == [0.5, -0.25, 0.125]
    # Events written before vectors were packed carry a list of floats.
    assert Enrichment.model_validate({"embedding": [0.1, 0.2]}).embedding == [0.1, 0.2]
    # In Python the vector stays a list of floats.
    assert enrichment.model_dump()["embedding"] == [0.5, -0.25, 0.125]


@pytest.mark.parametrize("bad", ["not base64!", "AAAA"])
def test_a_broken_packed_vector_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError):
        Enrichment.model_validate({"embedding": bad})
