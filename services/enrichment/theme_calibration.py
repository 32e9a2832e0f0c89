"""Calibration of the theme model on validation data: temperature, then the two floors."""

import numpy as np
import numpy.typing as npt

from services.enrichment.theme_model import Matrix, softmax

Labels = npt.NDArray[np.int64]
TEMPERATURES = np.geomspace(0.2, 5.0, 161)
FLOORS = np.round(np.arange(0.0, 0.7001, 0.01), 2)
# The rules the floors follow (their values are read off validation data). The first floor is
# the highest that costs at most this much of the ranking's top-2 on validation (top-1 hits
# are top-2 hits too): it only drops articles the model would get wrong anyway, and junk.
FIRST_SLACK = 0.005
# The second-theme floor is the highest at which validation top-2 still reaches this: the
# 0.90 target plus a point for drift (the months after validation score lower), with as few
# second themes as that allows.
SECOND_TARGET = 0.91


def log_loss(logits: Matrix, labels: Labels, temperature: float) -> float:
    """Mean negative log-likelihood of the labels at this temperature."""
    probs = softmax(logits / temperature)
    return float(-np.log(probs[np.arange(len(labels)), labels] + 1e-12).mean())


def fit_temperature(logits: Matrix, labels: Labels) -> float:
    """Return the temperature (on a fixed grid) that minimises the validation log-loss."""
    losses = [log_loss(logits, labels, float(t)) for t in TEMPERATURES]
    return round(float(TEMPERATURES[int(np.argmin(losses))]), 4)


Flags = npt.NDArray[np.bool_]


def ranks(probs: Matrix, gold: Labels) -> tuple[Flags, Flags, Matrix, Matrix]:
    """Per row: is gold first, is it second, and the first and second probabilities."""
    order = np.argsort(-probs, axis=1, kind="stable")[:, :2]
    rows = np.arange(len(gold))
    return (
        order[:, 0] == gold,
        order[:, 1] == gold,
        probs[rows, order[:, 0]],
        probs[rows, order[:, 1]],
    )


def output_accuracy(probs: Matrix, gold: Labels, first: float, second: float) -> dict[str, float]:
    """Top-1, top-2 and coverage of the themes assigned at these floors (no theme: a miss)."""
    is_first, is_second, p1, p2 = ranks(probs, gold)
    kept = p1 >= first
    return {
        "top1": float((is_first & kept).mean()),
        "top2": float((kept & (is_first | (is_second & (p2 >= second)))).mean()),
        "coverage": float(kept.mean()),
        "second_share": float((kept & (p2 >= second)).mean()),
    }


def choose_floors(probs: Matrix, gold: Labels) -> tuple[float, float]:
    """Return the first- and second-theme floors the validation data and the rules give."""
    is_first, is_second, _, _ = ranks(probs, gold)
    top2 = float((is_first | is_second).mean())

    def reach(first: float, second: float) -> float:
        return output_accuracy(probs, gold, first, second)["top2"]

    first = max((f for f in FLOORS if reach(f, 0.0) >= top2 - FIRST_SLACK), default=FLOORS[0])
    second = max((f for f in FLOORS[1:] if reach(first, f) >= SECOND_TARGET), default=FLOORS[1])
    return float(first), float(second)
