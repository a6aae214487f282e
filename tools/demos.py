"""Which cells of a submission the grader may leave out: the course's demonstrations that no exercise needs.

A section's author tags the cells that only teach (they train, compare, plot) ``demo``. When grading, such
a cell is left out if the submission holds it exactly as published and no cell that runs uses a name it
defines, at once or through a function called later. The names come from the standard library's
``symtable``, read from the submission's code, never run; a cell that may reach names the analysis cannot
see (``globals()``, ``eval``, a cell magic, code that does not parse) keeps every demonstration before it.
Leaving a cell out can only make a submission do less: it cannot earn a mark, and a learner's own cells
always run.
"""

import ast
import re
import symtable
from dataclasses import dataclass

TAG = "demo"
# Names through which code reaches other names by string, or IPython's record of earlier outputs (_, _3, Out): a
# cell that uses one needs everything before it.
DYNAMIC = {"globals", "locals", "vars", "dir", "eval", "exec", "get_ipython", "__import__", "__builtins__", "sys",
           "__main__", "__name__", "importlib", "In", "Out", "gc", "pickle"}
HISTORY = re.compile(r"_+|_i+|_\d+|_i\d+|_oh|_ih|_dh")
# Attributes that lead to a namespace, or read names from a string (pandas' query("a > @limit"), eval).
BY_STRING = {"f_globals", "f_locals", "f_back", "user_ns", "__dict__", "__globals__", "query", "eval"}
MAX_CHARS = 20_000  # a cell longer than any the course writes is not read (it could stall the grader)
BUDGET_CHARS = 200_000  # nor a notebook whose code is longer than this (the course's are under 30,000)
LEFT_OUT = "# Left out when grading: a demonstration of the course, which no exercise needs.\n"


@dataclass(frozen=True)
class Names:
    """The global names a cell defines, those it uses (as it runs, or later; None: any, for it reaches names in ways
    the analysis cannot see), and those its functions read when they are called, maybe after later cells ran."""

    defined: frozenset
    used: frozenset | None
    late: frozenset


def published_demos(notebook) -> dict[str, str]:
    """{cell id: source} of the code cells a published notebook tags as demonstrations."""
    return {cell.id: cell.source for cell in notebook.cells
            if cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])}


def names(source: str) -> Names | None:
    """The names a cell defines and uses; None when even what it defines cannot be told: a cell that is not plain
    Python (IPython's magics, shell escapes and help are not), or is over MAX_CHARS."""
    if len(source) > MAX_CHARS:
        return None
    try:
        table, tree = symtable.symtable(source, "<cell>", "exec"), ast.parse(source)
    except Exception:  # IPython's syntax, or code that does not parse (or is built to break the parser)
        return None
    defined = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned() or symbol.is_imported()}
    used = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    late = set()
    scopes = [(child, False) for child in table.get_children()]
    while scopes:  # functions, classes, lambdas and comprehensions: the globals they read or declare
        scope, deferred = scopes.pop()
        deferred = deferred or (scope.get_type() == "function" and not scope.get_name().endswith("comp"))
        scopes += [(child, deferred) for child in scope.get_children()]
        for symbol in scope.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                defined.add(symbol.get_name())
            read = symbol.is_referenced() and (symbol.is_global() or scope.get_type() == "class")
            if read:  # a class body may read a global of the name it assigns (x = x)
                used.add(symbol.get_name())
                if deferred:
                    late.add(symbol.get_name())
    dynamic = False
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AugAssign) else node
        if isinstance(target, ast.Name) and (node is not target or isinstance(node.ctx, ast.Del)):
            used.add(target.id)  # `x += 1` and `del x` need an x, which symtable counts as defined only
        dynamic |= isinstance(node, ast.Attribute) and node.attr in BY_STRING
        dynamic |= isinstance(node, ast.ImportFrom) and node.module == "__main__"
    dynamic |= bool(used & DYNAMIC) or any(HISTORY.fullmatch(name) for name in used)
    return Names(frozenset(defined), None if dynamic else frozenset(used), frozenset(late))


def left_out(cells: list, demos: dict[str, str]) -> set[int]:
    """The positions of the cells the grader may leave out: demonstrations held as published (``demos``: {id:
    source}) that define no name a cell that runs uses, at once or, through its functions, whenever they are
    called; nothing when the notebook's code is over BUDGET_CHARS."""
    code = [position for position, cell in enumerate(cells) if cell.cell_type == "code"]
    if sum(len(cells[position].source) for position in code) > BUDGET_CHARS:
        return set()
    read = {position: names(cells[position].source) for position in code}
    late: set[str] = set()
    while True:  # until the names the functions that run read later are all kept
        out = _looking_back(cells, demos, read, late)
        more = set().union(*(read[position].late for position in code if position not in out and read[position]))
        if more <= late:
            return out
        late |= more


def _looking_back(cells: list, demos: dict[str, str], read: dict, late: set[str]) -> set[int]:
    """From the last cell back: the demonstrations no later cell that runs needs, ``late`` needed throughout."""
    needed, out = set(late), set()
    for position in sorted(read, reverse=True):
        cell, found = cells[position], read[position]
        if found is not None and demos.get(cell.get("id")) == cell.source and not found.defined & needed:
            out.add(position)
            continue
        if found is None or found.used is None:  # it may use anything defined before it
            return out
        needed |= found.used
    return out


def without_demos(notebook, demos: dict[str, str]) -> int:
    """Empty, in place, the cells of ``notebook`` the grader may leave out; how many there were."""
    out = left_out(notebook.cells, demos)
    for position in out:
        notebook.cells[position].source = LEFT_OUT
    return len(out)
