"""What a reader's page asks for in its query string: which page, and which search."""

from pydantic import ValidationError

from services.search.schemas import SearchParams

PER_PAGE = 10
MAX_PAGE = 1_000
# What the search page's links and forms carry from one page to the next.
KEPT = ("q", "theme", "source", "entity", "entity_type", "since", "until", "sort")


def page_number(raw: str | None) -> int:
    """Return the 1-based page number asked for; anything unreadable is page 1."""
    number = int(raw) if raw and raw.isdigit() else 1
    return min(max(number, 1), MAX_PAGE)


def last_page(total: int) -> int:
    """Return the number of the last page for `total` results (1 when there are none)."""
    return max(1, -(-total // PER_PAGE))


def offset(page: int) -> int:
    """Return the index of the first result on `page`."""
    return (page - 1) * PER_PAGE


def search_params(query: dict[str, str], page: int) -> SearchParams:
    """Return the search the page's query string asks for; ValidationError when it is bad."""
    kept = {k: v for k, v in query.items() if k in KEPT and v != ""}
    return SearchParams.model_validate({**kept, "limit": PER_PAGE, "offset": offset(page)})


def carried(query: dict[str, str]) -> dict[str, str]:
    """Return what of the query string the page's links and forms carry on."""
    return {k: query[k] for k in KEPT if query.get(k)}


def problems(exc: ValidationError) -> str:
    """Return a validation error as one line a reader can act on."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
