"""The trained theme model: multinomial logistic regression on article vectors, numpy only.

Weights, temperature and floors come from `python -m services.enrichment.train_themes` and ship
as JSON in `models/` (one file per embedder: a model is only valid on the vectors it learnt).
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
NO_THEME = "(none)"  # the class of texts with no news topic: junk, page furniture
FORMAT = 1


@dataclass(frozen=True)
class ThemeModel:
    """Top-level topic probabilities of article vectors; the last class is NO_THEME."""

    embedder: str
    classes: tuple[str, ...]
    coef: Matrix  # (classes, dimensions)
    intercept: Matrix  # (classes,)
    temperature: float  # logits are divided by it: calibrated on validation data
    min_probability: float  # no theme when the best topic is less likely than this
    second_min_probability: float  # a second theme only when it is at least this likely

    def probabilities(self, vectors: Matrix) -> Matrix:
        """Return calibrated probabilities, one row per vector over every class (sums to 1)."""
        return softmax((vectors @ self.coef.T + self.intercept) / self.temperature)

    def logits(self, vectors: Matrix) -> Matrix:
        """Return the uncalibrated scores (temperature 1), as calibration needs them."""
        scores: Matrix = (vectors @ self.coef.T + self.intercept).astype(np.float32)
        return scores

    def to_json(self, training: dict[str, Any]) -> str:
        """Serialise weights (5 significant digits) and floors, with how they were made."""
        head = {
            "format": FORMAT,
            "embedder": self.embedder,
            "classes": list(self.classes),
            "temperature": self.temperature,
            "min_probability": self.min_probability,
            "second_min_probability": self.second_min_probability,
            "training": training,
            "intercept": _rounded(self.intercept),
        }
        # One row of weights a line, so that a retraining's diff stays readable.
        rows = ",\n  ".join(json.dumps(_rounded(row)) for row in self.coef)
        return f'{json.dumps(head, indent=1)[:-2]},\n "coef": [\n  {rows}\n ]\n}}\n'

    @classmethod
    def from_json(cls, text: str) -> "ThemeModel":
        """Read a model written by `to_json`."""
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"theme model format {raw.get('format')!r}, expected {FORMAT}")
        return cls(
            embedder=raw["embedder"],
            classes=tuple(raw["classes"]),
            coef=np.asarray(raw["coef"], dtype=np.float32),
            intercept=np.asarray(raw["intercept"], dtype=np.float32),
            temperature=float(raw["temperature"]),
            min_probability=float(raw["min_probability"]),
            second_min_probability=float(raw["second_min_probability"]),
        )


def _rounded(values: Matrix) -> list[float]:
    # 5 significant digits: well below what moves a probability, and a third of the bytes.
    return [float(f"{v:.5g}") for v in values.tolist()]


def softmax(logits: Matrix) -> Matrix:
    """Row-wise softmax, stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs: Matrix = (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
    return probs


def model_file(embedder: str) -> Traversable:
    """Return where the shipped model for `embedder` lives (package data)."""
    return resources.files("services.enrichment").joinpath(f"models/themes-{embedder}.json")


@cache
def load_theme_model(embedder: str) -> ThemeModel:
    """Load the shipped theme model for `embedder` (once per process)."""
    path = model_file(embedder)
    if not path.is_file():
        raise FileNotFoundError(
            f"no theme model for embedder {embedder!r}: run `make train-themes DATA=...`"
        )
    return ThemeModel.from_json(path.read_text("utf-8"))
