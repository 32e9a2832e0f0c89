"""deploy/Dockerfile and .dockerignore, checked against pyproject.toml and the repository."""

import shlex
import tomllib

import pytest

from deploy.native.stack import MALLOC_ARENA_MAX, service_env
from tests.unit.compose_support import ROOT
from tests.unit.dockerfile_support import (
    BASE_IMAGE,
    dockerfile_stages,
    dockerignored,
    pip_install_targets,
    without_flags,
)

# --- deploy/Dockerfile ------------------------------------------------------------------------


def test_every_stage_builds_on_python_3_11_slim() -> None:
    for stage in dockerfile_stages():
        image = without_flags(stage[0].args)[0]
        assert image == BASE_IMAGE, f"deploy/Dockerfile: FROM {image}; expected {BASE_IMAGE}"


def test_the_image_runs_as_a_non_root_user_unbuffered_with_no_service_baked_in() -> None:
    final = dockerfile_stages()[-1]
    users = [i.args for i in final if i.keyword == "USER"]
    assert users, "deploy/Dockerfile: the final stage has no USER, so it runs as root"
    user = users[-1].partition(":")[0]
    assert user not in {"root", "0"}, f"deploy/Dockerfile: USER {users[-1]} is root"
    env = " ".join(shlex.split(" ".join(i.args for i in final if i.keyword == "ENV")))
    assert "PYTHONUNBUFFERED=1" in env, "deploy/Dockerfile: set ENV PYTHONUNBUFFERED=1"
    arenas = f"MALLOC_ARENA_MAX={MALLOC_ARENA_MAX}"
    assert arenas in env, f"deploy/Dockerfile: set ENV {arenas}, as make run does"
    baked = [
        f"{i.keyword} {i.args}"
        for stage in dockerfile_stages()
        for i in stage
        if i.keyword in {"CMD", "ENTRYPOINT"} and "services." in i.args
    ]
    assert not baked, f"deploy/Dockerfile: compose picks the service; drop {baked}"


def test_the_image_installs_the_project_from_its_pyproject() -> None:
    runs = [i.args for stage in dockerfile_stages() for i in stage if i.keyword == "RUN"]
    assert any("." in targets for run in runs for targets in pip_install_targets(run)), (
        "deploy/Dockerfile: no `pip install .` installs the project"
    )
    assert all("--no-cache-dir" in run for run in runs if "pip install" in run), (
        "deploy/Dockerfile: give every `pip install` --no-cache-dir"
    )


def test_the_dockerfile_copies_what_the_project_needs_from_the_repository_root() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {pattern.rstrip("*").rstrip(".") for pattern in packages}
    copied: set[str] = set()
    for stage in dockerfile_stages():
        for instruction in stage:
            if instruction.keyword != "COPY" or "--from=" in instruction.args:
                continue
            sources = without_flags(instruction.args)[:-1]
            for source in sources:
                path = source.removeprefix("./").rstrip("/") or "."
                assert (ROOT / path).exists(), f"deploy/Dockerfile copies {source}: not in the repo"
                assert path == "." or not dockerignored(path), (
                    f"deploy/Dockerfile copies {source}, which .dockerignore excludes"
                )
                copied.add(path)
    missing = needed - copied if "." not in copied else set()
    assert not missing, (
        f"deploy/Dockerfile does not copy {sorted(missing)}, needed by pip install ."
    )


# --- .dockerignore ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".data/local.env",
        ".venv/bin/python",
        ".cache/meilisearch",
        ".git/HEAD",
        "tests/artifacts/run.log",
        "shared/__pycache__/settings.cpython-311.pyc",
        "services/ingest/__pycache__/app.cpython-311.pyc",
        "ontheme.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_secrets_environments_and_caches_out(path: str) -> None:
    assert dockerignored(path), f".dockerignore lets {path} into the build context"


def test_dockerignore_keeps_every_project_file_in() -> None:
    project_files = [
        path.relative_to(ROOT).as_posix()
        for top in ("shared", "services", "deploy")
        for path in (ROOT / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    excluded = [
        path for path in ["pyproject.toml", "README.md", *project_files] if dockerignored(path)
    ]
    assert not excluded, f".dockerignore keeps project files out of the image: {excluded}"


def test_make_run_bounds_the_services_malloc_arenas_as_the_image_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    env = service_env({}, ingest_port=1, search_port=2)
    assert env["MALLOC_ARENA_MAX"] == MALLOC_ARENA_MAX
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # the operator's own value wins
    assert service_env({}, ingest_port=1, search_port=2)["MALLOC_ARENA_MAX"] == "4"
