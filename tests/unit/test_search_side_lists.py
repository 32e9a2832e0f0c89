from services.search.articles import article_view, display_request
from services.search.side_lists import (
    ThemeWindow,
    more_on_theme_request,
    related_articles,
    theme_articles,
    top_themes,
)
from shared.stories.related_lists import Link

A, B, C = "a" * 24, "b" * 24, "c" * 24
INJECTION = 'x" OR source = "y'


def hit(article_id: str, title: str = "T", **extra: object) -> dict[str, object]:
    return {"id": article_id, "title": title, "url": None, "source": "AP", **extra}


def test_article_view_has_no_stored_list_fields() -> None:
    view = article_view({"id": A, "title": "T", "related": [{"id": B, "score": 0.5}]})
    assert view is not None
    assert "related" not in view.model_dump()  # GET /articles/{id}/related reads Redis


def test_display_fields_come_in_one_request_with_quoted_ids() -> None:
    request = display_request([A, INJECTION])
    assert request["filter"] == f'id IN ["{A}", "x\\" OR source = \\"y"]'
    assert request["limit"] == 2
    assert request["attributesToRetrieve"] == [
        "id", "title", "url", "source", "published_at", "story_id"
    ]  # fmt: skip


def test_related_keeps_the_stored_order_and_drops_the_gone() -> None:
    links = [Link(A, 0.9, 0.7), Link(B, 0.8, 0.5), Link(C, 0.7, 0.2, ("Fed",), ("rates",))]
    hits = [hit(C, "Gamma"), hit(A, "Alpha"), hit(B, "")]  # B: not indexed (no title)
    related = related_articles(links, hits, 10)
    assert [(r.id, r.title, r.score) for r in related] == [(A, "Alpha", 0.9), (C, "Gamma", 0.7)]
    assert related[0].reasons == ["similar text"]
    assert related[1].reasons == ["shared entities: Fed", "shared keywords: rates"]
    assert not any(r.same_story for r in related)
    assert [r.id for r in related_articles(links, hits, 1)] == [A]


def test_links_into_the_articles_story_as_it_stands_are_same_story_and_come_first() -> None:
    links = [Link(A, 0.9, 0.7), Link(B, 0.8, 0.3), Link(C, 0.5, 0.3)]
    hits = [
        {**hit(A, "Alpha"), "story_id": "s9"},
        {**hit(B, "Beta"), "story_id": "s1"},
        {**hit(C, "Gamma"), "story_id": "s1"},
    ]
    related = related_articles(links, hits, 10, story_id="s1")  # B's story merged into s1
    assert [(r.id, r.same_story) for r in related] == [(B, True), (C, True), (A, False)]
    assert related[0].reasons == ["same story"]
    assert [r.same_story for r in related_articles(links, hits, 10)] == [False] * 3


def test_more_on_theme_request() -> None:
    article = {"id": A, "primary_theme": "sport", "published_ts": 100_000}
    request = more_on_theme_request(article, 5, ThemeWindow(before_s=50_000, after_s=600))
    assert request is not None
    assert request["filter"] == (
        f'(themes IN ["sport"]) AND (id != "{A}") '
        "AND (published_ts >= 50000) AND (published_ts <= 100600)"
    )
    assert request["distinct"] == "story_id"
    assert request["sort"] == ["published_ts:desc"]
    assert request["limit"] == 5
    assert "story_id" in request["attributesToRetrieve"]


def test_more_on_theme_matches_every_top_level_theme_of_the_article() -> None:
    scores = [
        {"slug": "politics", "level": 1},
        {"slug": "conflict", "level": 1},
        {"slug": "war", "level": 2},
        "junk",
    ]
    article = {"id": A, "primary_theme": "politics", "theme_scores": scores}
    assert top_themes(article) == ["politics", "conflict"]
    request = more_on_theme_request(article, 5)
    assert request is not None
    assert request["filter"].startswith('(themes IN ["politics", "conflict"])')


def test_more_on_theme_without_a_theme_or_a_time() -> None:
    assert more_on_theme_request({"id": A, "primary_theme": None}, 5) is None
    assert more_on_theme_request({"id": A}, 5) is None
    request = more_on_theme_request({"id": A, "primary_theme": "sport"}, 5)
    assert request is not None
    assert "published_ts" not in request["filter"]


def test_a_stored_theme_never_becomes_filter_syntax() -> None:
    request = more_on_theme_request({"id": INJECTION, "primary_theme": INJECTION}, 5)
    assert request is not None
    assert request["filter"] == (
        '(themes IN ["x\\" OR source = \\"y"]) AND (id != "x\\" OR source = \\"y")'
    )


def test_theme_articles_mark_the_article_own_story_with_its_size_and_outlets() -> None:
    hits = [hit(B, story_id="s1"), hit(C, story_id="s2"), hit(A, story_id=None), hit(A, "")]
    stories = {"s1": {"id": "s1", "article_count": 4, "sources": ["AP", "BBC", "Reuters"]}}
    items = theme_articles(hits, "s1", stories)
    assert [(i.id, i.story_id, i.same_story, i.story_size) for i in items] == [
        (B, "s1", True, 4),
        (C, "s2", False, 1),
        (A, None, False, 1),
    ]
    assert items[0].other_sources == ["BBC", "Reuters"]
    assert not any(i.same_story for i in theme_articles(hits, None))
