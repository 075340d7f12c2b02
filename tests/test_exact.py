"""edgesched.solvers.exact: SCIP's MIQP against brute force, the paper's greedy, and the C++ solvers' certificates."""
from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import OptionTable, paper_table, scenarios, solve_offloading, solve_options
from edgesched.solvers.exact import ExactResult, solve_scip

from .strategies import paper_instances


@pytest.fixture(scope="module")
def scip():
    """Skips the test without PySCIPOpt (module scope: hypothesis forbids function-scoped fixtures)."""
    return pytest.importorskip("pyscipopt")


#: Most choices the brute force below enumerates (a few ms of table.cost calls each).
MAX_CHOICES = 1500


def brute_force(table: OptionTable) -> tuple[float, tuple[int, ...]]:
    """The optimum over every choice (itertools.product of the menus), with table.cost."""
    return min((table.cost(np.array(ch, dtype=np.int32)), ch)
               for ch in itertools.product(*(range(k) for k in table.n_options)))


_value = st.one_of(st.just(0.0), st.floats(0.0, 3.0))


@st.composite
def option_tables(draw, max_devices: int = 8) -> OptionTable:
    """Random tables: 1-8 devices, 1-3 servers, 1-4 options per device, zeros and ties allowed."""
    n = draw(st.integers(1, max_devices))
    n_srv = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(n)]
    while np.prod(sizes) > MAX_CHOICES:  # keep the brute force quick
        sizes[int(np.argmax(sizes))] -= 1
    menus = []
    for k in sizes:
        menu = []
        for _ in range(k):
            srv = draw(st.integers(-1, n_srv - 1))
            lin = draw(st.one_of(st.just(1.0), st.floats(0.0, 10.0)))
            c, w = (0.0, 0.0) if srv < 0 else (draw(_value), draw(_value))
            menu.append((lin, srv, c, w))
        menus.append(menu)
    A = [draw(st.one_of(st.just(0.0), st.floats(0.0, 2.0))) for _ in range(n_srv)]
    B = [draw(st.one_of(st.just(0.0), st.floats(0.0, 2.0))) for _ in range(n_srv)]
    return OptionTable.from_menus(menus, A, B)


def _close(a: float, b: float) -> bool:
    # SCIP stops at a 1e-9 relative gap (in practice it returns the exact optimum: 0 difference in 1500
    # random tables with c spanning 1e-3..1e5 and A 1e-12..1)
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@pytest.mark.usefixtures("scip")
@given(option_tables())
def test_matches_brute_force(table):
    best, _ = brute_force(table)
    r = solve_scip(table)
    assert isinstance(r, ExactResult)
    assert r.choice.dtype == np.int32 and r.choice.shape == (table.n_devices,)
    assert r.cost == table.cost(r.choice)
    assert r.optimal and r.status in ("optimal", "gaplimit", "trivial")
    assert _close(r.cost, best)
    assert r.lower_bound <= best * (1 + 1e-9) + 1e-12
    assert r.lower_bound <= r.cost and r.solve_time >= 0


@pytest.mark.usefixtures("scip")
@settings(max_examples=25)
@given(option_tables(max_devices=6))
def test_start_and_auto_agree(table):
    """A warm start changes nothing; SCIP and the C++ solvers' certificates are consistent."""
    auto = solve_options(table, "auto")
    r = solve_scip(table, start=auto.choice)
    cold = solve_scip(table)
    assert _close(r.cost, cold.cost)
    assert r.cost <= auto.cost * (1 + 1e-9) + 1e-12  # the exact optimum is never above auto
    assert auto.lower_bound <= r.cost * (1 + 1e-9) + 1e-12  # auto's bound is below the optimum


@pytest.mark.usefixtures("scip")
@settings(max_examples=25)
@given(paper_instances(1, 10))
def test_paper_table_matches_exhaustive(kw):
    table = paper_table(**kw)
    best = solve_offloading(**kw, method="exhaustive").cost
    r = solve_scip(table)
    assert r.optimal
    assert _close(r.cost, best)


@pytest.mark.usefixtures("scip")
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [20, 120])
def test_heterogeneous_never_above_greedy(n, seed):
    kw = scenarios.heterogeneous(n, seed).solver_kwargs()
    greedy = solve_offloading(**kw, method="greedy").cost
    r = solve_scip(paper_table(**kw))
    assert r.optimal
    assert r.cost <= greedy * (1 + 1e-12)
    assert r.lower_bound <= r.cost


@pytest.mark.usefixtures("scip")
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [40, 150])
def test_auto_proves_the_optimum_beyond_exhaustive(n, seed):
    """Above 2**22 choices auto's proof is its own search (the reduced-cost enumeration): with gap_tol=0 it
    proves the optimum that SCIP finds."""
    kw = scenarios.heterogeneous(n, seed).solver_kwargs()
    table = paper_table(**kw)
    auto = solve_options(table, "auto", gap_tol=0.0)
    assert auto.optimal
    assert _close(auto.cost, solve_scip(table).cost)
    assert auto.lower_bound <= auto.cost and auto.gap <= 1e-9


@pytest.mark.usefixtures("scip")
def test_trivial_table_needs_no_search():
    # every device has one useful option: one option, or a dominated second one
    table = OptionTable.from_menus(
        [[(1.0, 0, 2.0, 1.0)], [(0.5, -1, 0.0, 0.0), (0.7, -1, 0.0, 0.0)], [(3.0, 0, 1.0, 0.0)]], A=[0.5], B=[2.0]
    )
    r = solve_scip(table)
    assert r.status == "trivial" and r.optimal
    assert list(r.choice) == [0, 0, 0]
    assert r.cost == r.lower_bound == pytest.approx(1.0 + 0.5 + 3.0 + 0.5 * 3.0**2 + 2.0 * 1.0**2)


@pytest.mark.usefixtures("scip")
def test_time_limit_and_gap_are_honest():
    table = paper_table(**scenarios.heterogeneous(200, 3).solver_kwargs())
    exact = solve_scip(table)
    loose = solve_scip(table, gap=0.05)
    assert loose.lower_bound <= exact.cost * (1 + 1e-9)
    assert loose.cost >= exact.cost * (1 - 1e-9)
    short = solve_scip(table, time_limit=1e-3)
    assert short.lower_bound <= exact.cost * (1 + 1e-9) and short.cost >= exact.cost * (1 - 1e-9)
    if short.status == "timelimit":
        assert not short.optimal


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(gap=-1.0), "gap is -1.0"),
        (dict(gap=float("nan")), "gap is nan"),
        (dict(time_limit=0.0), "time_limit is 0.0"),
        (dict(threads=0), "threads is 0"),
        (dict(start=[0, 5]), r"choice\[1\] is 5"),
    ],
)
@pytest.mark.usefixtures("scip")
def test_bad_arguments(kwargs, match):
    table = OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (0.5, 0, 1.0, 1.0)]] * 2, A=[1.0], B=[1.0])
    with pytest.raises(ValueError, match=match):
        solve_scip(table, **kwargs)
    with pytest.raises(ValueError, match="must be an OptionTable"):
        solve_scip({"option_ptr": [0, 1]})  # type: ignore[arg-type]


def test_missing_pyscipopt_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyscipopt", None)  # `import pyscipopt` now raises ImportError
    table = OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (0.5, 0, 1.0, 1.0)]], A=[1.0], B=[1.0])
    with pytest.raises(ImportError, match=r"method='scip' needs PySCIPOpt: pip install 'edgesched\[exact\]'"):
        solve_scip(table)
