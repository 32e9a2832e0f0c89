"""Reading a bulk file for `ontheme ingest`: lines, gzip'd or not, into articles or reasons."""

import gzip
import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from pydantic import ValidationError

from shared.articles.convert import describe, to_article
from shared.articles.submitted import MAX_ARTICLE_BYTES, ArticleIn
from shared.contracts.events import Article

GZIP_MAGIC = b"\x1f\x8b"
# The API answers 413 to a request larger than this; one line is one request's body.
MAX_LINE_BYTES = MAX_ARTICLE_BYTES
# Enough of a rejected line to see what is wrong with it, without copying a huge one.
MAX_RAW_CHARS = 10_000
# The shared data sets' own fields, which the API would reject as unknown. `category` and
# `story_id` are GROUND-TRUTH LABELS: they are dropped here, explicitly, so they can never be
# published (the benches score the pipeline against them). `id`, `dataset` and `extra` are
# the data set's bookkeeping: ontheme assigns its own ids. Any other unknown field is rejected,
# as the API rejects it.
LABELS = frozenset({"category", "story_id"})
DATASET_FIELDS = LABELS | {"id", "dataset", "extra"}


def parse_line(line: bytes) -> Article | str:
    """Return the article a line holds, validated as the API validates one, or the reason not."""
    if len(line.rstrip(b"\r\n")) > MAX_LINE_BYTES:
        return f"line longer than {MAX_LINE_BYTES:,} bytes (the API's limit for one article)"
    try:
        row = json.loads(line.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as exc:
        return f"not UTF-8: {exc}"
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    if isinstance(row, dict):
        for name in DATASET_FIELDS:
            row.pop(name, None)
    try:
        return to_article(ArticleIn.model_validate(row))
    except ValidationError as exc:
        return describe(exc)


def reject_record(number: int, reason: str, line: bytes) -> str:
    """Return the JSON line that records a rejected line: its number, the reason, the line."""
    raw = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
    return json.dumps({"line": number, "reason": reason, "raw": raw[:MAX_RAW_CHARS]}) + "\n"


class Source:
    """A JSON Lines file, gzip'd or not (told by its first bytes), read one line at a time."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("rb")
        info = path.stat()
        # Pipes have no size or position: the progress bar then counts rows only.
        self.size = info.st_size if stat.S_ISREG(info.st_mode) else None
        compressed = self.file.peek(2)[:2] == GZIP_MAGIC
        self.stream: io.BufferedIOBase = (
            gzip.GzipFile(fileobj=self.file) if compressed else self.file
        )

    def position(self) -> int:
        """Bytes of the file read so far (compressed bytes for a gzip'd file)."""
        return self.file.tell() if self.size is not None else 0

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Yield each non-blank line with its number (from 1); an overlong one only in part."""
        number = 0
        # Read with a cap, so a file that is one huge line never sits whole in memory.
        while line := self.stream.readline(MAX_LINE_BYTES + 2):
            number += 1
            if not line.endswith(b"\n") and len(line) > MAX_LINE_BYTES:
                self._skip_rest_of_line()
            if line.strip():
                yield number, line

    def _skip_rest_of_line(self) -> None:
        while (part := self.stream.readline(1 << 20)) and not part.endswith(b"\n"):
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stream.close()
        self.file.close()


class Rejects:
    """The side file of rejected lines: replaced on each run, created at the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None

    def add(self, number: int, reason: str, line: bytes) -> None:
        """Record a rejected line."""
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(reject_record(number, reason, line))
        self.count += 1

    def __enter__(self) -> Self:
        # What an earlier run rejected would otherwise pass for this run's rejects.
        self.path.unlink(missing_ok=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()
