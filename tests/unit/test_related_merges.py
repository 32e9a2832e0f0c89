from services.related.merges import alias_documents, with_moves


def test_moves_fold_into_the_batch_updates_one_per_document() -> None:
    updates = [{"id": "a", "related": [], "story_id": "s1"}, {"id": "b", "related": []}]
    moves = [{"id": "b", "story_id": "s1"}, {"id": "c", "story_id": "s1"}]
    assert with_moves(updates, moves) == [
        {"id": "a", "related": [], "story_id": "s1"},
        {"id": "b", "related": [], "story_id": "s1"},
        {"id": "c", "story_id": "s1"},
    ]


def test_a_merged_story_leaves_a_document_that_names_where_it_went() -> None:
    assert alias_documents([("s2", "s1")]) == [{"id": "s2", "merged_into": "s1"}]
