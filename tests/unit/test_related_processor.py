"""The related orchestration of a batch, on in-memory stores and the shipped same-event model."""

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.related.candidate_query import CandidateQuery
from services.related.evidence import load_model
from services.related.processor import RelatedProcessor, Rules
from services.related.stories import StoryRules
from shared.contracts.events import Article, ArticleEnriched, Enrichment, EntityMention
from tests.fixtures.related_fakes import FakeIndex, FakeLists, FakeStories

WHEN = datetime(2014, 3, 10, 12, tzinfo=UTC)
MODEL = load_model()
RULES = Rules(
    query=CandidateQuery(candidates=20, window_days=4),
    model=MODEL,
    stories=StoryRules(MODEL.join_probability, MODEL.merge_probability),
    min_score=0.05,
    limit=10,
)


class System:
    """The processor on fakes, which the indexing service feeds first, as in production."""

    def __init__(self) -> None:
        self.index = FakeIndex(window_s=4 * 86_400)
        self.stories, self.lists = FakeStories(), FakeLists()
        self.processor = RelatedProcessor(self.index, self.stories, self.lists, RULES)

    async def process(self, *events: ArticleEnriched) -> None:
        self.index.index(list(events))
        await self.processor.process(list(events))

    def story_ids(self, *events: ArticleEnriched) -> set[str]:
        return {self.index.articles[e.article.id]["story_id"] for e in events}

    def related(self, event: ArticleEnriched) -> list[str]:
        return [link.id for link in self.lists.of(event.article.id)]

    def held(self) -> list[Any]:
        """Everything the fakes hold, to compare before and after."""
        held = [self.index.articles, self.index.stories, self.lists.lists]
        return copy.deepcopy([*held, self.stories.story_of, self.stories.stories])


def article(
    n: int, title: str, people: list[str], vector: list[float], minutes: int, source: str
) -> ArticleEnriched:
    published = WHEN + timedelta(minutes=minutes)
    entities = [EntityMention(type="person", name=p, mentions=1, first_position=0) for p in people]
    return ArticleEnriched(
        article=Article(id=f"{n:024x}", title=title, published_at=published, source=source),
        enrichment=Enrichment(
            entities=entities, keywords=[p.lower() for p in people], embedding=vector
        ),
        ingested_at=WHEN,
    )


RATES = ["Janet Yellen", "Federal Reserve"]
FED_HOLDS = article(1, "Yellen says Fed holds interest rates steady", RATES, [1, 0, 0], 0, "AP")
FED_KEEPS = article(
    2, "Fed chair Yellen keeps interest rates on hold", RATES, [1, 0.1, 0], 30, "BBC"
)
IPHONE = article(3, "Apple unveils iPhone with a larger screen", ["Tim Cook"], [0, 0, 1], 20, "CNN")


async def test_two_articles_of_one_event_in_a_batch_make_one_story_and_list_each_other() -> None:
    system = System()
    await system.process(FED_KEEPS, FED_HOLDS)
    assert system.story_ids(FED_HOLDS, FED_KEEPS) == {FED_HOLDS.article.id}  # the older one's
    assert system.related(FED_HOLDS) == [FED_KEEPS.article.id]
    assert system.related(FED_KEEPS) == [FED_HOLDS.article.id]
    story = system.index.stories[FED_HOLDS.article.id]
    assert (story["article_count"], story["sources"]) == (2, ["AP", "BBC"])


async def test_a_batch_processed_again_changes_nothing() -> None:
    system = System()
    await system.process(FED_HOLDS, FED_KEEPS, IPHONE)
    before = system.held()
    await system.process(FED_HOLDS, FED_KEEPS, IPHONE)
    await system.process(FED_KEEPS, FED_KEEPS)  # redelivered within a batch too
    assert system.held() == before


async def test_an_unrelated_article_starts_its_own_story_with_an_empty_list() -> None:
    system = System()
    await system.process(FED_HOLDS, FED_KEEPS)
    await system.process(IPHONE)
    assert system.story_ids(IPHONE) == {IPHONE.article.id}
    assert system.related(IPHONE) == []
    assert IPHONE.article.id not in system.related(FED_HOLDS) + system.related(FED_KEEPS)
    assert system.index.stories[IPHONE.article.id]["article_count"] == 1
    assert system.index.stories[FED_HOLDS.article.id]["article_count"] == 2


# Two reports of one decision too unalike to join, and one that names what both say.
COSINE = 0.31  # between the two; the bridge is as close to each (0.81)
RATES_HOLD = article(
    4, "Yellen says Fed holds interest rates steady", ["Janet Yellen", "Washington"],
    [1, 0, 0], 0, "AP",
)  # fmt: skip
COSTS_UNCHANGED = article(
    5, "Central bank leaves borrowing costs unchanged", ["Federal Reserve"],
    [COSINE, (1 - COSINE**2) ** 0.5, 0], 30, "BBC",
)  # fmt: skip
BOTH = article(
    6, "Yellen says Fed holds interest rates steady, leaves borrowing costs unchanged",
    ["Janet Yellen", "Washington", "Federal Reserve"], [0.81, 0.5878, 0], 60, "CNN",
)  # fmt: skip


async def test_an_article_bridging_two_stories_merges_them_into_the_older() -> None:
    system = System()
    await system.process(RATES_HOLD)
    await system.process(COSTS_UNCHANGED)
    kept, merged = RATES_HOLD.article.id, COSTS_UNCHANGED.article.id
    assert system.story_ids(RATES_HOLD, COSTS_UNCHANGED) == {kept, merged}
    await system.process(BOTH)
    assert system.story_ids(RATES_HOLD, COSTS_UNCHANGED, BOTH) == {kept}
    assert system.index.stories[merged] == {"id": merged, "merged_into": kept}
    story = system.index.stories[kept]
    assert (story["article_count"], story["sources"]) == (3, ["AP", "BBC", "CNN"])
    assert set(system.related(BOTH)) == {kept, merged}
    stories_of = await system.stories.stories_of([kept, merged, BOTH.article.id])
    assert set(stories_of.values()) == {kept}


@pytest.mark.parametrize("first", [RATES_HOLD, COSTS_UNCHANGED])
async def test_the_merged_story_is_the_same_whichever_report_came_first(
    first: ArticleEnriched,
) -> None:
    system = System()
    second = COSTS_UNCHANGED if first is RATES_HOLD else RATES_HOLD
    await system.process(first)
    await system.process(second)
    await system.process(BOTH)
    assert system.story_ids(RATES_HOLD, COSTS_UNCHANGED, BOTH) == {RATES_HOLD.article.id}
