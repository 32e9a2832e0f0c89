"""deploy/Dockerfile and .dockerignore, read the way Docker reads them."""

import functools
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from tests.unit.compose_support import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
BASE_IMAGE = "python:3.11-slim"


# --- deploy/Dockerfile ------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    args: str


@functools.cache
def dockerfile_stages() -> tuple[tuple[Instruction, ...], ...]:
    """The Dockerfile's stages, each a tuple of instructions starting with its FROM."""
    assert DOCKERFILE.is_file(), "deploy/Dockerfile is missing"
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    stages: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append([])
        assert stages, f"deploy/Dockerfile: {instruction.keyword} before the first FROM"
        stages[-1].append(instruction)
    assert stages, "deploy/Dockerfile has no FROM"
    return tuple(tuple(stage) for stage in stages)


def without_flags(args: str) -> list[str]:
    return [word for word in shlex.split(args) if not word.startswith("--")]


# pip options followed by a value, and shell redirections followed by a file name.
_TAKES_A_VALUE = {"-r", "--requirement", "-c", "--constraint", "-t", "--target", ">", ">>", "<"}


def pip_install_targets(run: str) -> Iterator[list[str]]:
    """The positional arguments of each `pip install` in a RUN command."""
    lexer = shlex.shlex(run, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in {"&&", "||", ";", "|", "&"}:
            commands.append([])
        else:
            commands[-1].append(token)
    for words in commands:
        for index in range(len(words) - 1):
            if words[index].endswith("pip") and words[index + 1] == "install":
                targets, skip = [], False
                for word in words[index + 2 :]:
                    if skip:
                        skip = False
                    elif word in _TAKES_A_VALUE:
                        skip = True
                    elif not word.startswith("-"):
                        targets.append(word)
                yield targets


# --- .dockerignore ----------------------------------------------------------------------------


_IGNORE_SPECIAL = re.compile(r"\*\*/|\*\*|\*|\?|\[[^\]]*\]|.", re.DOTALL)


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression (Go filepath.Match plus `**`)."""
    parts = []
    for token in _IGNORE_SPECIAL.findall(pattern.strip("/")):
        if token == "**/":
            parts.append("(?:.*/)?")
        elif token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        elif token.startswith("[") and len(token) > 1:
            parts.append("[" + token[1:-1].replace("^", r"\^", 1).replace("!", "^", 1) + "]")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts))


@functools.cache
def dockerignore_rules() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    """(is an exception, pattern) per line of .dockerignore."""
    assert DOCKERIGNORE.is_file(), ".dockerignore is missing"
    rules = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            exception = line.startswith("!")
            rules.append((exception, _ignore_regex(line.removeprefix("!").strip())))
    return tuple(rules)


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (last match wins; a
    pattern matching a parent directory matches the path, as in Docker)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    ignored = False
    for exception, regex in dockerignore_rules():
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not exception
    return ignored
