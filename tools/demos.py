"""Which cells of a submission the grader may leave out: the course's demonstrations that no exercise needs.

A section's author tags the cells that only teach (they train, compare, plot) ``demo``. When grading, such
a cell is left out if the submission holds it exactly as published and no cell that runs uses a name it
defines. The names come from the standard library's ``symtable``, read from the submission's code, never
run; a cell that may reach names the analysis cannot see (``globals()``, ``eval``, a cell magic, code
that does not parse) keeps every demonstration before it. Leaving a cell out can only make a submission
do less: it cannot earn a mark, and a learner's own cells always run.
"""

import ast
import re
import symtable

from IPython.core.inputtransformer2 import TransformerManager

TAG = "demo"
# Names through which code reaches other names by string, or IPython's record of earlier outputs (_, _3, Out): a
# cell that uses one needs everything before it.
DYNAMIC = {"globals", "locals", "vars", "dir", "eval", "exec", "get_ipython", "__import__", "__builtins__", "sys",
           "__main__", "__name__", "importlib", "In", "Out"}
HISTORY = re.compile(r"_+|_i+|_\d+|_i\d+|_oh|_ih|_dh")
FRAMES = {"f_globals", "f_locals", "f_back", "user_ns", "__dict__"}  # attributes that lead to a namespace
MAX_CHARS = 100_000  # a cell longer than any the course writes is not analysed (it could stall the grader)
LEFT_OUT = "# Left out when grading: a demonstration of the course, which no exercise needs.\n"


def published_demos(notebook) -> dict[str, str]:
    """{cell id: source} of the code cells a published notebook tags as demonstrations."""
    return {cell.id: cell.source for cell in notebook.cells
            if cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])}


def names(source: str) -> tuple[set[str], set[str] | None]:
    """(the global names a cell defines, the global names it uses), or uses None when it cannot be told."""
    if len(source) > MAX_CHARS:
        return set(), None
    try:
        code = TransformerManager().transform_cell(source)
        table, tree = symtable.symtable(code, "<cell>", "exec"), ast.parse(code)
    except Exception:  # it does not parse (or is built to break the parser): assume the worst
        return set(), None
    defined, used = set(), set()
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported():
            defined.add(symbol.get_name())
        if symbol.is_referenced():
            used.add(symbol.get_name())
    scopes = list(table.get_children())
    while scopes:  # functions, classes, lambdas and comprehensions: the globals they read or declare
        scope = scopes.pop()
        scopes += scope.get_children()
        for symbol in scope.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                defined.add(symbol.get_name())
            if symbol.is_global() and symbol.is_referenced():
                used.add(symbol.get_name())
    dynamic = False
    for node in ast.walk(tree):  # `x += 1` and `del x` need an x, which symtable counts as defined only
        target = node.target if isinstance(node, ast.AugAssign) else node
        if isinstance(target, ast.Name) and (node is not target or isinstance(node.ctx, ast.Del)):
            used.add(target.id)
        dynamic |= isinstance(node, ast.Attribute) and node.attr in FRAMES
    dynamic |= bool(used & DYNAMIC) or any(HISTORY.fullmatch(name) for name in used)
    return defined, (None if dynamic else used)


def left_out(cells: list, demos: dict[str, str]) -> set[int]:
    """The positions of the cells the grader may leave out: demonstrations held as published (``demos``: {id:
    source}) that define no name a later cell that runs uses, looking back from the last cell."""
    needed: set[str] = set()
    out: set[int] = set()
    for position in reversed(range(len(cells))):
        cell = cells[position]
        if cell.cell_type != "code":
            continue
        defined, used = names(cell.source)
        published = demos.get(cell.get("id"))
        if published is not None and published == cell.source and used is not None and not defined & needed:
            out.add(position)
            continue
        if used is None:  # it may use anything defined before it
            return out
        needed |= used
    return out


def without_demos(notebook, demos: dict[str, str]) -> int:
    """Empty, in place, the cells of ``notebook`` the grader may leave out; how many there were."""
    out = left_out(notebook.cells, demos)
    for position in out:
        notebook.cells[position].source = LEFT_OUT
    return len(out)
