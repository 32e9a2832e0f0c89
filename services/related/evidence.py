"""Evidence that two articles report the same event, and the learned model that weighs it.

Plain functions, no I/O besides loading the shipped model. The features are what a newsroom
would look for: close text (embedding cosine), the same rare words in the titles, the same named
entities and keywords, and the time apart. Headline pairs, headline-with-full-text pairs and
full-text pairs weigh them differently (a full text names thirty entities, a headline two), so
each kind has its own logistic regression, learned from labelled dev pairs by
`python -m services.related.train_stories` (`make train-stories`); see models/README.md.
"""

import gzip
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.related.scoring import Profile

FEATURES = (
    "cosine", "cosine_squared", "rare_overlap", "rarest_shared", "rare_shared", "shared_entities",
    "entity_overlap", "entity_containment", "keyword_overlap", "log_hours_apart", "same_source",
)  # fmt: skip
KINDS = ("headlines", "mixed", "full_texts")
MODEL_FILE = "same-event.json"
RARITY_FILE = "title-df.json.gz"
MAX_COUNT = 5  # shared entities counted up to this many; rare shared words up to RARE_CAP
RARE_CAP = 4
# Times closer than this count as simultaneous. UCI's story labels are crawl bursts (a story's
# headlines seconds apart), which no real feed has: unfloored, the model learned that seconds
# matter (newest UCI window F1 0.81 instead of 0.77 at one hour, models/README.md).
TIME_FLOOR_HOURS = 1.0


@dataclass(frozen=True)
class Rarity:
    """How rare a title word is: document frequencies over a reference corpus of headlines."""

    documents: int
    frequency: Mapping[str, int]
    rare_idf: float = 5.0
    # Every candidate pair asks again for the same words' idf: computed once per word.
    _known: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def idf(self, word: str) -> float:
        """Return log(N / df); a word the corpus holds fewer than three times counts as df 1."""
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = math.log(self.documents / self.frequency.get(word, 1))
        return known

    def max_idf(self) -> float:
        """Return the idf of a word seen once."""
        return math.log(self.documents)


def kind_of(a: "Profile", b: "Profile", long_entities: int) -> int:
    """Return 0 for two headline-like articles, 1 for one of each, 2 for two full texts."""
    return int(len(a.entities) >= long_entities) + int(len(b.entities) >= long_entities)


def _overlap(shared: int, a: int, b: int) -> float:
    return shared / math.sqrt(a * b) if shared else 0.0


def pair_features(a: "Profile", b: "Profile", cosine: float, rarity: Rarity) -> list[float]:
    """Return the features of a pair, in the order of FEATURES; symmetric in `a` and `b`."""
    shared = a.words & b.words
    idf = {w: rarity.idf(w) for w in a.words | b.words}
    weight_a = sum(idf[w] for w in a.words) or 1.0
    weight_b = sum(idf[w] for w in b.words) or 1.0
    entities = len(a.entity_keys & b.entity_keys)
    smaller = min(len(a.entity_keys), len(b.entity_keys))
    hours = abs(a.published_ts - b.published_ts) / 3_600
    return [
        cosine,
        cosine * cosine,
        sum(idf[w] for w in shared) / math.sqrt(weight_a * weight_b),
        max((idf[w] for w in shared), default=0.0) / rarity.max_idf(),
        float(min(sum(1 for w in shared if idf[w] > rarity.rare_idf), RARE_CAP)),
        float(min(entities, MAX_COUNT)),
        _overlap(entities, len(a.entity_keys), len(b.entity_keys)),
        entities / smaller if entities else 0.0,
        _overlap(len(a.keywords & b.keywords), len(a.keywords), len(b.keywords)),
        math.log1p(max(hours, TIME_FLOOR_HOURS)),
        float(a.source is not None and a.source == b.source),
    ]


@dataclass(frozen=True)
class Logistic:
    """One logistic regression over FEATURES."""

    coef: tuple[float, ...]
    intercept: float

    def probability(self, features: Sequence[float]) -> float:
        """Return the modelled probability for one feature row."""
        z = self.intercept + sum(c * x for c, x in zip(self.coef, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class SameEvent:
    """The learned same-event model: a logistic regression per kind of pair, and its thresholds."""

    kinds: tuple[Logistic, Logistic, Logistic]
    rarity: Rarity
    long_entities: int
    join_probability: float  # an article joins a story with a member at least this likely
    # Two stories merge when an article is at least this likely one event with each (1: never).
    merge_probability: float = 1.0

    def probability(self, a: "Profile", b: "Profile", cosine: float) -> float:
        """Return the probability that `a` and `b` report the same event."""
        model = self.kinds[kind_of(a, b, self.long_entities)]
        return model.probability(pair_features(a, b, cosine, self.rarity))


def model_from(spec: Mapping[str, Any], rarity: Rarity) -> SameEvent:
    """Return the model a JSON document describes (as train_stories writes it)."""
    if tuple(spec["features"]) != FEATURES:
        raise ValueError(f"the model was trained on other features: {spec['features']}")
    kinds = tuple(
        Logistic(tuple(spec["kinds"][k]["coef"]), float(spec["kinds"][k]["intercept"]))
        for k in KINDS
    )
    return SameEvent(
        kinds=(kinds[0], kinds[1], kinds[2]),
        rarity=rarity,
        long_entities=int(spec["long_entities"]),
        join_probability=float(spec["join_probability"]),
        merge_probability=float(spec.get("merge_probability", 1.0)),
    )


def load_rarity() -> Rarity:
    """Return the shipped title-word frequencies."""
    raw = resources.files("services.related").joinpath("models", RARITY_FILE).read_bytes()
    table = json.loads(gzip.decompress(raw))
    return Rarity(documents=int(table["documents"]), frequency=table["frequency"])


def load_model() -> SameEvent:
    """Return the shipped same-event model."""
    text = resources.files("services.related").joinpath("models", MODEL_FILE).read_text("utf-8")
    return model_from(json.loads(text), load_rarity())
