"""Train the shipped theme model (`make train-themes DATA=../shared/data`); seeded, repeatable.

    .venv/bin/python -m services.enrichment.train_themes DATA_DIR [--embedder NAME ...]

Multinomial logistic regression over the 17 IPTC top-level topics plus NO_THEME, on the
vectors the enricher computes. Training rows: the older HuffPost rows (a time split: the newest
30% is test data and never read here), a weighted UCI sample, hand-written examples, the IPTC
definitions and seeded junk. C and the class-weight power are picked on the validation slice
(the newest HuffPost rows before the test split), then temperature and floors on the same.
Needs scikit-learn (a dev dependency); the enricher itself reads the result with numpy only.
"""

import argparse
import time
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from services.enrichment import theme_data as td
from services.enrichment.theme_calibration import (
    FIRST_SLACK,
    SECOND_TARGET,
    Labels,
    choose_floors,
    fit_temperature,
    output_accuracy,
    ranks,
)
from services.enrichment.theme_model import NO_THEME, Matrix, ThemeModel
from shared.adapters.embeddings import load_embedder
from shared.contracts.themes import load_taxonomy
from shared.contracts.vectors import EMBEDDER_DIMENSIONS

SEED = 7
UCI_PER_CATEGORY = 1000
JUNK_TRAIN, JUNK_VALIDATION = 300, 100
# Weight of one row by source: UCI's 4,000 headlines count as 600 HuffPost rows, so they add
# words without swamping HuffPost; the examples are few but cover topics nothing else does.
SOURCE_WEIGHTS = {"huffpost": 1.0, "uci": 0.15, "examples": 5.0, "iptc": 1.0, "junk": 1.0}
GRID_C = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
GRID_POWER = (0.5, 1.0)  # class weight = (mean class total / class total) ** power
CALIBRATED = ("temperature", "min_probability", "second_min_probability")


@dataclass(frozen=True)
class Encoded:
    """Vectors, class indices and per-row source weights of a set of labelled texts."""

    vectors: Matrix
    labels: Labels
    weights: Matrix


def labelled_sets(data: Path) -> dict[str, list[td.Labelled]]:
    """Training and validation texts; the HuffPost test split is left out here."""
    splits = td.huffpost_splits(data)
    train = (
        td.huffpost_labelled(splits["train"])
        + td.uci_labelled(data, UCI_PER_CATEGORY, SEED)
        + td.example_labelled()
        + td.taxonomy_labelled(load_taxonomy())
        + td.junk_labelled(JUNK_TRAIN, SEED)
    )
    return {
        "train": train,
        "validation": td.huffpost_labelled(splits["validation"]),
        "validation_junk": td.junk_labelled(JUNK_VALIDATION, SEED + 1),
    }


def encode(embedder_name: str, rows: list[td.Labelled], classes: list[str]) -> Encoded:
    """Embed the texts exactly as the enricher would."""
    vectors = load_embedder(embedder_name).embed([r.text for r in rows])
    labels = np.array([classes.index(r.top) for r in rows], dtype=np.int64)
    weights = np.array([SOURCE_WEIGHTS[r.source] for r in rows], dtype=np.float32)
    return Encoded(vectors, labels, weights)


def fit(embedder: str, classes: list[str], train: Encoded, c: float, power: float) -> ThemeModel:
    """Fit one model; the weights go through their JSON form, so what ships is what is tuned."""
    totals = np.bincount(train.labels, weights=train.weights, minlength=len(classes))
    balance = (totals.mean() / np.maximum(totals, 1e-9)) ** power
    weights = train.weights * balance[train.labels]
    fitted = LogisticRegression(C=c, max_iter=5000).fit(
        train.vectors, train.labels, sample_weight=weights / weights.mean()
    )
    coef, intercept = fitted.coef_.astype(np.float32), fitted.intercept_.astype(np.float32)
    model = ThemeModel(embedder, tuple(classes), coef, intercept, 1.0, 0.0, 1.0)
    return ThemeModel.from_json(model.to_json({}))


def ranking(model: ThemeModel, data: Encoded) -> tuple[float, float]:
    """Top-1 and top-2 of the ranked top-level topics (no floors)."""
    is_first, is_second, _, _ = ranks(model.probabilities(data.vectors)[:, :-1], data.labels)
    return float(is_first.mean()), float((is_first | is_second).mean())


