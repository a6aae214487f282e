"""The solution markers, and the agreement between solution notebooks and registered checks."""

import subprocess
import sys

import pytest

from tools.markers import MarkerError, exercise_source, parse_regions, solution_regions, solution_source
from tools.notebooks import ROOT, region_names, section_key, solution_sources
from utils.checks import all_sections
from utils.exercises import problems_of

SOURCES = solution_sources()
SECTIONS = {section.key: section for section in all_sections()}

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


# solution_source -------------------------------------------------------------------------------


def test_solution_source_drops_markers_and_stubs_and_keeps_the_code_in_place():
    """The published solution cell keeps everything but the marker and stub lines, indentation included."""
    expected = "def build():\n    layers = []\n    layer = make(\n        100,\n    )\n    return layer"
    assert solution_source(INDENTED) == expected
    assert solution_source(TWO_REGIONS) == "a = 1\nbetween = True\nb = 2"


def test_parsing_markers_does_not_import_tensorflow():
    """The generator, the pre-commit hook and test collection parse markers without paying for TensorFlow."""
    code = "import sys, tools.markers, tools.derive; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# Sources and registered checks agree -----------------------------------------------------------


def test_there_are_solution_sources():
    """The glob finds the course's sources (so the tests below are not vacuous)."""
    assert SOURCES


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_one_key_names_the_notebook_checks_and_tests(source):
    """A section's key (its notebook's name without the number) names its check module and its tests."""
    key = section_key(source)
    assert key in SECTIONS, f"no utils/checks/{key}.py for {source.name}"
    assert (ROOT / "tests" / "checks" / f"test_{key}.py").exists(), f"no tests/checks/test_{key}.py"
    assert SECTIONS[key].notebook == f"{source.parents[1].name}/{source.stem}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_solution_regions_match_registered_problems(source):
    """Each region names a problem of the section, and each problem has exactly one region."""
    names = region_names(source)  # MarkerError fails here
    problems = set(problems_of(SECTIONS[section_key(source)]))
    assert set(names) <= problems, f"regions without a check: {set(names) - problems}"
    assert sorted(names) == sorted(problems), "every problem needs exactly one region"


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_every_section_has_a_source(key):
    """Every module of checks belongs to a section source."""
    assert key in {section_key(source) for source in SOURCES}
