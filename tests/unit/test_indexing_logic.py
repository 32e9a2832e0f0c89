from datetime import UTC, datetime

from shared.contracts.documents import to_document, to_documents
from shared.contracts.events import Article, ArticleEnriched, Enrichment, EntityMention

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)


def mention(kind: str, name: str) -> EntityMention:
    return EntityMention.model_validate(
        {"type": kind, "name": name, "mentions": 1, "first_position": 0}
    )


def enriched(title: str, n: int = 1, **enrichment: object) -> ArticleEnriched:
    article = Article(id=f"{n:024x}", title=title, source="AP")
    return ArticleEnriched(
        article=article, enrichment=Enrichment.model_validate(enrichment), ingested_at=WHEN
    )


def test_entity_names_are_listed_by_type_once_each() -> None:
    entities = [
        mention("person", "Janet Yellen"),
        mention("organisation", "Fed"),
        mention("person", "Janet Yellen"),
        mention("place", "Washington"),
        mention("person", "Mario Draghi"),
    ]
    document = to_document(enriched("Fed holds rates", entities=entities))
    assert document["people"] == ["Janet Yellen", "Mario Draghi"]
    assert document["organisations"] == ["Fed"]
    assert document["places"] == ["Washington"]
    assert len(document["entities"]) == 5


def test_an_article_without_entities_has_empty_lists_and_says_it_has_no_vector() -> None:
    document = to_document(enriched("Quiet day"))
    assert (document["people"], document["organisations"], document["places"]) == ([], [], [])
    assert document["_vectors"] == {"article": None}
    assert document["published_ts"] == int(WHEN.timestamp())
    assert "related" not in document
    assert "story_id" not in document


def test_the_last_event_of_a_batch_wins_per_article() -> None:
    documents = to_documents([enriched("First", 1), enriched("Second", 1), enriched("Other", 2)])
    assert [d["title"] for d in documents] == ["Second", "Other"]
