"""The title words of placed articles and the keyword search over them, in memory."""

from datetime import UTC, datetime, timedelta

from services.related.titles import joined_titles, keyword_hits, parse_titles, words_record
from shared.contracts.events import Article, ArticleEnriched, Enrichment

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)
TS = int(WHEN.timestamp())
DAY = 86_400
IDF = {"tartous": 6.0, "port": 3.0, "evacuated": 5.0, "russia": 2.0, "syria": 2.5}


def idf(word: str) -> float:
    return IDF.get(word, 1.0)


def event(n: int, title: str, hours: float = 0) -> ArticleEnriched:
    published = WHEN + timedelta(hours=hours)
    article = Article(id=f"{n:024x}", title=title, published_at=published)
    return ArticleEnriched(article=article, enrichment=Enrichment(), ingested_at=WHEN)


def stored(*titles: tuple[int, str, int]) -> bytes:
    return b"".join(words_record(f"{n:024x}", TS + at, title) for n, title, at in titles)


def test_a_record_is_one_line_of_id_time_and_the_titles_content_words() -> None:
    line = words_record("a" * 24, TS, "Russia evacuates the\nTartous port")
    assert line == f"{'a' * 24} {TS} evacuates port russia tartous\n".encode()


def test_the_hits_share_the_rarest_words_first_within_the_span_never_itself() -> None:
    titles = parse_titles(
        stored(
            (1, "Russia and Syria talk", 0),
            (2, "Tartous port evacuated", 0),
            (3, "Port of Tartous evacuated, Russia says", 5 * DAY),  # too far off
            (4, "Markets in Asia", 0),
            (9, "Russia: Tartous port evacuated", 0),
        )
    )
    (hits,) = keyword_hits(titles, [event(9, "Russia: Tartous port evacuated")], 3 * DAY, 5, idf)
    assert hits == [f"{2:024x}", f"{1:024x}"]


def test_ties_go_to_the_earlier_stored_article_and_the_limit_holds() -> None:
    titles = parse_titles(stored((1, "Port news", 0), (2, "Port news", 0), (3, "Port news", 0)))
    (hits,) = keyword_hits(titles, [event(8, "Port closed")], DAY, 2, idf)
    assert hits == [f"{1:024x}", f"{2:024x}"]


def test_hours_join_with_their_own_rows_and_a_broken_line_is_skipped() -> None:
    first = parse_titles(stored((1, "Syria talks", 0)) + b"not a record\n")
    second = parse_titles(stored((2, "Tartous port", 60), (3, "Syria port", 90)))
    titles = joined_titles([first, second])
    assert titles.ids == [f"{n:024x}" for n in (1, 2, 3)]
    assert titles.ts.tolist() == [TS, TS + 60, TS + 90]
    (hits,) = keyword_hits(titles, [event(7, "Tartous port")], DAY, 5, idf)
    assert hits == [f"{2:024x}", f"{3:024x}"]


def test_a_title_without_shared_words_finds_nothing() -> None:
    titles = parse_titles(stored((1, "Syria talks", 0)))
    assert keyword_hits(titles, [event(2, "The and of"), event(3, "Markets")], DAY, 5, idf) == [
        [],
        [],
    ]
    assert keyword_hits(joined_titles([]), [event(2, "Syria")], DAY, 5, idf) == [[]]
