"""`make lab`: the published notebooks open read-only, so nothing done in JupyterLab can make `make test` fail."""

import asyncio

import nbformat
import pytest
from tornado.web import HTTPError

from tools.lab import PublishedReadOnly, is_published
from tools.notebooks import ROOT


def run(coroutine):
    """The result of one contents-manager call."""
    return asyncio.run(coroutine)


@pytest.fixture
def contents(tmp_path):
    """Jupyter's contents manager as `make lab` configures it, on a small course tree."""
    for folder in ("chapters/ch", "solutions/ch", "work/ch"):
        (tmp_path / folder).mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / folder / "01_a.ipynb")
    return PublishedReadOnly(root_dir=str(tmp_path))


def test_published_paths_are_the_chapters_and_solutions():
    """chapters/ and solutions/ (and what is in them) are published; the workspace and the rest are not."""
    assert is_published("chapters/ch/01_a.ipynb") and is_published("/solutions/ch/01_a.ipynb")
    assert is_published("solutions")
    assert not is_published("work/ch/01_a.ipynb") and not is_published("solutions_of_mine.ipynb")


@pytest.mark.parametrize("folder", ["chapters", "solutions"])
def test_a_published_notebook_opens_read_only_and_is_never_written(contents, tmp_path, folder):
    """JupyterLab gets writable=False (a lock, no autosave); a save, rename or delete is refused with the way out."""
    path = f"{folder}/ch/01_a.ipynb"
    before = (tmp_path / path).read_bytes()
    model = run(contents.get(path))
    assert model["writable"] is False
    model["content"]["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}  # what autosave adds
    with pytest.raises(HTTPError) as refused:
        run(contents.save(model, path))
    assert refused.value.status_code == 403 and "Save Notebook As" in refused.value.log_message
    with pytest.raises(HTTPError):
        run(contents.rename_file(path, "work/ch/moved.ipynb"))
    with pytest.raises(HTTPError):
        run(contents.delete_file(path))
    assert (tmp_path / path).read_bytes() == before


def test_save_as_into_the_workspace_works(contents, tmp_path):
    """The way out the message names: a published notebook saved under work/ is the learner's to change."""
    model = run(contents.get("solutions/ch/01_a.ipynb"))
    run(contents.save({"type": "notebook", "format": "json", "content": model["content"]}, "work/ch/mine.ipynb"))
    assert run(contents.get("work/ch/mine.ipynb"))["writable"] is True
    assert run(contents.get("work/ch/01_a.ipynb"))["writable"] is True


def test_make_lab_starts_jupyterlab_through_the_read_only_manager():
    """The learner's command goes through tools.lab, which names the read-only manager."""
    assert "-m tools.lab" in (ROOT / "tools" / "course.mk").read_text(encoding="utf-8")
    assert "tools.lab.PublishedReadOnly" in (ROOT / "tools" / "lab.py").read_text(encoding="utf-8")
