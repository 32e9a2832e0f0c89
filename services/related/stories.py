"""Stories: which articles tell the same event. Plain functions, no I/O.

An article joins the story of its likeliest same-event candidate (evidence.py: shared rare words
and entities, close text and time, learned from labelled dev pairs) when that probability
reaches the learned threshold, else starts a story of its own, named by its id. Precision
first: topic likeness alone does not reach the threshold. A replay gives the same answer.

Stories merge as evidence arrives: an article at least `merge_probability` likely the same event
as members of two stories makes them one (both thresholds learned together, models/README.md).
The merged story's id stays an alias of the one it went into, so it keeps answering.

Single link (the best member) beat the mean over a story's members on UCI and ECB+ dev: on the
newest UCI window B-cubed F1 0.81 against 0.78 (bench/related_quality.py, models/README.md).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from services.related.scoring import Match
from shared.contracts.events import ArticleEnriched
from shared.stories.records import resolve

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class StoryRules:
    """When an article joins a story."""

    join_probability: float = 0.8
    # An article this likely the same event as members of two stories merges them; 1.0 never.
    merge_probability: float = 1.0


@dataclass(frozen=True)
class Arrival:
    """An article to place in a story, with its scored candidates (id, same-event probability)."""

    id: str
    published_ts: int
    candidates: list[tuple[str, float]]


def choose_story(
    candidates: Iterable[tuple[str, float]],
    story_of: Mapping[str, str],
    rules: StoryRules,
    aliases: Mapping[str, str] | None = None,
) -> str | None:
    """Return the story of the likeliest candidate at or above the threshold, or None."""
    best: tuple[float, str] | None = None
    for other, probability in candidates:
        story = story_of.get(other)
        if story is not None and probability >= rules.join_probability:
            story = resolve(story, aliases or {})
            best = max(best or (probability, story), (probability, story))
    return None if best is None else best[1]


def bridged(
    candidates: Iterable[tuple[str, float]],
    story_of: Mapping[str, str],
    rules: StoryRules,
    aliases: Mapping[str, str],
) -> list[str]:
    """Return the distinct stories (sorted) with a member at or above the merge threshold."""
    return sorted(
        {
            resolve(story_of[other], aliases)
            for other, probability in candidates
            if probability >= max(rules.merge_probability, rules.join_probability)
            and other in story_of
        }
    )


@dataclass
class StoryPlan:
    """What a batch does to stories: where each new article goes, and which stories merge."""

    placed: dict[str, str] = field(default_factory=dict)
    merges: list[tuple[str, str]] = field(default_factory=list)  # (merged, into), in order


def plan_stories(
    arrivals: list[Arrival],
    story_of: dict[str, str],
    rules: StoryRules,
    aliases: dict[str, str] | None = None,
) -> StoryPlan:
    """Place each new article, oldest first, and merge the stories it bridges.

    `story_of` and `aliases` (merged story -> the story it went into) are updated as it goes,
    so articles of one batch see the ones placed before them. Articles that already have a
    story (a replay) keep it, and still merge what they bridge: a merge is idempotent.
    """
    aliases = {} if aliases is None else aliases
    plan = StoryPlan()
    for arrival in sorted(arrivals, key=lambda a: (a.published_ts, a.id)):
        if arrival.id not in story_of:
            story_id = choose_story(arrival.candidates, story_of, rules, aliases) or arrival.id
            story_of[arrival.id] = plan.placed[arrival.id] = story_id
        into = resolve(story_of[arrival.id], aliases)
        for other in bridged(arrival.candidates, story_of, rules, aliases):
            if other != into:
                aliases[other] = into
                plan.merges.append((other, into))
    return plan


def arrival_of(event: ArticleEnriched, matches: list[Match]) -> Arrival:
    """Return what placing an article in a story needs of it."""
    return Arrival(
        id=event.article.id,
        published_ts=event.timestamp,
        candidates=[(m.id, m.score) for m in matches],
    )
