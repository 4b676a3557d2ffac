"""scripts/demo.sh as a newcomer meets it: --help answers without installing anything, and a
missing prerequisite is one line naming it and how to get it, before anything is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON311 = Path(sys.executable).resolve()  # the test run's own interpreter is 3.11
TOOLS = ("bash", "cat", "cksum", "tail", "dirname", "cp", "mkdir", "chmod")


def _checkout(tmp_path: Path) -> Path:
    """A copy of the scripts in an empty project folder (nothing installed, no .venv)."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    for name in ("demo.sh", "prerequisites.sh", "build-frontend.sh"):
        shutil.copy2(ROOT / "scripts" / name, project / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def _bin(tmp_path: Path, **extra: str | Path) -> Path:
    """A PATH holding only a shell and a few tools, plus `extra` (name -> program or script text)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    for name, program in extra.items():
        if isinstance(program, Path):
            (folder / name).symlink_to(program)
        else:
            (folder / name).write_text(program)
            (folder / name).chmod(0o755)
    return folder


def _run(project: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(path), "HOME": str(project), "LANG": "C.UTF-8"}
    bash = str(path / "bash")
    return subprocess.run(
        [bash, str(project / "scripts" / "demo.sh"), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_answers_without_installing_anything(tmp_path: Path, flag: str) -> None:
    project = _checkout(tmp_path)
    done = _run(project, _bin(tmp_path), flag)  # no Python, no Node on the PATH
    assert done.returncode == 0, done.stderr
    assert "Usage: ./scripts/demo.sh" in done.stdout
    for option in ("--host", "--port", "--no-simulate", "Python 3.11", "Node.js"):
        assert option in done.stdout
    assert not (project / ".venv").exists()
    assert done.stderr == ""


def test_missing_python_and_node_are_one_line_each_naming_them_and_how_to_get_them(tmp_path: Path) -> None:
    project = _checkout(tmp_path)
    done = _run(project, _bin(tmp_path))
    assert done.returncode == 1
    lines = _lines(done.stderr)
    python = [line for line in lines if "Python 3.11" in line]
    node = [line for line in lines if "Node.js" in line]
    assert len(python) == 1 and "python.org" in python[0]
    assert len(node) == 1 and "nodejs.org" in node[0]
    assert not (project / ".venv").exists()


def test_the_wrong_python_version_is_named(tmp_path: Path) -> None:
    project = _checkout(tmp_path)
    fake = "#!/bin/bash\necho 3.12\n"
    done = _run(project, _bin(tmp_path, python3=fake, node="#!/bin/bash\necho 22\n", npm="#!/bin/bash\n"))
    assert done.returncode == 1
    (line,) = _lines(done.stderr)[:-1]
    assert "Python 3.11" in line and "python3 is 3.12" in line
    assert "Install what is missing" in _lines(done.stderr)[-1]
    assert not (project / ".venv").exists()


def test_missing_node_alone_is_named_before_anything_is_installed(tmp_path: Path) -> None:
    project = _checkout(tmp_path)
    done = _run(project, _bin(tmp_path, **{"python3.11": PYTHON311}))
    assert done.returncode == 1
    lines = _lines(done.stderr)
    assert len(lines) == 2 and "Node.js and npm" in lines[0] and "https://nodejs.org/" in lines[0]
    assert not (project / ".venv").exists()
    assert "[1/4]" not in done.stdout


# A stand-in Python 3.11 whose pip prints what pip prints, so the steps run in a second.
FAKE_PYTHON = r"""#!/bin/bash
case "$*" in
  *sys.version_info*) echo 3.11 ;;
  *"import venv"*) exit 0 ;;
  "-m venv --clear .venv")
    mkdir -p .venv/bin && cp "$0" .venv/bin/python
    printf '#!/bin/bash\necho "joinedup $*"\n' > .venv/bin/joinedup && chmod +x .venv/bin/joinedup ;;
  "-m pip install --upgrade pip") echo "Requirement already satisfied: pip in ./.venv" ;;
  *"pip install --progress-bar off"*)
    echo "fake pip ran" >> pip-runs
    printf 'Obtaining file:///project\nCollecting fastapi==0.163.2 (from joinedup==0.1.0)\n'
    printf '  Downloading fastapi-0.163.2-py3-none-any.whl (154 kB)\nProcessing /opt/wheels/pyvrp-0.14.1.whl\n'
    printf 'Installing collected packages: pyvrp, fastapi, joinedup\nSuccessfully installed fastapi pyvrp joinedup\n' ;;
  *) exit 3 ;;
esac
"""


def test_install_shows_each_step_and_each_package_then_starts_the_demo(tmp_path: Path) -> None:
    project = _checkout(tmp_path)
    frontend = project / "scripts" / "build-frontend.sh"
    frontend.write_text("#!/bin/bash\nmkdir -p src/joinedup/web/static/vendor/nhsuk\n")
    frontend.chmod(0o755)
    path = _bin(tmp_path, **{"python3.11": FAKE_PYTHON, "node": "#!/bin/bash\necho 22\n", "npm": "#!/bin/bash\n"})
    first = _run(project, path, "--port", "8123")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert [line for line in out.splitlines() if line.startswith("[")] == [
        "[1/4] Python 3.11 virtual environment (.venv)",
        "[2/4] Python packages",
        "[3/4] NHS.UK frontend (npm)",
        "[4/4] Migrating joinedup.db, loading Trafford and starting the server",
    ]
    assert "1 fastapi==0.163.2" in out and "2 pyvrp-0.14.1.whl" in out
    assert "installing 3 packages" in out
    assert out.rstrip().endswith("joinedup demo --port 8123")
    assert "Downloading fastapi" in (project / ".venv" / "install.log").read_text()
    again = _run(project, path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("up to date") == 2
    assert (project / "pip-runs").read_text().count("fake pip ran") == 1


def test_the_prerequisites_script_checks_postgresql_for_the_tests(tmp_path: Path) -> None:
    project = _checkout(tmp_path)
    path = _bin(tmp_path, **{"python3.11": PYTHON311, "node": "#!/bin/bash\necho 22\n", "npm": "#!/bin/bash\n"})
    env = {"PATH": str(path), "JOINEDUP_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test"}
    done = subprocess.run(
        [str(path / "bash"), str(project / "scripts" / "prerequisites.sh"), "--tests"],
        env={**env, "HOME": str(project)},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=project,
    )
    assert done.returncode == 1
    (line,) = _lines(done.stderr)
    assert "PostgreSQL at 127.0.0.1:1" in line and "postgresql.org" in line


def test_the_readme_lists_the_prerequisites_after_its_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    lines = readme.splitlines()
    demo = "./scripts/demo.sh    # set up and start the demo: Trafford's real care homes, synthetic people, at "
    test = "./scripts/test.sh    # install everything the tests need (Chromium included) and run the whole suite on "
    assert lines[2:6] == ["```sh", demo + "http://127.0.0.1:8000", test + "SQLite and PostgreSQL", "```"]
    section = readme.split("## Before you start", 1)[1].split("\n## ", 1)[0]
    for needed in ("Python 3.11", "Node.js", "npm", "PostgreSQL", "scripts/prerequisites.sh"):
        assert needed in section


def test_demo_script_is_valid_bash() -> None:
    for name in ("demo.sh", "prerequisites.sh"):
        done = subprocess.run(["bash", "-n", str(ROOT / "scripts" / name)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert os.access(ROOT / "scripts" / name, os.X_OK)
