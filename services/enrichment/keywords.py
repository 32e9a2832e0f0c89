"""Key phrases with YAKE: statistical, no model, stopword lists for about 30 languages."""

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import yake

NGRAM = 3
# YAKE's time grows with the text (100,000 chars take 0.6 s); a long article's key phrases are
# in its first pages anyway.
MAX_CHARS = 20_000
# Longer "phrases" are runs of junk (a 100,000-char token comes back whole).
MAX_PHRASE_CHARS = 60
# YAKE's own de-duplication (string similarity) keeps "Betty Ford Center", "Betty Ford",
# "Ford Center" and "Betty" together; ours drops a phrase whose words are all in a better one
# or that shares half its words with one, so we ask YAKE for more candidates than we keep.
CANDIDATES_PER_KEYWORD = 4
MAX_SHARED_WORDS = 0.5
# YAKE names the Czech list "cz"; two lists are not UTF-8, and YAKE would read them as Latin-1
# (and print a warning to stdout): "avšak" would become "avak".
YAKE_NAMES = {"cs": "cz"}
ENCODINGS = {"lt": "cp1257", "sk": "cp1250"}
_STOPWORDS = Path(yake.__file__).parent / "core" / "StopwordsList"
# No or an unsupported language: mostly short English headlines the detector was unsure of
# (4% of UCI's). English stopwords never match words of other languages, so they cost nothing
# there; YAKE's language-neutral list is empty.
FALLBACK = "en"
_SPACE = re.compile(r"\s+")
_PUNCTUATION = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb()[]{}<>,.;:!?*|/\\-\u2013\u2014_\u2026 "


def supported_languages() -> frozenset[str]:
    """ISO 639-1 codes of the languages YAKE ships a stopword list for."""
    names = (path.stem.removeprefix("stopwords_") for path in _STOPWORDS.glob("stopwords_*.txt"))
    iso = {name: code for code, name in YAKE_NAMES.items()}
    return frozenset(iso.get(name, name) for name in names if name != "noLang")


def stopwords(language: str) -> set[str]:
    """YAKE's stopword list for a supported ISO 639-1 code."""
    name = YAKE_NAMES.get(language, language)
    raw = (_STOPWORDS / f"stopwords_{name}.txt").read_bytes()
    words = raw.decode(ENCODINGS.get(language, "utf-8")).lower().splitlines()
    return {word.strip() for word in words if word.strip()}


def normalise(phrase: str) -> str:
    """Lower-case a phrase, collapse whitespace and strip surrounding punctuation."""
    return _SPACE.sub(" ", phrase).strip(_PUNCTUATION).lower()


def repeats(words: set[str], kept: Sequence[set[str]]) -> bool:
    """Whether a phrase's words are in a kept phrase, or share half their words with one."""
    return any(
        words <= other or len(words & other) / len(words | other) >= MAX_SHARED_WORDS
        for other in kept
    )


class KeywordExtractor:
    """Extracts the top key phrases of texts; builds one YAKE extractor per language once."""

    def __init__(self, top: int = 10) -> None:
        self.top = top
        self.languages = supported_languages()
        # Building an extractor reads its stopword file: do it here, never per text.
        self._extractors = {code: self._yake(code) for code in self.languages}

    def _yake(self, language: str) -> yake.KeywordExtractor:
        # dedup_lim 1.0 turns YAKE's own de-duplication off: ours (_select) decides alone. Same
        # key phrases on 300 of 300 ECB+ articles, and 1.3-1.5x faster (its string similarity
        # ran for every pair of candidates).
        return yake.KeywordExtractor(
            n=NGRAM,
            top=self.top * CANDIDATES_PER_KEYWORD,
            stopwords=stopwords(language),
            dedup_lim=1.0,
        )

    def extract(self, text: str, language: str | None) -> list[str]:
        """Top key phrases of `text`, best first, lower-cased; English stopwords if unsupported."""
        if not text.strip():
            return []
        extractor = self._extractors.get(language or FALLBACK, self._extractors[FALLBACK])
        candidates = extractor.extract_keywords(text[:MAX_CHARS])
        return self._select(phrase for phrase, _score in candidates)

    def extract_many(
        self, texts: Sequence[str], languages: Sequence[str | None]
    ) -> list[list[str]]:
        """Key phrases of each text, in the language given for it at the same index."""
        if len(texts) != len(languages):
            raise ValueError("texts and languages must have the same length")
        return [self.extract(text, lang) for text, lang in zip(texts, languages, strict=True)]

    def _select(self, phrases: Iterable[str]) -> list[str]:
        selected: list[str] = []
        kept: list[set[str]] = []
        for phrase in map(normalise, phrases):
            words = set(phrase.split())
            # Pure numbers ("2014", "1.5") say nothing about the topic.
            has_letters = any(char.isalpha() for char in phrase)
            if not has_letters or len(phrase) > MAX_PHRASE_CHARS or repeats(words, kept):
                continue
            selected.append(phrase)
            kept.append(words)
            if len(selected) == self.top:
                break
        return selected
