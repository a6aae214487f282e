"""The Colab route: a notebook's set-up cell fetches the course and imports its helpers, or says loudly
why it could not; the helpers check the TensorFlow and Keras they find."""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from tools.notebooks import CHAPTERS, REPOSITORY, ROOT, exercise_notebook, readme_badges, solution_sources
from utils import versions
from utils.versions import UnsupportedVersions, version_note

ADDRESS = f"https://github.com/{REPOSITORY}"
AS_COLAB = """\
import sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")  # what Colab's kernel has imported
exec(compile(open(sys.argv[1]).read(), "set-up cell", "exec"))
print("helpers from", utils.__file__)
print(ex)
"""


def setup_cell(notebook) -> str:
    """The first code cell of a published notebook."""
    return next(cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code")


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    """A git repository holding this checkout's files, standing in for the course on GitHub."""
    repo = tmp_path_factory.mktemp("origin")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    for name in files.stdout.splitlines():
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], cwd=repo, check=True)
    return repo


def run_as_colab(cell: str, content):
    """Run a set-up cell the way Colab would: google.colab imported, in /content (here ``content``),
    with the course helpers not installed (the environment's editable install is out of reach)."""
    script = content / "set_up_cell.py"
    script.write_text(cell, encoding="utf-8")
    driver = content.parent / "as_colab.py"
    driver.write_text(AS_COLAB, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # -I: no user site and no current folder on sys.path; -S would also drop the installed packages.
    return subprocess.run(
        [sys.executable, "-I", str(driver), str(script)], cwd=content, capture_output=True, text=True, env=env
    )


@pytest.mark.parametrize("source", solution_sources()[:1], ids=lambda p: p.stem)
def test_setup_cell_fetches_the_course_and_imports_its_helpers(source, origin, tmp_path):
    """Pointed at a local clone address, the set-up cell clones the course and imports utils from the clone."""
    cell = setup_cell(exercise_notebook(source))
    assert cell.count(ADDRESS) == 1, "the set-up cell names the repository once, as pyproject.toml gives it"
    content = tmp_path / "content"
    content.mkdir()
    result = run_as_colab(cell.replace(ADDRESS, origin.as_uri()), content)
    assert result.returncode == 0, result.stderr
    assert f"helpers from {content / 'course' / 'utils' / '__init__.py'}" in result.stdout
    assert "Section('unstable_gradients'" in result.stdout
    again = run_as_colab(cell.replace(ADDRESS, origin.as_uri()), content)
    assert again.returncode == 0, f"running the cell a second time reuses the clone:\n{again.stderr}"


def test_setup_cell_says_what_to_do_when_the_course_cannot_be_fetched(tmp_path):
    """A clone that fails stops the cell with the address, git's reason and what to do, not with
    "No module named 'utils'"."""
    cell = setup_cell(sorted(CHAPTERS.glob("*/*.ipynb"))[0])
    content = tmp_path / "content"
    content.mkdir()
    missing = (tmp_path / "no-such-repository").as_uri()
    result = run_as_colab(cell.replace(ADDRESS, missing), content)
    assert result.returncode != 0
    assert f"Could not fetch the course from {missing}" in result.stderr
    assert "run this cell again" in result.stderr
    assert "ModuleNotFoundError" not in result.stderr


def test_every_notebook_has_the_same_colab_preamble():
    """All published notebooks fetch the course the same way, from the address pyproject.toml gives."""
    for notebook in [*CHAPTERS.glob("*/*.ipynb"), *(ROOT / "solutions").glob("*/*.ipynb")]:
        cell = setup_cell(notebook)
        assert cell.startswith("import sys\n\nif \"google.colab\" in sys.modules:"), notebook.name
        assert cell.count(ADDRESS) == 1, notebook.name


def test_readme_badges_open_colab_and_binder_on_the_repository():
    """README.md's badges are the ones `make sync` writes from the address: Binder launches JupyterLab on
    the exercises (its environment comes from environment.yml), Colab opens section 1."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_badges(readme) == readme, "run `make sync`"
    assert f"https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/chapters)" in readme
    assert f"colab.research.google.com/github/{REPOSITORY}/blob/main/chapters/" in readme
    assert (ROOT / "environment.yml").is_file()


# Versions ---------------------------------------------------------------------------------------


def test_tested_versions_say_nothing():
    """With the pinned TensorFlow and Keras, the helpers add no note."""
    assert version_note(dict(versions.tested_versions())) == ""
    assert set(versions.tested_versions()) == {"tensorflow", "keras"}


def test_other_keras_3_versions_get_a_note_with_the_fix():
    """Another Keras 3 runs the course, with a note naming the tested versions and the command to get them."""
    tested = {"tensorflow": "2.21.0", "keras": "3.15.1"}
    note = version_note({"tensorflow": "2.19.0", "keras": "3.10.0"}, tested)
    assert "tensorflow 2.19.0 and keras 3.10.0" in note and "tested with tensorflow 2.21.0 and keras 3.15.1" in note
    assert "pip install tensorflow==2.21.0 keras==3.15.1" in note


@pytest.mark.parametrize(
    "found", [{"tensorflow": "2.15.1", "keras": "2.15.0"}, {"tensorflow": "2.21.0", "keras": "2.15.0"}]
)
def test_keras_2_stops_with_what_to_install(found):
    """TensorFlow before 2.16 or Keras 2 cannot run the course: the import stops and says what to install."""
    with pytest.raises(UnsupportedVersions, match=r"needs Keras 3.*pip install tensorflow==2\.21\.0 keras==3\.15\.1"):
        version_note(found, {"tensorflow": "2.21.0", "keras": "3.15.1"})
