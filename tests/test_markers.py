"""The solution markers, and the agreement between solution notebooks and registered checks."""

from pathlib import Path

import jupytext
import pytest

from utils.exercises import all_sections
from utils.exercises.markers import MarkerError, exercise_source, parse_regions, solution_regions

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
SOURCES = sorted(SOLUTIONS.glob("*/[0-9][0-9]_*.py"))
SECTIONS = {section.notebook: section for section in all_sections()}

ONE_REGION = """\
import math
# BEGIN SOLUTION limit
# STUB: limit = ...  # your expression
fan_avg = (784 + 300) / 2
limit = (3 / fan_avg) ** 0.5
# END SOLUTION
print(limit)"""

TWO_REGIONS = """\
# BEGIN SOLUTION first
# STUB: a = ...
a = 1
# END SOLUTION
between = True
# BEGIN SOLUTION second
# STUB: b = ...
b = 2
# END SOLUTION"""

INDENTED = """\
def build():
    layers = []
    # BEGIN SOLUTION build
    # STUB: layer = ...
    layer = make(
        100,
    )
    # END SOLUTION
    return layer"""


# exercise_source -------------------------------------------------------------------------------


def test_exercise_replaces_region_by_uncommented_stub():
    """The region becomes its stub line, and the lines around it are kept as they are."""
    assert exercise_source(ONE_REGION) == "import math\nlimit = ...  # your expression\nprint(limit)"


def test_exercise_keeps_cell_without_region():
    """A cell without markers is returned unchanged, comments included."""
    source = "x = 1\n# a comment\n\n    y = 2  # STUBBORN"
    assert exercise_source(source) == source


def test_exercise_empty_stub_gives_empty_line():
    """'# STUB:' with nothing after it leaves an empty line."""
    source = "# BEGIN SOLUTION p\n# STUB:\n# STUB: x = ...\nx = 1\n# END SOLUTION"
    assert exercise_source(source) == "\nx = ..."


def test_exercise_keeps_several_stub_lines_in_order():
    """Every stub line of a region is kept, in order."""
    source = "# BEGIN SOLUTION p\n# STUB: a = ...\nreal = 0\n# STUB: b = ...\n# END SOLUTION"
    assert exercise_source(source) == "a = ...\nb = ..."


def test_exercise_handles_two_regions_in_one_cell():
    """Both regions are replaced, and the line between them stays."""
    assert exercise_source(TWO_REGIONS) == "a = ...\nbetween = True\nb = ..."


def test_exercise_keeps_indentation_inside_def():
    """An indented region inside a def yields an indented stub line."""
    assert exercise_source(INDENTED) == "def build():\n    layers = []\n    layer = ...\n    return layer"


def test_exercise_drops_solution_comments():
    """Comments inside a region, other than stubs, are part of the solution and disappear."""
    source = "# BEGIN SOLUTION p\n# STUB: x = ...\n# the trick: use fan_avg\nx = 1\n# END SOLUTION"
    assert exercise_source(source) == "x = ..."


# solution_regions ------------------------------------------------------------------------------


def test_solution_regions_without_markers_or_stubs():
    """The solution of a region is its code alone."""
    assert solution_regions(ONE_REGION) == {"limit": "fan_avg = (784 + 300) / 2\nlimit = (3 / fan_avg) ** 0.5"}


def test_solution_regions_of_two_regions():
    """Each region is returned under its own name."""
    assert solution_regions(TWO_REGIONS) == {"first": "a = 1", "second": "b = 2"}


def test_solution_regions_dedents_indented_code():
    """Code from an indented region is dedented, keeping its relative indentation."""
    assert solution_regions(INDENTED) == {"build": "layer = make(\n    100,\n)"}


def test_solution_regions_of_plain_cell_is_empty():
    """A cell without markers has no regions."""
    assert solution_regions("x = 1\n# STUBS are not markers") == {}


def test_parse_regions_separates_stubs_and_solution():
    """parse_regions gives (name, stub lines, solution lines) for each region."""
    assert parse_regions(INDENTED) == [("build", ["    layer = ..."], ["    layer = make(", "        100,", "    )"])]


# MarkerError -----------------------------------------------------------------------------------

MALFORMED = {  # source, and what the error message must point at
    "begin_without_end": ("# BEGIN SOLUTION p\n# STUB: x = ...\nx = 1", r"'p'.*END SOLUTION"),
    "end_without_begin": ("x = 1\n# END SOLUTION", r"line 2:.*without a matching BEGIN"),
    "nested_begin": (
        "# BEGIN SOLUTION outer\n# STUB: x = ...\n# BEGIN SOLUTION inner\n# STUB: y = ...\ny = 1\n# END SOLUTION",
        r"line 3:.*'outer'.*not closed",
    ),
    "region_without_stub": ("# BEGIN SOLUTION p\nx = 1\n# END SOLUTION", r"'p'.*STUB"),
    "stub_outside_region": ("# STUB: x = ...\nx = 1", r"line 1:.*outside"),
    "stub_after_region": (
        "# BEGIN SOLUTION p\n# STUB: x = ...\nx = 1\n# END SOLUTION\n# STUB: y = ...",
        r"line 5:.*outside",
    ),
}


@pytest.mark.parametrize("source, message", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("function", [exercise_source, solution_regions, parse_regions])
def test_malformed_markers_raise_marker_error(function, source, message):
    """Badly formed markers raise MarkerError saying where, rather than yield half a cell."""
    with pytest.raises(MarkerError, match=message):
        function(source)


def test_marker_error_is_a_value_error():
    """Callers that catch ValueError (such as Problem.solution) also catch MarkerError."""
    assert issubclass(MarkerError, ValueError)


# Solution notebooks and registered checks agree ------------------------------------------------


def test_there_are_solution_sources():
    """The glob finds the course's solution sources (so the tests below are not vacuous)."""
    assert SOURCES


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.relative_to(SOLUTIONS).as_posix())
def test_solution_regions_match_registered_problems(source):
    """Each region names a problem of the section for this notebook, and each problem has one region."""
    notebook = source.relative_to(SOLUTIONS).with_suffix("").as_posix()
    assert notebook in SECTIONS, f"no registered section for solutions/{notebook}"
    names = []
    for cell in jupytext.read(source).cells:
        if cell.cell_type == "code":
            names += [name for name, _, _ in parse_regions(cell.source)]  # MarkerError fails here
    problems = set(SECTIONS[notebook].problems)
    assert set(names) <= problems, f"regions without a check: {set(names) - problems}"
    assert sorted(names) == sorted(problems), "every problem needs exactly one region"


@pytest.mark.parametrize("notebook", sorted(SECTIONS))
def test_every_section_has_a_solution_source(notebook):
    """Every registered section has its solution source under solutions/."""
    assert (SOLUTIONS / f"{notebook}.py") in SOURCES
