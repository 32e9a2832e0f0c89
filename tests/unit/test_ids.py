from datetime import UTC, datetime

import pytest

from shared.contracts.ids import article_id, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b?x=1#frag", "http://example.com/a/b?x=1"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/p", "https://example.com:8443/p"),
        ("https://example.com", "https://example.com/"),
        ("https://ex.com/p?utm_source=tw&b=2&a=1&fbclid=z&gclid=q", "https://ex.com/p?a=1&b=2"),
        ("https://ex.com/p?UTM_Medium=x&id=7", "https://ex.com/p?id=7"),
        ("https://ex.com/Case/Path", "https://ex.com/Case/Path"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_article_id_is_stable_and_follows_the_canonical_url() -> None:
    a = article_id(
        canonical=canonical_url("https://ex.com/a?utm_x=1"),
        source=None,
        title="T",
        published_at=None,
    )
    b = article_id(
        canonical=canonical_url("https://EX.com/a#top"),
        source="Other",
        title="U",
        published_at=None,
    )
    assert a == b
    assert len(a) == 24
    assert all(c in "0123456789abcdef" for c in a)


def test_article_id_without_url_uses_source_title_and_time() -> None:
    when = datetime(2014, 3, 10, 16, 52, tzinfo=UTC)
    base = article_id(canonical=None, source="Reuters", title="Fed  holds rates", published_at=when)
    same = article_id(canonical=None, source="reuters", title="fed holds rates", published_at=when)
    other_source = article_id(
        canonical=None, source="AP", title="Fed holds rates", published_at=when
    )
    other_time = article_id(
        canonical=None, source="Reuters", title="Fed holds rates", published_at=None
    )
    assert base == same
    assert len({base, other_source, other_time}) == 3
