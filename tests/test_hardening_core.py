"""The compiled core under hostile inputs: arrays that another thread writes while the core runs (it releases the
GIL), and magnitudes from subnormal to near overflow. Every call returns finite numbers or raises a ValueError that
names an input; none crashes, hangs or returns inf or NaN."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched import OptionTable, reference

from .test_options import plain_greedy

PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")

# ------------------------------------------------------------------------------------ inputs written meanwhile

# Solves `iterations` times while a second thread keeps writing bad and good values into one of the arrays the
# call reads (the core runs without the GIL, so the writes land during the solve). Every call must return finite
# numbers whose cells are those of the schedule's own copy of the labels, or raise ValueError; a crash kills the
# subprocess and fails the test rather than the test run.
MUTATE = r"""
import json, sys, threading
import numpy as np
import edgesched as es

PER_DEVICE = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")
field, layout, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
n, K = 100_000, 8
kw = es.scenarios.heterogeneous(n, seed=1).solver_kwargs()
kw = {k: (np.broadcast_to(np.asarray(v, float), n).copy() if k in PER_DEVICE else v) for k, v in kw.items()}
kw["f_edge_max"] = np.full(K, 22e9)
cell = (np.arange(n) % K if layout == "interleaved" else np.arange(n) * K // n).astype(np.int64)
target = cell if field == "cell" else kw[field]
half = slice(n // 2, n)  # read last: the writer is running by then
good = target[half].copy()
bad = [np.full_like(good, v) for v in {"cell": [2**40, -1, K], "frames": [np.nan, 2.5, -3.0]}.get(
    field, [np.nan, np.inf, -1.0, 0.0])]
idle = np.ones(4 * good.size)
stop = threading.Event()

def write():  # numpy releases the GIL while it copies: the writes land during the Python checks and the core's
    i = 0     # reads alike; the idle work keeps the values good most of the time, so many calls pass the checks
    while not stop.is_set():
        target[half] = bad[i % len(bad)]
        target[half] = good
        np.sqrt(idle, out=idle)
        i += 1

writer = threading.Thread(target=write)
writer.start()
counts = {"result": 0, "error": 0}
try:
    for i in range(iterations):
        method = ("local", "random")[i % 2]
        try:
            s = es.solve_offloading(**kw, cell=cell, method=method)
        except ValueError as e:  # naming the array written, or saying that another thread changed it
            assert field in str(e) or "another thread changed" in str(e), str(e)
            counts["error"] += 1
            continue
        numbers = [s.f_local, s.f_edge, s.time_share, s.delay, s.energy, s.cell_cost, [s.cost, s.lower_bound]]
        assert all(np.isfinite(x).all() for x in numbers), "a result holds a number that is not finite"
        assert s.cell.min() >= 0 and s.cell.max() < K, "the schedule's cells are not those it was solved with"
        per_cell = np.bincount(s.cell, weights=s.device_cost, minlength=K)
        np.testing.assert_allclose(per_cell, s.cell_cost, rtol=1e-9)
        counts["result"] += 1
finally:
    stop.set()
    writer.join()
print(json.dumps(counts))
"""


@pytest.mark.parametrize("field, layout", [("cell", "interleaved"), ("cell", "sorted"), ("rate", "sorted"),
                                           ("frames", "sorted"), ("f_local_max", "sorted"), ("kappa", "interleaved")])
def test_inputs_written_during_the_solve(field, layout):
    # "sorted": each cell a run of devices, whose inputs the core reads in place; "interleaved": gathered.
    iterations = 40
    done = subprocess.run([sys.executable, "-c", MUTATE, field, layout, str(iterations)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["result"] + counts["error"] == iterations


# ---------------------------------------------------------------------------------------- extreme magnitudes

EXTREME = [1e-320, 5e-309, 1e-300, 1e-160, 1e-40, 1e-12, 0.3, 1.0, 7.0, 1e12, 1e40, 1e154, 1e160, 1e300, 1.7e308]
NAMES = re.compile(r"\b(?:macs|frames|frame_bits|rate|tx_power|f_local_max|kappa|rho|f_edge_max|w_delay|w_energy|"
                   r"linear)\b|\b(?:device|cell|server) \d+|\b[AB]\[\d+\]")


def magnitudes(size: int):
    """Values spread over every decade of the doubles, the extremes (subnormal, near overflow) likely."""
    value = st.one_of(st.sampled_from(EXTREME), st.floats(-320.0, 308.2).map(lambda e: float(10.0 ** e)))
    return st.lists(value.filter(lambda x: x > 0.0), min_size=size, max_size=size)


@st.composite
def extreme_instances(draw):
    n = draw(st.integers(1, 5))
    kw = {}
    for name in PER_DEVICE:
        values = np.array(draw(magnitudes(n)))
        if name == "frames":
            values = np.maximum(np.round(values), 1.0)
        kw[name] = values if draw(st.booleans()) else np.full(n, values[0])  # alike devices, or not
    kw["f_edge_max"] = draw(magnitudes(1))[0]
    kw["w_delay"] = draw(magnitudes(1))[0]
    kw["w_energy"] = draw(st.one_of(st.just(0.0), magnitudes(1).map(lambda v: v[0])))
    return kw


def assert_names_an_input(error: ValueError) -> None:
    assert NAMES.search(str(error)), f"the error names no input: {error}"


def assert_finite(*arrays) -> None:
    for a in arrays:
        assert np.isfinite(np.asarray(a, dtype=float)).all(), arrays


@settings(max_examples=120, deadline=None)
@given(extreme_instances(), st.sampled_from(es.METHODS))
def test_solve_offloading_is_finite_or_names_an_input(kw, method):
    try:
        s = es.solve_offloading(**kw, method=method, seed=1, node_limit=1000)
    except ValueError as e:
        assert_names_an_input(e)
        return
    assert_finite(s.f_local, s.f_edge, s.time_share, s.delay, s.energy, s.device_cost,
                  [s.cost, s.lower_bound, s.gap])
    assert s.lower_bound <= s.cost
    # Theorem 2: the offloaded devices share the edge CPU and the uplink exactly.
    if s.offload.any():
        assert s.time_share[s.offload].sum() == pytest.approx(1.0, rel=1e-9)
        assert s.f_edge[s.offload].sum() == pytest.approx(kw["f_edge_max"], rel=1e-9)


def assert_solves_finitely(table: OptionTable) -> None:
    """Every core method on the table: finite cost, bound, gap and prices, the bound below the cost; and the
    table's own relaxation bound and costs finite."""
    assert np.isfinite(table.relaxation_bound())
    n = table.n_devices
    for choice in (np.zeros(n, np.int32), table.n_options.astype(np.int32) - 1):
        assert np.isfinite(table.cost(choice))
    for method in es.OPTION_METHODS:
        if method == "scip" or (method == "exhaustive" and np.prod(table.n_options.astype(float)) > 2**16):
            continue
        if method == "edge" and (table.n_options < 2).any():
            continue
        extra = dict(prices=np.ones((2, table.n_servers)) * 1e300) if method == "warm" else {}
        try:
            r = es.solve_options(table, method, seed=2, node_limit=1000, **extra)
        except ValueError as e:
            # greedy needs the paper's table shape: the only error a table within range may give
            assert method == "greedy" and "two options per device" in str(e), (method, e)
            continue
        assert_finite([r.cost, r.lower_bound], r.prices)
        assert r.lower_bound <= r.cost, method
        # The relative gap (cost - bound) / |cost| is finite unless the cost is nearly 0 above a bound below 0,
        # where the ratio exceeds every double (results.relative_gap: +inf, no relative guarantee).
        assert np.isfinite(r.gap) or (r.cost - r.lower_bound) / np.finfo(float).max > abs(r.cost) > 0, r


@settings(max_examples=80, deadline=None)
@given(extreme_instances())
def test_paper_table_is_finite_or_names_an_input(kw):
    try:
        table = es.paper_table(**kw)
    except ValueError as e:
        assert_names_an_input(e)
        return
    assert_finite(table.linear, table.c, table.w, table.A, table.B)
    assert_solves_finitely(table)


@st.composite
def extreme_tables(draw):
    n = draw(st.integers(1, 5))
    n_srv = draw(st.integers(1, 2))
    menus = []
    for _ in range(n):
        menu = []
        for _ in range(draw(st.integers(1, 3))):
            server = draw(st.integers(-1, n_srv - 1))
            linear = draw(magnitudes(1))[0] * draw(st.sampled_from([-1.0, 1.0]))
            c, w = (0.0, 0.0) if server < 0 else tuple(draw(magnitudes(2)))
            menu.append((linear, server, c, w))
        menus.append(menu)
    A = [draw(st.one_of(st.just(0.0), magnitudes(1).map(lambda v: v[0]))) for _ in range(n_srv)]
    B = [draw(st.one_of(st.just(0.0), magnitudes(1).map(lambda v: v[0]))) for _ in range(n_srv)]
    return menus, A, B


@settings(max_examples=120, deadline=None)
@given(extreme_tables())
def test_option_tables_are_finite_or_name_an_input(spec):
    try:
        table = OptionTable.from_menus(*spec)
    except ValueError as e:
        assert_names_an_input(e)
        return
    assert_solves_finitely(table)


def test_the_reported_overflows_are_errors_naming_the_input():
    kw = es.scenarios.heterogeneous(20, seed=1).solver_kwargs()
    for capacity, words in ((1e-320, "beyond"), (1e-300, "overflow")):
        for method in ("auto", "greedy"):
            with pytest.raises(ValueError, match="f_edge_max|overflow") as e:
                es.solve_offloading(**{**kw, "f_edge_max": capacity}, method=method)
            assert words in str(e.value)
    with pytest.raises(ValueError, match=r"f_edge_max\[1\] is 9.99989e-321 Hz"):
        es.solve_offloading(**{**kw, "f_edge_max": [22e9, 1e-320]}, cell=np.arange(20) % 2)
    with pytest.raises(ValueError, match=r"^cell 1: its devices' costs together overflow"):
        es.solve_offloading(**{**kw, "f_edge_max": [22e9, 1e-300]}, cell=np.arange(20) % 2)
    with pytest.raises(ValueError, match=r"server 0: \(2 A U\)\^2 is inf"):
        OptionTable.from_menus([[(1.0, -1, 0.0, 0.0), (1.0, 0, 1e200, 1.0)]] * 4, [1e200], [1.0])
    with pytest.raises(ValueError, match=r"linear: the devices' largest \|linear\| sum to 2e\+302 by device 1"):
        OptionTable.from_menus([[(1e302, -1, 0.0, 0.0)], [(-1e302, -1, 0.0, 0.0)]], [1.0], [1.0])
    with pytest.raises(ValueError, match=r"A\[0\] is 1e\+303"):
        OptionTable.from_menus([[(1.0, 0, 1.0, 1.0)]], [1e303], [1.0])


def test_huge_edge_capacities_give_finite_shares():
    # w_delay / f_edge_max is subnormal here, and f_edge_max * c would overflow: the shares are formed as
    # f_edge_max * (c / U) where it would.
    kw = es.scenarios.heterogeneous(20, seed=1).solver_kwargs()
    for capacity in (1e300, 1.7e308):
        for method in ("auto", "greedy", "edge"):
            s = es.solve_offloading(**{**kw, "f_edge_max": capacity}, method=method)
            assert_finite(s.f_edge, s.delay, [s.cost, s.lower_bound])
            assert s.offload.any()
            assert s.f_edge[s.offload].sum() == pytest.approx(capacity, rel=1e-12)


def test_warm_prices_are_clamped_into_the_dual_box():
    # Prices far beyond 2 A U (and any price of a server whose price A or B is 0) are clamped: the start is then
    # a valid multiplier, and every number stays finite.
    menus = [[(1.0, -1, 0.0, 0.0), (0.5, 0, 1.0, 1.0)] for _ in range(3)]
    free = OptionTable.from_menus(menus, [0.0], [0.0])
    r = es.solve_options(free, "warm", prices=[[5.0], [7.0]])
    assert r.cost == r.lower_bound == 1.5 and r.optimal
    np.testing.assert_array_equal(r.prices, [[0.0], [0.0]])
    priced = OptionTable.from_menus(menus, [1.0], [0.5])
    r = es.solve_options(priced, "warm", prices=[[1e300], [1e300]])
    assert_finite([r.cost, r.lower_bound], r.prices)
    assert r.prices[0, 0] <= 2 * 1.0 * 3 and r.prices[1, 0] <= 2 * 0.5 * 3
    assert r.lower_bound <= r.cost == pytest.approx(min(priced.cost(c) for c in np.ndindex(2, 2, 2)))


# ------------------------------------------------------------------------------------ the greedy on alike devices

@st.composite
def alike_tables(draw):
    """Two-option tables of hundreds of devices drawn from a few types, in random order, with some devices of their
    own: alike devices tie at every move (over 256 devices the greedy works in blocks)."""
    n = draw(st.sampled_from([257, 300, 700]))
    n_types = draw(st.integers(1, 5))
    n_srv = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    linear = rng.uniform(0.0, 2.0, (n_types, 2))
    server = rng.integers(0, n_srv, n_types)
    c, w = rng.uniform(0.01, 1.0, n_types), rng.uniform(0.01, 1.0, n_types)
    kind = rng.integers(0, n_types, n)
    own = rng.random(n) < draw(st.sampled_from([0.0, 0.05]))  # devices of their own, among the alike ones
    menus = []
    for i in range(n):
        t = kind[i]
        jitter = rng.uniform(0.9, 1.1) if own[i] else 1.0
        menus.append([(float(linear[t, 0]), -1, 0.0, 0.0),
                      (float(linear[t, 1] * jitter), int(server[t]), float(c[t] * jitter), float(w[t]))])
    A, B = rng.uniform(0.001, 0.01, n_srv), rng.uniform(0.001, 0.01, n_srv)
    return OptionTable.from_menus(menus, A, B)


@settings(max_examples=30, deadline=None)
@given(alike_tables())
def test_greedy_on_alike_devices_is_the_plain_full_scan(table):
    np.testing.assert_array_equal(es.solve_options(table, "greedy").choice, plain_greedy(table))


ALIKE = r"""
import json, sys
import numpy as np
import edgesched as es
out = []
for n, types, seed in ((300, 1, 0), (600, 3, 1), (2000, 4, 2), (5000, 2, 3)):
    kw = es.scenarios.heterogeneous(types, seed).solver_kwargs()
    kind = np.random.default_rng(seed).integers(0, types, n)
    kw = {k: (np.broadcast_to(np.asarray(v, float), types)[kind] if np.ndim(v) else v) for k, v in kw.items()}
    out.append([es.solve_offloading(**kw, method=m).offload.astype(int).tolist() for m in ("greedy", "auto")])
json.dump(out, sys.stdout)
"""


def test_alike_devices_take_the_same_decisions_in_every_build():
    # The AVX2 scans and the portable loops (EDGESCHED_NO_AVX2), as in test_scans.py, with devices of a few types.
    runs = []
    for portable in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "EDGESCHED_NO_AVX2"}
        if portable:
            env["EDGESCHED_NO_AVX2"] = "1"
        done = subprocess.run([sys.executable, "-c", ALIKE], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1] and len(runs[0]) == 4


def test_alike_devices_match_the_reference_greedy():
    for types, seed in ((1, 0), (3, 1)):
        kw = es.scenarios.heterogeneous(types, seed).solver_kwargs()
        kind = np.random.default_rng(seed).integers(0, types, 300)
        kw = {k: (np.broadcast_to(np.asarray(v, float), types)[kind] if np.ndim(v) else v) for k, v in kw.items()}
        lists = {k: (v.tolist() if np.ndim(v) else v) for k, v in kw.items()}
        expected = np.array(reference.greedy(**lists))
        np.testing.assert_array_equal(es.solve_offloading(**kw, method="greedy").offload, expected)
