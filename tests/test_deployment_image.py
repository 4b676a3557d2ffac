"""The container image definition (Containerfile), checked without a container engine: every
file it copies exists and is not excluded from the build context, it builds the frontend the way
scripts/build-frontend.sh does, runs as an unprivileged user, serves on all interfaces of the
container and keeps the migrations where `joinedup migrate` finds them."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Containerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def test_every_file_the_image_copies_is_in_the_build_context() -> None:
    copies = [rest for word, rest in _instructions() if word == "COPY" and "--from=" not in rest]
    assert copies
    for rest in copies:
        *sources, _dest = shlex.split(rest)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not _ignored(source), f"{source} is excluded by .dockerignore"


def test_the_build_context_leaves_out_local_state() -> None:
    for local in (".git", ".venv", "node_modules", "joinedup.db", ".env", "src/joinedup/web/static/vendor"):
        assert _ignored(local), local


def test_the_image_runs_the_server_unprivileged_with_its_frontend_and_migrations() -> None:
    steps = _instructions()
    words = [word for word, _ in steps]
    assert words.count("FROM") == 2
    assert "python:3.11" in steps[[i for i, w in enumerate(words) if w == "FROM"][1]][1]  # Python 3.11 exactly
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert "./scripts/build-frontend.sh" in runs and 'pip install ".[postgres]"' in runs
    assert any(word == "COPY" and "--from=frontend" in rest and "static/vendor" in rest for word, rest in steps)
    user = [rest for word, rest in steps if word == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN")  # nothing runs as root after
    cmd = next(rest for word, rest in reversed(steps) if word == "CMD")
    assert re.search(r'"joinedup", "serve", "--host", "0\.0\.0\.0"', cmd)
    workdir = next(rest for word, rest in steps if word == "WORKDIR" and rest.startswith("/app"))
    copied = {
        source for word, rest in steps if word == "COPY" and "--from=" not in rest for source in shlex.split(rest)[:-1]
    }
    assert {"alembic.ini", "migrations", "src", "pyproject.toml"} <= copied
    assert workdir == "/app"
    env = " ".join(rest for word, rest in steps if word == "ENV")
    assert "JOINEDUP_ENVIRONMENT=production" in env
