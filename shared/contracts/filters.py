"""Meilisearch filter expressions from an allow-list of fields, with quoted values.

User input never becomes filter syntax: every value is a double-quoted string literal with
backslashes and quotes escaped, and field names must be on the allow-list.
"""

from collections.abc import Iterable

from shared.contracts.index_schema import FILTERABLE, STORIES_SETTINGS

# The articles index's filterable fields and the stories index's.
_ALLOWED = frozenset(FILTERABLE) | frozenset(STORIES_SETTINGS["filterableAttributes"])


class FilterError(ValueError):
    """A filter asked for a field that is not filterable."""


def _field(name: str) -> str:
    if name not in _ALLOWED:
        raise FilterError(f"field {name!r} is not filterable")
    return name


def quote(value: str | int) -> str:
    """Return `value` as a Meilisearch string literal."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def equals(field: str, value: str) -> str:
    """Return `field = "value"`."""
    return f"{_field(field)} = {quote(value)}"


def not_equals(field: str, value: str) -> str:
    """Return `field != "value"`."""
    return f"{_field(field)} != {quote(value)}"


def any_of(field: str, values: Iterable[str]) -> str:
    """Return `field IN ["a", "b"]`."""
    return f"{_field(field)} IN [{', '.join(quote(v) for v in values)}]"


def exists(field: str) -> str:
    """Return `field EXISTS`: documents that have the field, whatever its value."""
    return f"{_field(field)} EXISTS"


def missing(field: str) -> str:
    """Return `field NOT EXISTS`: documents without the field."""
    return f"{_field(field)} NOT EXISTS"


def at_least(field: str, value: int) -> str:
    """Return `field >= value` for a numeric field."""
    return f"{_field(field)} >= {int(value)}"


def at_most(field: str, value: int) -> str:
    """Return `field <= value` for a numeric field."""
    return f"{_field(field)} <= {int(value)}"


def all_of(clauses: Iterable[str]) -> str | None:
    """Join clauses with AND, each in parentheses; None when there are none."""
    parts = [f"({clause})" for clause in clauses]
    return " AND ".join(parts) or None
