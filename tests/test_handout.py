"""The students' copy (`make handout`): what it holds, what it keeps back, and that its own README's
commands work. Its `make test` runs every exercise notebook, so the course's exercises are tested here,
as students get them."""

import contextlib
import os
import re
import subprocess
import zipfile

import jupytext
import pytest

from tools import handout
from tools.markers import parse_regions
from tools.notebooks import CHAPTERS, REPOSITORY, ROOT, solution_sources
from utils.exercises.sealed import unseal
from utils.checks import keys

TRIVIAL = re.compile(r"^(return \w+|\)|\]|\}|pass|else:|try:)$")  # lines any code has


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The handout, built into a temporary folder."""
    return handout.build(tmp_path_factory.mktemp("dist"))


def text_files(folder):
    """{relative path: text} of every file in a folder that reads as text."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            with contextlib.suppress(UnicodeDecodeError):  # the zip, say
                found[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return found


def solution_lines() -> set[str]:
    """Every line of every reference solution that is not also in its stub (nor trivial)."""
    lines = set()
    for source in solution_sources():
        for cell in jupytext.read(source).cells:
            if cell.cell_type == "code":
                for _, stubs, code in parse_regions(cell.source):
                    stub = {line.strip() for line in stubs}
                    lines |= {line.strip() for line in code} - stub
    return {line for line in lines if line and not line.startswith("#") and not TRIVIAL.match(line)}


def test_handout_holds_the_exercises_and_what_set_up_needs(built):
    """The exercise notebooks as published, the helpers, the set-up files and the students' README."""
    for name in ("README.md", "Makefile", "pyproject.toml", "requirements.txt", "environment.yml", "conftest.py",
                 "tools/course.mk", "tools/get_data.sh", "tools/workspace.py", "LICENSE", "LICENSE-TEXT"):
        assert (built / name).is_file(), f"the handout lacks {name}"
    for exercise in CHAPTERS.glob("*/*.ipynb"):
        copied = built / exercise.relative_to(ROOT)
        assert copied.read_bytes() == exercise.read_bytes(), f"{copied.name} differs from the published exercise"


def test_handout_keeps_the_solutions_back(built):
    """No solutions folder, no sources, no tests of the checks, no maintainer tools, no stored outputs."""
    files = text_files(built)
    assert not (built / "solutions").exists() and not (built / "tests" / "checks").exists()
    for tool in ("derive", "refresh", "timings", "handout", "grade"):
        assert not (built / "tools" / f"{tool}.py").exists()
    assert not [name for name in files if name.endswith(".py") and "/source/" in name]
    assert '"output_type"' not in "".join(text for name, text in files.items() if name.endswith(".ipynb"))


def test_no_file_of_the_handout_shows_a_solution_line(built):
    """No line of a reference solution can be read in any file of the handout."""
    lines = solution_lines()
    assert len(lines) > 50, "the solutions' lines were found"
    for name, text in text_files(built).items():
        shown = lines & {line.strip() for line in text.splitlines()}
        assert not shown, f"{name} shows solution code: {sorted(shown)[:3]}"


@pytest.mark.parametrize("key", keys())
def test_checks_are_sealed(built, key):
    """Each section's checks are sealed: none of their lines reads in the handout, and unsealing gives
    the course's checks back exactly."""
    original = (ROOT / "utils" / "checks" / f"{key}.py").read_text(encoding="utf-8")
    sealed = (built / "utils" / "checks" / f"{key}.py").read_text(encoding="utf-8")
    telling = {line.strip() for line in original.splitlines() if len(line.strip()) > 30} - {
        line.strip() for line in sealed.splitlines()
    }
    encoded = "".join(re.findall(r'^    "(.*)"$', sealed, re.MULTILINE))
    assert len(telling) > 5 and not any(line in sealed.partition("exec(")[2] for line in telling)
    assert unseal(encoded) == original


def test_zip_holds_the_folder(built):
    """handout.zip holds the handout folder, file for file."""
    with zipfile.ZipFile(built.with_suffix(".zip")) as archive:
        zipped = {name.removeprefix("handout/") for name in archive.namelist() if not name.endswith("/")}
    assert zipped == {path.relative_to(built).as_posix() for path in built.rglob("*") if path.is_file()}


def test_readme_speaks_to_students(built):
    """The students' README gives the two commands, links every exercise, and says what the checks hold."""
    readme = (built / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"^make (\w+)\s*# ", readme, re.MULTILINE) == ["lab", "test"]
    for exercise in CHAPTERS.glob("*/*.ipynb"):
        assert f"]({exercise.relative_to(ROOT).as_posix()})" in readme
    assert "What the checks hold" in readme and "solutions/" not in readme
    assert "$" not in readme, "every placeholder of handout/README.md was filled"
    assert handout.SOLUTIONS_ON_COLAB in readme, "built for the course's repository: Colab fetches the solutions"


def test_another_repository_reaches_every_address(tmp_path):
    """--repository points the Colab set-up cells, badges and pyproject.toml at the instructor's copy."""
    target = handout.build(tmp_path, "my-school/dl-handout")
    for name, text in text_files(target).items():
        assert REPOSITORY not in text, f"{name} still names {REPOSITORY}"
    assert "github.com/my-school/dl-handout" in (target / "pyproject.toml").read_text(encoding="utf-8")
    assert handout.SOLUTIONS_ON_COLAB not in (target / "README.md").read_text(encoding="utf-8")


def test_handout_commands_work(built):
    """In the handout, as its README says: `make test` (which sets up its own environment, fetches the
    data, and runs every exercise notebook in quick mode) passes, and `make lab` gets as far as JupyterLab."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COURSE_"))}
    env["COURSE_DATA_DIR"] = str(ROOT / "data")  # the course's data cache: no second download
    env["PYTEST_ADDOPTS"] = "-rp"  # name every passed test, so that each notebook can be seen to have run
    tested = subprocess.run(["make", "test"], cwd=built, capture_output=True, text=True, env=env)
    assert tested.returncode == 0, f"its `make test` failed:\n{tested.stdout[-6000:]}\n{tested.stderr[-3000:]}"
    assert re.search(r"\d+ passed", tested.stdout) and " failed" not in tested.stdout
    for exercise in CHAPTERS.glob("*/*.ipynb"):
        ran = f"PASSED {exercise.relative_to(ROOT).as_posix()}::"
        assert ran in tested.stdout, f"the handout's tests did not run {exercise.name}"
    lab = subprocess.run(["make", "lab", "ARGS=--version"], cwd=built, capture_output=True, text=True, env=env)
    assert lab.returncode == 0, lab.stderr
    assert (built / "work" / "11_training_deep_networks" / "01_unstable_gradients.ipynb").exists()
