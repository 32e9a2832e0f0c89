"""Enrichment steps over a batch: one bad article never sinks the rest; what text each reads."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from shared.contracts.events import Article

T = TypeVar("T")
R = TypeVar("R")
log = structlog.stdlib.get_logger(__name__)
LANGUAGE_BODY_CHARS = 1000


@dataclass(frozen=True)
class Failed:
    """A step failed for one article; the reason goes into `skipped`."""

    reason: str


@dataclass
class Draft:
    """An article's enrichment while its steps run."""

    article: Article
    fields: dict[str, Any] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def record(self, step: str, outcome: object, **fields: Any) -> None:
        """Store a step's fields, or its failure reason."""
        if isinstance(outcome, Failed):
            self.skipped[step] = outcome.reason
            return
        self.fields.update(fields)
        self.ran.append(step)


def guarded(
    step: str,
    run: Callable[[list[T]], Sequence[R]],
    items: list[T],
    article_ids: Sequence[str] | None = None,
) -> list[R | Failed]:
    """Run `run` on the batch; if it raises, once per item, so only the bad ones fail."""
    if not items:
        return []
    try:
        return list(run(items))
    except Exception:  # noqa: BLE001 - any model error: retry item by item below
        log.warning("enrichment step failed on a batch; retrying one by one", step=step)
    results: list[R | Failed] = []
    for n, item in enumerate(items):
        try:
            results.extend(run([item]))
        except Exception as exc:  # noqa: BLE001 - recorded as the article's skip reason
            # `article_ids` (one per item) name the article, and so its trace, in the log line.
            article_id = article_ids[n] if article_ids else None
            log.warning("enrichment step failed", step=step, error=repr(exc), article_id=article_id)
            results.append(Failed(f"{step} failed: {type(exc).__name__}: {exc}"[:300]))
    return results


def language_text(article: Article) -> str:
    """Title, description and the start of the body: enough to tell the language."""
    body = (article.body or "")[:LANGUAGE_BODY_CHARS]
    return " ".join(p for p in (article.title, article.description or "", body) if p)


def full_text(article: Article) -> str:
    """Title, a blank line, then the body or else the description (entity offsets use it)."""
    rest = article.body or article.description or ""
    return f"{article.title}\n\n{rest}" if rest else article.title


def keyword_text(article: Article) -> str:
    """Title as a sentence of its own, then the text, so no phrase spans the two."""
    rest = article.body or article.description or ""
    title = article.title.rstrip()
    ending = "" if title.endswith((".", "!", "?")) else "."
    return f"{title}{ending} {rest}" if rest else title


def embedding_text(article: Article, lede: str) -> str:
    """Title and lede: what the article is about, within any model's input length."""
    text = f"{article.title}. {lede}" if lede else article.title
    # Lone surrogates (valid in JSON escapes, invalid in UTF-8) break tokenizers.
    return text.encode("utf-8", "replace").decode("utf-8")
