"""The students' copy of the course: ``python -m tools.handout [--repository owner/name] [--into dist]``.

Writes ``dist/handout/`` and ``dist/handout.zip``: the exercise notebooks, the helpers with every
section's checks sealed (utils.exercises.sealed), what set-up needs, and the files in ``handout/``
(the students' README, Makefile and tests). Nothing of solutions/, of the checks' tests or of the
maintainer tools goes in. ``--repository`` names the GitHub repository the students' Colab set-up
cells fetch (say, your own copy of the handout); by default, the course's.
"""

import argparse
import ast
import json
import re
import shutil
import string
import sys
from pathlib import Path

from tools.notebooks import CHAPTERS, REPOSITORY, ROOT, colab_badge
from utils.exercises.sealed import sealed_module

# Copied as they are (folders whole, but for caches). Everything else is left out.
COPIED = (
    "chapters",
    "utils",
    "tools/__init__.py",
    "tools/course.mk",
    "tools/get_data.sh",
    "tools/lab.py",
    "tools/markers.py",
    "tools/notebooks.py",
    "tools/workspace.py",
    "conftest.py",
    "requirements.txt",
    "environment.yml",
    "LICENSE",
    "LICENSE-TEXT",
    ".gitignore",
)
# What the students' README says of Colab when the handout fetches the course's own repository.
SOLUTIONS_ON_COLAB = (
    "That repository is the whole course, worked solutions included: on Colab, `.solution()` shows them."
)
STUDENTS_FILES = ROOT / "handout"  # the students' README (a template), Makefile and tests
CHECKS = "utils/checks"
TESTPATHS = re.compile(r"^(?:#.*\n)*testpaths = \[.*\]$", re.MULTILINE)  # with the comment above it


def build(into: Path = ROOT / "dist", repository_name: str = REPOSITORY) -> Path:
    """Write the handout folder and its zip into ``into``; return the folder."""
    target = into / "handout"
    if target.exists():
        shutil.rmtree(target)  # a previous build: the handout is always written whole
    for name in COPIED:
        copy(ROOT / name, target / name)
    for path in (target / CHECKS).glob("*.py"):
        if path.name != "__init__.py":
            path.write_text(seal_checks(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in STUDENTS_FILES.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.name != "README.md":
            copy(path, target / path.relative_to(STUDENTS_FILES))
    (target / "README.md").write_text(students_readme(repository_name), encoding="utf-8")
    (target / "pyproject.toml").write_text(students_pyproject(repository_name), encoding="utf-8")
    if repository_name != REPOSITORY:
        for notebook in (target / "chapters").glob("*/*.ipynb"):
            text = notebook.read_text(encoding="utf-8")
            notebook.write_text(text.replace(f"/{REPOSITORY}", f"/{repository_name}"), "utf-8")
    shutil.make_archive(str(into / "handout"), "zip", root_dir=into, base_dir="handout")
    return target


def copy(source: Path, target: Path) -> None:
    """Copy a file or a folder (without Python caches) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    else:
        shutil.copy2(source, target)


def seal_checks(source: str) -> str:
    """A section's check module, sealed, keeping the first line of its docstring readable."""
    summary = (ast.get_docstring(ast.parse(source)) or "Checks.").splitlines()[0]
    return sealed_module(source, summary)


def students_readme(repository_name: str) -> str:
    """handout/README.md with the repository and the table of sections filled in."""
    template = string.Template((STUDENTS_FILES / "README.md").read_text(encoding="utf-8"))
    note = SOLUTIONS_ON_COLAB if repository_name == REPOSITORY else ""
    return template.substitute(repository=repository_name, contents=contents(repository_name), colab_note=note)


def contents(repository_name: str) -> str:
    """The students' table of sections: each exercise notebook, and its Colab badge."""
    rows = ["| Section | Colab |", "|---------|-------|"]
    for notebook in sorted(CHAPTERS.glob("*/*.ipynb")):
        title = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]["source"][0].strip("# \n")
        path = notebook.relative_to(ROOT).as_posix()
        rows.append(f"| [{title}]({path}) | {colab_badge(notebook, repository_name)} |")
    return "\n".join(rows)


def students_pyproject(repository_name: str) -> str:
    """The course's pyproject.toml, with the handout's tests (no solutions/) and its repository."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text, found = TESTPATHS.subn('testpaths = ["tests", "chapters"]  # never work/: your own copies', text)
    assert found == 1, "pyproject.toml has no testpaths line to adapt"
    return text.replace(f"github.com/{REPOSITORY}", f"github.com/{repository_name}")


def main(argv=None) -> int:
    """Build the handout and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repository", default=REPOSITORY, help="owner/name the Colab set-up cells fetch")
    parser.add_argument("--into", type=Path, default=ROOT / "dist", help="folder for handout/ and handout.zip")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repository):
        print(f"error: --repository wants owner/name, as on GitHub; got {args.repository!r}", file=sys.stderr)
        return 2
    target = build(args.into.resolve(), args.repository)
    files = sum(1 for path in target.rglob("*") if path.is_file())
    print(f"wrote {target} ({files} files) and {target.with_suffix('.zip')}")
    print("hand out the zip, or that folder; keep solutions/ back")
    if args.repository == REPOSITORY:
        print(f"note: its Colab cells fetch {REPOSITORY}, solutions included; to keep Colab students on the handout,"
              " push it to a public repository of your own and build with REPOSITORY=owner/name")
    return 0


if __name__ == "__main__":
    sys.exit(main())
