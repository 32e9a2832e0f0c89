from datetime import UTC, datetime

import numpy as np

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


def test_the_vector_goes_to_meilisearch_as_the_wires_int8_steps_pointing_the_same_way() -> None:
    rng = np.random.default_rng(7)
    floats = rng.normal(size=512)
    # As the indexing worker reads it: quantised on the wire (shared.contracts.vectors.pack).
    event = enriched("Fed holds rates", embedding=(floats / np.linalg.norm(floats)).tolist())
    event = ArticleEnriched.model_validate_json(event.model_dump_json())
    sent = to_document(event)["_vectors"]["article"]
    assert all(isinstance(step, int) and -127 <= step <= 127 for step in sent)
    assert max(abs(step) for step in sent) == 127
    wire = np.asarray(event.enrichment.embedding)
    cosine = float(np.dot(sent, wire) / (np.linalg.norm(sent) * np.linalg.norm(wire)))
    assert cosine > 0.999_999
    assert (np.sign(sent) == np.sign(wire)).all()  # what Meilisearch's bits keep


def test_an_article_without_entities_has_empty_lists_and_says_it_has_no_vector() -> None:
    document = to_document(enriched("Quiet day"))
    assert (document["people"], document["organisations"], document["places"]) == ([], [], [])
    assert document["_vectors"] == {"article": None}
    assert document["published_ts"] == int(WHEN.timestamp())
    assert "related" not in document
    assert "story_id" not in document


def test_the_last_event_of_a_batch_wins_per_article() -> None:
    documents = to_documents(
        [enriched("First", 1), enriched("Second", 1), enriched("Other", 2)], vectors=True
    )
    assert [d["title"] for d in documents] == ["Second", "Other"]


def test_without_hybrid_search_a_document_carries_no_vector() -> None:
    embedded = enriched("Fed holds rates", embedding=[0.6, 0.8])
    assert "_vectors" not in to_document(embedded, vectors=False)
    assert all("_vectors" not in d for d in to_documents([embedded], vectors=False))