def select(
    embedder: str, classes: list[str], train: Encoded, validation: Encoded
) -> tuple[ThemeModel, dict[str, float]]:
    """The grid's best model on validation (top-1 plus top-2 of the ranking)."""
    scored = []
    for c in GRID_C:
        for power in GRID_POWER:
            model = fit(embedder, classes, train, c, power)
            scored.append((sum(ranking(model, validation)), -c, power, model))
    best = max(scored, key=lambda s: s[:3])
    return best[3], {"C": -best[1], "class_weight_power": best[2]}


def calibrate(model: ThemeModel, validation: Encoded, junk: Encoded) -> ThemeModel:
    """Temperature on validation news and junk, then the floors on validation news."""
    both = np.vstack([validation.vectors, junk.vectors])
    labels = np.concatenate([validation.labels, junk.labels])
    temperature = fit_temperature(model.logits(both), labels)
    tempered = replace(model, temperature=temperature)
    probs = tempered.probabilities(validation.vectors)[:, :-1]
    first, second = choose_floors(probs, validation.labels)
    return replace(tempered, min_probability=first, second_min_probability=second)


def train(data: Path, embedder: str) -> tuple[ThemeModel, dict[str, Any]]:
    """Train, select, calibrate, refit; return the model and the record that ships with it."""
    classes = [t.slug for t in load_taxonomy().top_level()] + [NO_THEME]
    sets = labelled_sets(data)
    encoded = {name: encode(embedder, rows, classes) for name, rows in sets.items()}
    train, validation = encoded["train"], encoded["validation"]
    model, chosen = select(embedder, classes, train, validation)
    model = calibrate(model, validation, encoded["validation_junk"])
    training = record(model, sets, encoded, chosen)
    # Refit on every row before the test split with what validation chose: the validation
    # months are the nearest to what comes next (news drifts). Temperature and floors stay as
    # measured on validation by the model that had not seen it.
    everything = Encoded(
        *(np.concatenate([a, b]) for a, b in zip(astuple(train), astuple(validation), strict=True))
    )
    final = fit(embedder, classes, everything, chosen["C"], chosen["class_weight_power"])
    calibrated = {k: getattr(model, k) for k in CALIBRATED}
    return replace(final, **calibrated), {**training, "refit_rows": len(everything.labels)}


def record(
    model: ThemeModel,
    sets: dict[str, list[td.Labelled]],
    encoded: dict[str, Encoded],
    chosen: dict[str, float],
) -> dict[str, Any]:
    """How the model was made, and what it scores on validation (never on test)."""
    validation, junk = encoded["validation"], encoded["validation_junk"]
    probs = model.probabilities(validation.vectors)[:, :-1]
    floors = (model.min_probability, model.second_min_probability)
    out = output_accuracy(probs, validation.labels, *floors)
    junk_best = model.probabilities(junk.vectors)[:, :-1].max(axis=1)
    sources = [r.source for r in sets["train"]]
    return {
        "seed": SEED,
        "scikit_learn": sklearn.__version__,
        "rows": {s: sources.count(s) for s in SOURCE_WEIGHTS},
        "source_weights": SOURCE_WEIGHTS,
        **chosen,
        "floor_rules": {"first_slack": FIRST_SLACK, "second_target": SECOND_TARGET},
        "validation_rows": len(validation.labels),
        "validation_ranking": dict(
            zip(("top1", "top2"), (round(v, 4) for v in ranking(model, validation)), strict=True)
        ),
        "validation_output": {k: round(v, 4) for k, v in out.items()},
        "validation_junk_without_theme": float((junk_best < floors[0]).mean()),
    }


def main() -> None:
    """Train one model per embedder and write it next to this module, in models/."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--embedder", action="append", choices=sorted(EMBEDDER_DIMENSIONS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "models")
    args = parser.parse_args()
    for name in args.embedder or sorted(EMBEDDER_DIMENSIONS):
        started = time.perf_counter()
        model, training = train(args.data, name)
        path = args.out / f"themes-{name}.json"
        path.write_text(model.to_json(training), encoding="utf-8")
        print(f"{path}: {path.stat().st_size:,} bytes in {time.perf_counter() - started:.0f} s")
        floors = (model.min_probability, model.second_min_probability)
        print(f"  temperature {model.temperature}, floors {floors}, C {training['C']}")
        print(f"  validation (before the refit): {training['validation_output']}")


if __name__ == "__main__":
    main()
