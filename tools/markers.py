"""The solution markers: how one source yields both the published solution and the exercise.

In a section's source, the code a learner must write sits in a marked region::

    # BEGIN SOLUTION glorot_limit
    # STUB: glorot_limit = ...  # your expression
    glorot_limit = (6 / (784 + 300)) ** 0.5
    # END SOLUTION

The exercise keeps only the stub lines, uncommented; the published solution keeps only the
code, without markers or stubs; ``solution_regions`` gives each region's code on its own.
"""

import re
import textwrap

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION (?P<name>[A-Za-z_]\w*)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
STUB = re.compile(r"^(?P<indent>\s*)# STUB:(?: (?P<code>.*))?$")


class MarkerError(ValueError):
    """A solution cell whose markers do not form well-closed, stubbed regions."""


def parse_regions(source: str) -> list[tuple[str, list[str], list[str]]]:
    """Each region as (name, stub lines, solution lines); validates the markers."""
    regions, current = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        begin, stub = BEGIN.match(line), STUB.match(line)
        if begin:
            if current:
                raise MarkerError(f"line {number}: region {current[0]!r} is not closed before a new one")
            current = (begin["name"], [], [])
        elif END.match(line):
            if not current:
                raise MarkerError(f"line {number}: '# END SOLUTION' without a matching BEGIN")
            if not current[1]:
                raise MarkerError(f"region {current[0]!r} has no '# STUB:' line for the exercise")
            regions.append(current)
            current = None
        elif stub:
            if not current:
                raise MarkerError(f"line {number}: '# STUB:' outside a solution region")
            current[1].append(stub["indent"] + (stub["code"] or ""))
        elif current:
            current[2].append(line)
    if current:
        raise MarkerError(f"region {current[0]!r} has no '# END SOLUTION'")
    return regions


def exercise_source(source: str) -> str:
    """The cell as the learner gets it: every region replaced by its stub."""
    parse_regions(source)  # validate first, so a malformed cell never yields half an exercise
    kept, inside = [], False
    for line in source.splitlines():
        if BEGIN.match(line):
            inside = True
        elif END.match(line):
            inside = False
        elif inside and (stub := STUB.match(line)):
            kept.append(stub["indent"] + (stub["code"] or ""))
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def solution_source(source: str) -> str:
    """The cell as the published solution shows it: markers and stub lines removed, code in place."""
    parse_regions(source)
    markers = (BEGIN, END, STUB)
    return "\n".join(line for line in source.splitlines() if not any(marker.match(line) for marker in markers))


def solution_regions(source: str) -> dict[str, str]:
    """The solution code of each region, by name, dedented and without markers or stubs."""
    return {name: textwrap.dedent("\n".join(code)).strip("\n") for name, _, code in parse_regions(source)}
