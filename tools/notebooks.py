"""Where the notebooks live, and how both published forms derive from one source.

``solutions/<chapter>/source/NN_key.py`` (jupytext percent, with solution markers) is the file a
maintainer edits. From it derive ``solutions/<chapter>/NN_key.ipynb`` (markers removed, outputs
of the last refresh kept) and ``chapters/<chapter>/NN_key.ipynb`` (each region replaced by its
stub, no outputs).
"""

import difflib
import hashlib
import json
import re
import tomllib
from pathlib import Path

import jupytext
import nbformat

from tools.markers import exercise_source, parse_regions, solution_regions, solution_source

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
SOURCE_FOLDER = "source"
BRANCH = "main"
CHECK_CALL = re.compile(r"^ex\.\w+\.check\(")
NBVAL_TAGS = {"nbval-check-output", "nbval-ignore-output", "nbval-skip", "nbval-raises-exception"}
KEPT_FROM_RUN = ("outputs", "execution_count")  # what a regenerated solution keeps from the last refresh


def repository(root: Path = ROOT) -> str:
    """The course's GitHub owner/name, from the one place it is set: pyproject.toml's [project.urls]."""
    url = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Repository"]
    return url.removeprefix("https://github.com/").strip("/")


REPOSITORY = repository()

# Prepended to each notebook's set-up cell. On Colab the helpers are not installed: fetch them, and say
# loudly what went wrong if that fails (otherwise the first error is "No module named 'utils'").
COLAB_SETUP = """\
import sys

if "google.colab" in sys.modules:  # on Colab: fetch the course first, for the helpers imported below
    import pathlib
    import subprocess

    course, address = pathlib.Path("course"), "https://github.com/{repository}"
    if not course.is_dir():
        clone = subprocess.run(["git", "clone", "--depth", "1", address, str(course)], capture_output=True, text=True)
        if clone.returncode != 0:
            advice = "Check the address, and that this Colab session can reach GitHub; then run this cell again."
            raise RuntimeError(f"Could not fetch the course from {{address}}:\\n{{clone.stderr}}\\n{{advice}}")
    sys.path.insert(0, str(course.resolve()))

"""
COLAB_LINES = re.compile(re.escape(COLAB_SETUP.format(repository="\0")).replace("\0", '[^"]+'))


def without_colab(cell_source: str) -> str:
    """A set-up cell without its Colab lines, whichever repository they fetch."""
    return COLAB_LINES.sub("", cell_source, count=1)


def colab_badge(notebook: Path, repository: str = REPOSITORY) -> str:
    """The Markdown badge that opens ``notebook`` (a published path) in Colab."""
    path = notebook.relative_to(ROOT).as_posix()
    return (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{repository}/blob/{BRANCH}/{path})"
    )


def binder_badge(repository: str = REPOSITORY) -> str:
    """The Markdown badge that opens the exercises in JupyterLab on Binder (built from environment.yml)."""
    return (
        "[![Launch on Binder](https://mybinder.org/badge_logo.svg)]"
        f"(https://mybinder.org/v2/gh/{repository}/{BRANCH}?urlpath=lab/tree/chapters)"
    )


BADGES = "<!-- badges: start -->", "<!-- badges: end -->"


def readme_badges(readme: str, repository: str = REPOSITORY) -> str:
    """``readme`` with its badge block (between the BADGES markers) pointing at ``repository``."""
    start, end = BADGES
    before, found, rest = readme.partition(start)
    if not found or end not in rest:
        raise ValueError(f"README has no {start} ... {end} block")
    first_section = exercise_notebook(solution_sources()[0])
    badges = f"{binder_badge(repository)} {colab_badge(first_section, repository)}"
    return f"{before}{start}\n{badges}\n{end}{rest.partition(end)[2]}"


def with_colab(cell_source: str, notebook: Path, first_markdown: bool) -> str:
    """A source cell as published: the title cell gets its badge, the set-up cell its Colab preamble."""
    if first_markdown:
        title, _, rest = cell_source.partition("\n")
        return f"{title}\n\n{colab_badge(notebook)}\n\n{rest.lstrip(chr(10))}"
    if "utils.setup(" in cell_source:
        return COLAB_SETUP.format(repository=REPOSITORY) + cell_source
    return cell_source


def solution_sources() -> list[Path]:
    """The sources of all sections, in course order."""
    return sorted(SOLUTIONS.glob(f"*/{SOURCE_FOLDER}/[0-9][0-9]_*.py"), key=lambda p: (p.parents[1].name, p.name))


def section_key(source: Path) -> str:
    """The section's key: its name without the number ('unstable_gradients')."""
    return source.stem.split("_", 1)[1]


def solution_notebook(source: Path) -> Path:
    """The published solution notebook derived from a source."""
    return SOLUTIONS / source.parents[1].name / f"{source.stem}.ipynb"


def exercise_notebook(source: Path) -> Path:
    """The exercise notebook derived from a source."""
    return CHAPTERS / source.parents[1].name / f"{source.stem}.ipynb"


