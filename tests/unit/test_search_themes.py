from services.search.themes import theme_articles_request, theme_list
from shared.contracts.themes import load_taxonomy


def test_every_topic_is_listed_top_level_first_with_its_count() -> None:
    taxonomy = load_taxonomy()
    themes = theme_list(taxonomy, {"sport": 3}, None)
    assert len(themes) == len(taxonomy.topics)
    assert [t.level for t in themes] == sorted(t.level for t in themes)
    assert next(t for t in themes if t.slug == "sport").article_count == 3
    assert all(t.article_count == 0 for t in themes if t.slug != "sport")


def test_one_level_only() -> None:
    themes = theme_list(load_taxonomy(), {}, 1)
    assert len(themes) == 17
    assert {t.level for t in themes} == {1}


def test_theme_articles_come_newest_first_filtered_by_the_quoted_slug() -> None:
    request = theme_articles_request("sport", 20, 40)
    assert request["filter"] == 'themes = "sport"'
    assert request["sort"] == ["published_ts:desc"]
    assert (request["page"], request["hitsPerPage"]) == (3, 20)
