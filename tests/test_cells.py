"""Many independent cells in one call: every result equals that of the cell solved alone."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es

from .strategies import paper_instances

PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")


@st.composite
def city_instances(draw, max_devices: int = 24):
    """A paper instance whose devices are spread over up to 5 cells (some possibly empty)."""
    kw = draw(paper_instances(min_devices=1, max_devices=max_devices))
    n = int(np.size(kw["macs"]))
    n_cells = draw(st.integers(1, 5))
    cell = np.array(draw(st.lists(st.integers(0, n_cells - 1), min_size=n, max_size=n)), dtype=np.int64)
    capacity = draw(st.lists(st.floats(4e9, 60e9), min_size=int(cell.max()) + 1, max_size=int(cell.max()) + 1))
    for name in PER_DEVICE:
        kw[name] = np.broadcast_to(np.asarray(kw[name], float), n).copy()
    kw["f_edge_max"] = np.array(capacity)
    return kw, cell


def _alone(kw: dict, cell: np.ndarray, k: int, **solve_kw) -> es.Schedule:
    members = cell == k
    sub = {name: kw[name][members] for name in PER_DEVICE}
    return es.solve_offloading(**sub, f_edge_max=kw["f_edge_max"][k], w_delay=kw["w_delay"],
                               w_energy=kw["w_energy"], **solve_kw)


@settings(max_examples=40)
@given(city_instances(), st.sampled_from(["greedy", "auto", "exhaustive", "local", "edge", "random"]))
def test_cells_equal_each_cell_solved_alone(instance, method):
    kw, cell = instance
    together = es.solve_offloading(**kw, method=method, seed=7, cell=cell)
    assert together.cell_cost.shape == (int(cell.max()) + 1,)
    for k in range(int(cell.max()) + 1):
        members = cell == k
        if not members.any():
            assert together.cell_cost[k] == 0.0
            continue
        alone = _alone(kw, cell, k, method=method, seed=7)
        np.testing.assert_array_equal(together.offload[members], alone.offload)
        for name in ("f_local", "f_edge", "time_share", "delay", "energy"):
            np.testing.assert_allclose(getattr(together, name)[members], getattr(alone, name), rtol=1e-12)
        assert together.cell_cost[k] == pytest.approx(alone.cost, rel=1e-12)
    assert together.cost == pytest.approx(together.cell_cost.sum(), rel=1e-12)
    assert together.lower_bound <= together.cost * (1 + 1e-12)
    # Theorem 2 per cell: each cell's offloaded devices share its uplink and its edge CPU exactly.
    for k in np.unique(cell[together.offload]):
        on = together.offload & (cell == k)
        assert together.time_share[on].sum() == pytest.approx(1.0, rel=1e-12)
        assert together.f_edge[on].sum() == pytest.approx(kw["f_edge_max"][k], rel=1e-12)


@settings(max_examples=25)
@given(city_instances(), st.sampled_from(["greedy", "auto", "random"]))
def test_cells_as_runs_of_devices_equal_interleaved_cells(instance, method):
    # Sorted cell labels take the core's path without a permutation (each cell a run of devices); interleaved
    # ones go through the counting sort. With each cell's devices in the same relative order, every device gets
    # the same schedule, to the bit.
    kw, cell = instance
    sort = np.argsort(cell, kind="stable")
    runs = es.solve_offloading(**{**kw, **{n: kw[n][sort] for n in PER_DEVICE}}, cell=cell[sort], method=method,
                               seed=3)
    interleaved = es.solve_offloading(**kw, cell=cell, method=method, seed=3)
    for name in ("offload", "f_local", "f_edge", "time_share", "delay", "energy"):
        np.testing.assert_array_equal(getattr(runs, name), getattr(interleaved, name)[sort])
    np.testing.assert_array_equal(runs.cell_cost, interleaved.cell_cost)


def test_scalar_capacity_broadcasts_to_every_cell():
    sc = es.scenarios.heterogeneous(40, seed=3)
    cell = np.arange(40) % 4
    per_cell = es.solve_offloading(**{**sc.solver_kwargs(), "f_edge_max": np.full(4, sc.f_edge_max)},
                                   cell=cell, method="auto")
    scalar = es.solve_offloading(**sc.solver_kwargs(), cell=cell, method="auto")
    np.testing.assert_array_equal(per_cell.offload, scalar.offload)
    assert per_cell.cost == scalar.cost
    assert scalar.cell is not None and not scalar.cell.flags.writeable


def test_one_cell_is_the_plain_problem():
    kw = es.scenarios.heterogeneous(30, seed=2).solver_kwargs()
    plain = es.solve_offloading(**kw, method="auto")
    one = es.solve_offloading(**kw, method="auto", cell=np.zeros(30, dtype=int))
    np.testing.assert_array_equal(plain.offload, one.offload)
    assert plain.cost == one.cost and plain.lower_bound == one.lower_bound
    assert plain.cell_cost is None and one.cell_cost.tolist() == [one.cost]


@pytest.mark.parametrize(
    ("cell", "f_edge_max", "message"),
    [
        (np.array([0, 1]), 22e9, r"cell has 2 entries but there are 3 devices"),
        (np.array([0, -1, 1]), 22e9, r"cell\[1\] is -1"),
        (np.array([0.0, 1.0, 1.0]), 22e9, r"cell must be an array of integers"),
        (np.array([[0, 1, 1]]), 22e9, r"cell must be a 1-D array"),
        (np.array([0, 1, 1]), np.array([1e10, 2e10, 3e10]), r"one capacity per cell \(2 cells\)"),
        (np.array([0, 1, 1]), np.array([1e10, -2e10]), r"f_edge_max\[1\] is -2"),
        (np.array([0, 1, 1]), np.array([1e10, np.nan]), r"f_edge_max\[1\] is nan"),
        (np.array([0, 10**10, 1]), 22e9, r"cell\[1\] is 10000000000, for 3 devices: .* number them densely"),
    ],
)
def test_bad_cells_are_named(cell, f_edge_max, message):
    kw = es.scenarios.heterogeneous(3, seed=0).solver_kwargs()
    kw["f_edge_max"] = f_edge_max
    with pytest.raises(ValueError, match=message):
        es.solve_offloading(**kw, cell=cell)


def test_exhaustive_limit_is_per_cell():
    kw = es.scenarios.heterogeneous(40, seed=0).solver_kwargs()
    cell = np.arange(40) % 2  # two cells of 20 devices: each within the exhaustive limit
    sched = es.solve_offloading(**kw, method="exhaustive", cell=cell)
    assert sched.optimal
    with pytest.raises(ValueError, match=r"at most 30 devices per cell; got 31 \(cell 0\)"):
        es.solve_offloading(**kw, method="exhaustive", cell=(np.arange(40) >= 31).astype(int))


def test_auto_budget_and_gap_tolerance():
    city = es.scenarios.city(9, 60, seed=4)
    kw = city.solver_kwargs()
    proven = es.solve_offloading(**kw, method="auto", gap_tol=0)
    default = es.solve_offloading(**kw, method="auto")
    quick = es.solve_offloading(**kw, method="auto", node_limit=0)
    greedy = es.solve_offloading(**kw, method="greedy")
    assert proven.optimal and proven.gap < 1e-9
    assert proven.cost <= default.cost <= quick.cost <= greedy.cost
    assert default.gap <= 1e-4  # gap_tol: certified, cell by cell and so in total
    assert quick.lower_bound <= proven.cost * (1 + 1e-12) and default.lower_bound <= proven.cost * (1 + 1e-12)
    for bad, message in ((dict(node_limit=-1), "node_limit is -1"), (dict(time_limit=float("nan")), "time_limit"),
                         (dict(gap_tol=1.5), r"gap_tol is 1.5; it must be in \[0, 1\)"),
                         (dict(gap_tol=-0.1), "gap_tol")):
        with pytest.raises(ValueError, match=message):
            es.solve_offloading(**kw, **bad)


def test_core_names_a_cell_label_out_of_range():
    """The core checks the cell index as it counts the cells (the Python layer checks first; direct callers of the
    compiled module get the same ValueError, naming the entry)."""
    from edgesched import _core

    arrays = {k: np.ones(3) for k in ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa",
                                      "rho")}
    for cell, message in ((np.array([0, 5, 1]), r"cell\[1\] is 5; it must be in 0 \.\. 1"),
                          (np.array([0, 1, -2]), r"cell\[2\] is -2")):
        with pytest.raises(ValueError, match=message):
            _core.solve_paper(**arrays, cell=cell, f_edge_max=np.ones(2), w_delay=0.5, w_energy=0.5,
                              method="greedy", seed=0, threads=2, node_limit=0, time_limit=0.0, gap_tol=0.0)