def published_exercise(section: str) -> Path:
    """The exercise notebook a SECTION argument names: its number (03), its key or its notebook's name."""
    wanted = section.zfill(2) if section.isdigit() else section
    exercises = sorted(CHAPTERS.glob("*/*.ipynb"))
    found = [path for path in exercises if wanted in (path.stem, path.stem[:2], path.stem[3:])]
    if len(found) != 1:
        names = ", ".join(path.stem for path in exercises)
        raise SystemExit(f"error: SECTION={section!r} names no single section; the sections are {names}")
    return found[0]


def source_of(notebook: Path) -> Path:
    """The source a solution or exercise notebook derives from."""
    return SOLUTIONS / notebook.parent.name / SOURCE_FOLDER / f"{notebook.stem}.py"


def make_exercise(source: Path) -> str:
    """The exercise notebook for a source, as the exact text to store."""
    cells, target = [], exercise_notebook(source)
    for index, cell in enumerate(jupytext.read(source).cells):
        tags = [tag for tag in cell.metadata.get("tags", []) if tag not in NBVAL_TAGS]
        text = with_colab(cell.source, target, first_markdown=index == 0)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(exercise_source(text))
        else:
            new = nbformat.v4.new_markdown_cell(text)
        cells.append(_stable(new, source, index, tags))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=notebook_metadata())
    notebook.metadata["course"] = {"role": "exercise", "source": source.relative_to(ROOT).as_posix()}
    return nbformat.writes(notebook) + "\n"


def make_solution(source: Path, previous=None) -> str:
    """The published solution notebook for a source, keeping the outputs ``previous`` holds for unchanged cells."""
    cells, regions, target = [], {}, solution_notebook(source)
    for index, cell in enumerate(jupytext.read(source).cells):
        tags = cell.metadata.get("tags", [])
        text = with_colab(cell.source, target, first_markdown=index == 0)
        if cell.cell_type == "code":
            regions.update(solution_regions(text))
            new = nbformat.v4.new_code_cell(solution_source(text))
        else:
            new = nbformat.v4.new_markdown_cell(text)
        cells.append(_stable(new, source, index, tags))
    course = {"role": "solution", "source": source.relative_to(ROOT).as_posix(), "solutions": regions}
    if previous is not None:
        _keep_outputs(previous, cells)
        if "outputs" in previous.metadata.get("course", {}):
            course["outputs"] = previous.metadata["course"]["outputs"]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=notebook_metadata())
    notebook.metadata["course"] = course
    return nbformat.writes(notebook) + "\n"


def _stable(cell, source: Path, index: int, tags: list[str]):
    """The cell with an id and tags that do not change between regenerations."""
    cell.id = f"{source.stem[:40]}-{index:03d}"
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _keep_outputs(previous, cells) -> None:
    """Copy outputs, execution counts and timings from ``previous`` onto the unchanged code cells."""
    old = [cell for cell in previous.cells if cell.cell_type == "code"]
    new = [cell for cell in cells if cell.cell_type == "code"]
    matcher = difflib.SequenceMatcher(a=[c.source for c in old], b=[c.source for c in new], autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            before, after = old[block.a + offset], new[block.b + offset]
            for key in KEPT_FROM_RUN:
                after[key] = before[key]
            if "execution" in before.metadata:
                after.metadata["execution"] = before.metadata["execution"]


def read_notebook(path: Path):
    """A notebook file as nbformat reads it, or None when there is none."""
    return nbformat.read(path, as_version=4) if path.exists() else None


def region_names(source: Path) -> list[str]:
    """The names of the solution regions of a source, in order."""
    notebook = jupytext.read(source)
    return [name for cell in notebook.cells if cell.cell_type == "code" for name, _, _ in parse_regions(cell.source)]


def notebook_metadata() -> dict:
    """Kernel and language metadata shared by every course notebook."""
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }


def code_fingerprint(notebook) -> str:
    """SHA-256 of a notebook's code cells, the part whose change makes stored outputs stale."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode())
            digest.update(b"\0")
    return digest.hexdigest()


def outputs_fingerprint(notebook) -> str:
    """SHA-256 of a notebook's stored outputs, so outputs saved by anything but a refresh show."""
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(outputs, sort_keys=True).encode()).hexdigest()


def is_check_cell(source: str) -> bool:
    """True for an exercise's check cell: its last line of code is ``ex.<name>.check(...)``."""
    code = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(code) and bool(CHECK_CALL.match(code[-1]))


def answered_exercise(exercise: Path):
    """A published exercise notebook as a learner who solved everything hands it in: each exercise cell (the code
    cell before its check cell) holding the reference answer of the solution notebook."""
    notebook = nbformat.read(exercise, as_version=4)
    solution = SOLUTIONS / exercise.relative_to(CHAPTERS)
    answers = json.loads(solution.read_text(encoding="utf-8"))["metadata"]["course"]["solutions"]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for before, cell in zip(code, code[1:], strict=False):
        if is_check_cell(cell.source):
            before.source = answers[cell.source.strip().splitlines()[-1].split(".")[1]]
    return notebook
