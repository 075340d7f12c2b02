"""The solver methods and their budgets: one registry from which every list of methods is derived.

The methods of the C++ core are registered there (``src/cpp/core/methods.cpp``) and read from ``_core``; the
one method that runs outside it, ``"scip"``, is registered here. :data:`METHODS` (the paper's problem:
:func:`edgesched.solve_offloading`, :func:`edgesched.solve`, scenario files, the CLI) and :data:`OPTION_METHODS`
(:func:`edgesched.solve_options`) follow from the registry, and so do the method lists of their docstrings.
Adding a solver: write it, add its row to the registry; nothing else lists methods.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import _core

__all__ = ["AUTO_EXHAUSTIVE_CHOICES", "EXHAUSTIVE_MAX_CHOICES", "EXHAUSTIVE_MAX_DEVICES", "GAP_TOL", "METHODS",
           "NODE_LIMIT", "OPTION_METHODS", "REGISTRY", "THREADS", "TIME_LIMIT", "Method", "check_method", "describe"]


@dataclass(frozen=True)
class Method:
    """A registered solver method.

    Attributes
    ----------
    name : str
    summary : str
        One line: what it does (docstrings and ``--help``).
    paper : bool
        Solves the paper's problem, cell by cell (:func:`edgesched.solve_offloading`).
    options : bool
        Solves any option table (:func:`edgesched.solve_options`).
    proves : bool
        Can prove its schedule optimal.
    engine : str
        ``"core"`` (the C++ core) or ``"scip"`` (PySCIPOpt).
    """

    name: str
    summary: str
    paper: bool
    options: bool
    proves: bool
    engine: str = "core"


SCIP = Method("scip", "the exact MIQP through PySCIPOpt (pip install 'edgesched[exact]'); time_limit is its "
                      "wall-clock limit", paper=False, options=True, proves=True, engine="scip")

#: Every method, in documented order.
REGISTRY: dict[str, Method] = {
    **{m.name: Method(m.name, m.summary, m.paper, m.options, m.proves) for m in _core.methods()},
    SCIP.name: SCIP,
}


def _listed(default: str, applies: str) -> tuple[str, ...]:
    """The methods to which ``applies`` (a :class:`Method` flag) applies: the default first, then registry order."""
    rest = (name for name, m in REGISTRY.items() if getattr(m, applies) and name != default)
    return (default, *rest)


#: Methods of the paper's problem (:func:`edgesched.solve_offloading`, scenario files, ``edgesched solve``);
#: the first is :func:`edgesched.solve_offloading`'s default.
METHODS: tuple[str, ...] = _listed("greedy", "paper")
#: Methods of :func:`edgesched.solve_options`; the first is its default.
OPTION_METHODS: tuple[str, ...] = _listed("auto", "options")

#: Default budget of the exact search of ``"auto"`` and ``"bnb"``: nodes and seconds (per cell).
NODE_LIMIT: int = _core.DEFAULT_NODE_LIMIT
TIME_LIMIT: float = _core.DEFAULT_TIME_LIMIT
#: Default relative gap at which ``"auto"`` stops searching (like a MIP solver's relative gap limit).
GAP_TOL: float = 1e-4
#: Tables of at most this many choices are solved exactly by ``"auto"`` (bound first, the exhaustive search
#: only where the reduced-cost enumeration does not finish).
AUTO_EXHAUSTIVE_CHOICES: int = _core.AUTO_EXHAUSTIVE_CHOICES
#: Largest number of choices ``"exhaustive"`` enumerates on an option table.
EXHAUSTIVE_MAX_CHOICES: int = _core.EXHAUSTIVE_MAX_CHOICES
#: Largest number of devices per cell ``"exhaustive"`` accepts on the paper's problem.
EXHAUSTIVE_MAX_DEVICES: int = _core.EXHAUSTIVE_MAX_DEVICES
#: Threads a solve may use (the machine's logical CPUs, read once): cells in turn, the exhaustive search's tasks.
THREADS: int = _core.MACHINE_THREADS


def check_method(method: object, names: Iterable[str]) -> str:
    """``method`` if it is one of ``names``, else ValueError ``"method is 'x'; it must be one of a, b, c"``."""
    names = tuple(names)
    if not isinstance(method, str) or method not in names:
        raise ValueError(f"method is {method!r}; it must be one of {', '.join(names)}")
    return method


def describe(names: Iterable[str], indent: int = 8) -> str:
    """A docstring list of methods: ``"name"``: summary, one per line, indented."""
    pad = " " * indent
    return "\n".join(f'{pad}``"{n}"``: {REGISTRY[n].summary}.' for n in names)
