"""Deadlines (docs/model.md §8): the core's allocation and every method of the paper's problem against the oracle."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched import _core, reference

from .strategies import edge_sets, paper_instances

PAPER_METHODS = ("auto", "exhaustive", "greedy", "local", "edge", "random")


@settings(max_examples=150, deadline=None)
@given(edge_sets(8))
def test_core_allocation_equals_the_oracle(case):
    c, w, D, F, w_delay = case
    ours = _core.deadline_allocation(c, w, D, F, w_delay)
    theirs = reference.deadline_allocation(c.tolist(), w.tolist(), D.tolist(), F, w_delay)
    if theirs is None:
        assert ours is None
        assert not reference.deadline_feasible(c.tolist(), w.tolist(), D.tolist(), F)
        return
    assert ours is not None
    f, t = ours
    delay = c * c / f + w * w / t
    assert np.all(delay <= D)  # exactly, as decoded
    assert f.sum() <= F * (1 + 1e-15) and t.sum() <= 1 + 1e-15
    ref_cost = w_delay * sum(ci * ci / fi + wi * wi / ti for ci, wi, fi, ti in zip(c, w, *theirs))
    assert w_delay * delay.sum() == pytest.approx(ref_cost, rel=1e-7)


def test_core_allocation_without_binding_deadlines_is_theorem_2():
    c, w = np.array([2e5, 1e5, 3e5]), np.array([0.3, 0.1, 0.2])
    f, t = _core.deadline_allocation(c, w, np.array([math.inf, 10.0, math.inf]), 22e9, 0.5)
    np.testing.assert_allclose(f, 22e9 * c / c.sum(), rtol=1e-12)  # eq. (19)
    np.testing.assert_allclose(t, w / w.sum(), rtol=1e-12)  # eq. (20), general form


def _tight_deadlines(kw, seed, tight=(0.3, 1.1), share=0.5):
    """Deadlines below the unconstrained optimum's delays for about ``share`` of the devices, none elsewhere."""
    free = es.solve_offloading(**kw, method="exhaustive")
    rng = np.random.default_rng(seed)
    n = free.delay.size
    return np.where(rng.random(n) < share, free.delay * rng.uniform(*tight, n), np.inf), free


@settings(max_examples=40, deadline=None)
@given(paper_instances(1, 7), st.integers(0, 2**32 - 1))
def test_every_method_meets_every_deadline_and_auto_is_the_oracle(kw, seed):
    D, free = _tight_deadlines(kw, seed)
    try:
        best = reference.solve_deadlines(**kw, deadline=D.tolist())
    except ValueError:
        best = None
    for method in PAPER_METHODS:
        try:
            s = es.solve_offloading(**kw, method=method, seed=seed, deadline=D)
        except ValueError as exc:
            # only where no schedule exists, or where the method's own schedule cannot meet the deadlines
            assert best is None or method in ("local", "edge"), (method, str(exc))
            assert "deadline" in str(exc)
            continue
        assert best is not None, method
        assert np.all(s.delay <= D), method  # exactly as decoded
        assert s.cost >= best.cost * (1 - 1e-9), method
        assert s.lower_bound <= best.cost * (1 + 1e-9), method
        assert s.cost >= free.cost * (1 - 1e-9)  # deadlines never make it cheaper
        on = s.offload
        if on.any():
            assert s.f_edge[on].sum() <= kw["f_edge_max"] * (1 + 1e-12)
            assert s.time_share[on].sum() <= 1 + 1e-12
        # the reported delays are those of the reported shares
        rho = np.broadcast_to(kw["rho"], on.shape)
        bits = kw["frames"] * kw["frame_bits"] / kw["rate"]
        edge_delay = rho * kw["macs"] / np.where(on, s.f_edge, 1.0) + bits / np.where(on, s.time_share, 1.0)
        np.testing.assert_allclose(s.delay[on], edge_delay[on], rtol=1e-9)
        if method in ("auto", "exhaustive"):
            assert s.cost == pytest.approx(best.cost, rel=1e-6), method
            assert s.optimal, method


@settings(max_examples=15, deadline=None)
@given(paper_instances(1, 6))
def test_loose_deadlines_change_nothing(kw):
    free = es.solve_offloading(**kw, method="exhaustive")
    s = es.solve_offloading(**kw, method="auto", deadline=free.delay * 1.5 + 1e-3)
    assert s.cost == pytest.approx(free.cost, rel=1e-9)
    np.testing.assert_array_equal(s.offload, free.offload)


def test_auto_beyond_exhaustive_search_certifies_its_gap():
    sc = es.scenarios.paper_default(n_devices=60, seed=3)
    kw = sc.solver_kwargs()
    free = es.solve_offloading(**kw, method="auto")
    rng = np.random.default_rng(0)
    D = np.where(rng.random(60) < 0.5, free.delay * 0.95, np.inf)  # some too tight for Theorem 1
    s = es.solve_offloading(**kw, method="auto", deadline=D)
    assert np.all(s.delay <= D)
    assert free.cost <= s.cost and s.lower_bound <= s.cost
    greedy = es.solve_offloading(**kw, method="greedy", deadline=D)
    assert np.all(greedy.delay <= D)
    assert s.cost <= greedy.cost * (1 + 1e-12)


def test_local_frequency_is_raised_to_meet_the_deadline():
    kw = dict(macs=3e9 / 0.12, frames=9.0, frame_bits=301056.0, rate=1e3, tx_power=0.2, f_local_max=1.8e9,
              w_delay=0.5, w_energy=0.5)
    s = es.solve_offloading(**kw, method="auto", deadline=1.7)  # the upload takes 2709 s: local it is
    assert not s.offload[0]
    assert s.f_local[0] == pytest.approx(3e9 / 1.7, rel=1e-9) and s.delay[0] <= 1.7
    assert s.f_local[0] == pytest.approx(reference.deadline_local_frequency(0.5, 0.5, 1e-28, 1.8e9, 3e9, 1.7))


def test_impossible_deadline_names_the_device_and_the_reason():
    kw = dict(macs=[25e9, 25e9], frames=[9, 9], frame_bits=301056.0, rate=[3e7, 1e5], tx_power=0.2,
              f_local_max=1.8e9)
    for method in ("auto", "greedy", "exhaustive"):
        with pytest.raises(ValueError, match=r"device 1: cannot meet its deadline of 0\.5 s: it is too slow "
                                             r"locally .*its upload alone takes"):
            es.solve_offloading(**kw, method=method, deadline=[10.0, 0.5])
    kw["rate"] = [3e7, 3e9]
    with pytest.raises(ValueError, match=r"device 1: .*offloaded with the whole edge server"):
        es.solve_offloading(**kw, deadline=[10.0, 0.13])  # 0.136 s of compute alone


def test_devices_that_fit_alone_but_not_together():
    # each needs the edge (too slow locally) and fits the server alone, but not all three at once
    kw = dict(macs=25e9, frames=9.0, frame_bits=301056.0, rate=[3e8, 2e8, 1e8], tx_power=0.2, f_local_max=1.0e9)
    alone = 3e9 / 22e9 + 9 * 301056.0 / 3e8
    D = np.full(3, 1.4 * alone)
    with pytest.raises(ValueError, match=r"devices 0, 1, 2 are too slow locally .* cannot serve device"):
        es.solve_offloading(**kw, deadline=D)
    with pytest.raises(ValueError, match="no offloading set"):
        reference.solve_deadlines(**kw, deadline=D.tolist())
    s = es.solve_offloading(**kw, deadline=D, infeasible="drop")
    assert s.dropped is not None and 0 < s.dropped.size < 3
    served = np.setdiff1d(np.arange(3), s.dropped)
    assert np.all(s.delay[served] <= D[served]) and np.all(s.offload[served])
    assert np.all(np.isinf(s.delay[s.dropped])) and not s.offload[s.dropped].any()
    assert s.cost == pytest.approx(float(np.sum(0.5 * s.delay[served] + 0.5 * s.energy[served])))
    assert f"dropped {s.dropped.size}," in s.summary() and "inf" not in s.summary()


def test_method_local_and_edge_say_why_they_cannot():
    kw: dict = dict(macs=25e9, frames=9.0, frame_bits=301056.0, tx_power=0.2, f_local_max=1.0e9)
    with pytest.raises(ValueError, match="method 'local' cannot meet device 0's deadline"):
        es.solve_offloading(**kw, rate=[3e8, 1e5], method="local", deadline=[1.0, np.inf])
    kw["f_local_max"] = 2e10  # fast enough locally; each fits the server alone, not both
    alone = 3e9 / 22e9 + 9 * 301056.0 / 3e8
    with pytest.raises(ValueError, match="method 'edge' cannot meet every deadline"):
        es.solve_offloading(**kw, rate=[3e8, 3e8], method="edge", deadline=1.4 * alone)


@pytest.mark.parametrize("bad, message", [
    (np.nan, r"deadline is nan; deadline must be > 0 s"),
    ([1.0, np.nan], r"deadline\[1\] is nan"),
    ([1.0, -1.0], r"deadline\[1\] is -1.0"),
    ([1.0, 0.0], r"deadline\[1\] is 0.0"),
    ([1.0, 2.0, 3.0], r"deadline has shape \(3,\)"),
    (["a", "b"], "deadline must be"),
])
def test_bad_deadlines_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        es.solve_offloading(macs=2e10, frames=9.0, frame_bits=3e5, rate=[1e7, 2e7], tx_power=0.2,
                            f_local_max=1.8e9, deadline=bad)


def test_bad_infeasible_option():
    with pytest.raises(ValueError, match="infeasible is 'skip'"):
        es.solve_offloading(macs=2e10, frames=9.0, frame_bits=3e5, rate=1e7, tx_power=0.2, f_local_max=1.8e9,
                            deadline=1.0, infeasible="skip")


def test_no_finite_deadline_is_the_deadline_free_solve():
    kw = es.scenarios.paper_default(n_devices=12, seed=1).solver_kwargs()
    free = es.solve_offloading(**kw, method="auto")
    s = es.solve_offloading(**kw, method="auto", deadline=np.inf)
    assert s.cost == free.cost and np.array_equal(s.delay, free.delay)
    assert s.deadline is not None and np.isinf(s.deadline).all() and free.deadline is None


def test_scenarios_carry_deadlines_to_solve():
    sc = es.scenarios.paper_default(n_devices=10, seed=4)
    free = es.solve(sc)
    D = np.where(np.arange(10) % 3 == 0, free.delay * 0.97, np.inf)
    with_d = es.scenarios.paper_default(n_devices=10, seed=4, deadline=D)
    assert with_d.deadline is not None and np.array_equal(with_d.deadline, D) and sc.deadline is None
    assert with_d != sc and with_d == es.scenarios.paper_default(n_devices=10, seed=4, deadline=D)
    s = es.solve(with_d)
    assert np.all(s.delay <= D) and s.optimal and s.dropped is None  # nothing is dropped unless asked
    best = reference.solve_deadlines(**with_d.solver_kwargs(), deadline=D.tolist())
    assert s.cost == pytest.approx(best.cost, rel=1e-6)
    het = es.scenarios.heterogeneous(n_devices=5, seed=1, deadline=2.0)
    assert het.deadline is not None and np.array_equal(het.deadline, np.full(5, 2.0))
    with pytest.raises(ValueError, match=r"deadline\[2\] is nan"):
        es.scenarios.paper_default(n_devices=4, deadline=[1.0, 1.0, np.nan, 1.0])


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["auto", "greedy", "random"]))
def test_cells_with_deadlines_equal_each_cell_alone(seed, method):
    rng = np.random.default_rng(seed)
    n, k = 40, 4
    kw = es.scenarios.heterogeneous(n_devices=n, seed=seed % 1000).solver_kwargs()
    cell = rng.integers(0, k, n)
    cap = rng.uniform(10e9, 30e9, k)
    free = es.solve_offloading(**{**kw, "f_edge_max": cap}, cell=cell, method="auto")
    D = np.where(rng.random(n) < 0.4, free.delay * rng.uniform(0.7, 1.0, n), np.inf)
    args = dict(method=method, seed=7, deadline=D, infeasible="drop")
    s = es.solve_offloading(**{**kw, "f_edge_max": cap}, cell=cell, **args)
    served = np.ones(n, bool)
    if s.dropped is not None:
        served[s.dropped] = False
    assert np.all(s.delay[served] <= D[served])
    for j in range(k):
        mine = np.flatnonzero(cell == j)
        if mine.size == 0:
            continue
        alone = es.solve_offloading(**{key: (v[mine] if np.ndim(v) else v) for key, v in kw.items()
                                       if key != "f_edge_max"}, f_edge_max=cap[j], **{**args, "deadline": D[mine]})
        assert s.cell_cost is not None and s.cell_cost[j] == alone.cost
        np.testing.assert_array_equal(s.offload[mine], alone.offload)
        np.testing.assert_array_equal(s.delay[mine], alone.delay)


def test_demo_shows_deadlines_met(capsys):
    from edgesched.cli import main

    assert main(["demo", "--devices", "8", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Deadlines (docs/model.md §8)" in out
    assert "every deadline met: yes" in out


SCENARIO = """
devices = [
  { name = "a", rate = 2e7, model = "r3d_18" },
  { name = "b", rate = 3e7, model = "r3d_18", deadline = 1.2 },
  { name = "c", rate = 1e7, model = "slow" },
]

[[servers]]
bandwidth = 5e6
f_edge_max = 22e9

[models.r3d_18]

[models.slow]
macs = "r3d_18"
deadline = DEADLINE

[device_defaults]
alpha = 0.9
tx_power = 0.2
f_local_max = 1.8e9
"""


def test_scenario_files_give_deadlines_per_device_or_per_model(tmp_path):
    from edgesched.scenarios import ScenarioFileError, load_scenario

    path = tmp_path / "deadlines.toml"
    path.write_text(SCENARIO.replace("DEADLINE", "1.5"))
    f = load_scenario(path)
    assert isinstance(f, es.scenarios.ScenarioFile) and f.deadline is not None
    np.testing.assert_array_equal(f.deadline, [np.inf, 1.2, 1.5])
    s = f.solve("auto")
    assert np.all(s.delay <= f.deadline) and s.optimal
    kw = dict(f.devices.arrays(), f_edge_max=22e9)
    assert s.cost == pytest.approx(reference.solve_deadlines(**kw, deadline=f.deadline.tolist()).cost, rel=1e-6)
    path.write_text(SCENARIO.replace("DEADLINE", "0.01"))
    with pytest.raises(ScenarioFileError, match=r"deadlines.toml: devices\[2\]: cannot meet its deadline of 0.01 s"):
        load_scenario(path).solve("auto")
    path.write_text(SCENARIO.replace("DEADLINE", "-1"))
    with pytest.raises(ScenarioFileError, match=r"models.slow.deadline is -1; deadline must be > 0 s"):
        load_scenario(path)


OPTION_METHODS_WITH_DEADLINES = ("auto", "exhaustive", "greedy", "descent", "warm", "bnb", "random")


@settings(max_examples=25, deadline=None)
@given(paper_instances(1, 6), st.integers(0, 2**32 - 1))
def test_paper_table_with_deadlines_is_the_oracle(kw, seed):
    D, _ = _tight_deadlines(kw, seed)
    table = es.paper_table(**kw, deadline=D)
    assert table.has_deadlines == bool(np.isfinite(D).any())
    try:
        best = reference.solve_deadlines(**kw, deadline=D.tolist())
    except ValueError:
        best = None
    for method in OPTION_METHODS_WITH_DEADLINES:
        try:
            s = es.solve_options(table, method, seed=seed)
        except ValueError as exc:
            assert best is None, (method, str(exc))
            assert "deadline" in str(exc)
            continue
        assert best is not None
        assert math.isfinite(table.cost(s.choice)) and s.cost == pytest.approx(table.cost(s.choice), rel=1e-12)
        assert s.cost >= best.cost * (1 - 1e-9) and s.lower_bound <= best.cost * (1 + 1e-9)
        if method in ("auto", "exhaustive"):
            assert s.cost == pytest.approx(best.cost, rel=1e-6), method
        if method == "exhaustive":
            assert s.optimal
    if best is not None:
        assert es.solve_offloading(**kw, method="auto", deadline=D).cost == pytest.approx(best.cost, rel=1e-6)


def _brute_force_with_slack(menus, slack, F, w_delay):
    """The cheapest choice by enumeration, each server's shares from the oracle's deadline_allocation."""
    import itertools

    best = math.inf
    for pick in itertools.product(*(range(len(m)) for m in menus)):
        cost, on = 0.0, {}
        for n, k in enumerate(pick):
            lin, j, c, w = menus[n][k]
            if slack[n][k] < 0:
                cost = math.inf
            cost += lin
            if j >= 0:
                on.setdefault(j, []).append((c, w, slack[n][k]))
        for j, opts in on.items():
            if all(o[0] == 0 for o in opts):  # the oracle needs some CPU work: a negligible amount
                opts = [(1e-6, o[1], o[2]) for o in opts]
            alloc = reference.deadline_allocation([o[0] for o in opts], [o[1] for o in opts],
                                                  [o[2] for o in opts], F[j], w_delay)
            if alloc is None:
                cost = math.inf
                break
            cost += w_delay * sum((o[0] ** 2 / f if o[0] else 0.0) + o[1] ** 2 / t for o, f, t in zip(opts, *alloc))
        best = min(best, cost)
    return best


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_option_tables_with_slack_on_several_servers(seed):
    rng = np.random.default_rng(seed)
    n, S, w_delay = int(rng.integers(2, 6)), int(rng.integers(1, 3)), 0.5
    F = rng.uniform(10e9, 30e9, S)
    menus, slack = [], []
    for _ in range(n):
        menu = [(float(rng.uniform(0.5, 2.0)), -1, 0.0, 0.0)]
        for j in range(S):
            c, w = float(np.sqrt(rng.uniform(1e9, 4e9))), float(np.sqrt(rng.uniform(0.005, 0.05)))
            menu.append((float(rng.uniform(0.0, 0.2)), j, c, w))
        cloud = rng.random() < 0.4  # via server 0 to the cloud: airtime only (c = 0), a fixed delay
        if cloud:
            menu.append((float(rng.uniform(0.1, 0.5)), 0, 0.0, float(np.sqrt(rng.uniform(0.005, 0.05)))))
        menus.append(menu)
        slack.append([float(rng.choice([math.inf, rng.uniform(-0.1, 1.0)]))] +
                     [float(rng.choice([math.inf, rng.uniform(0.1, 0.6)])) for _ in range(S + cloud)])
    table = es.OptionTable.from_menus(menus, A=w_delay / F, B=np.full(S, w_delay))
    table = es.OptionTable(**table.arrays(), slack=np.concatenate(slack))
    best = _brute_force_with_slack(menus, slack, F, w_delay)
    for method in ("exhaustive", "auto", "descent", "bnb", "random"):
        try:
            s = es.solve_options(table, method, seed=seed)
        except ValueError as exc:
            assert best == math.inf or method != "exhaustive", str(exc)
            continue
        assert math.isfinite(s.cost) and s.cost >= best * (1 - 1e-9) and s.lower_bound <= best * (1 + 1e-9)
        if method == "exhaustive":
            assert s.cost == pytest.approx(best, rel=1e-6) and s.optimal


def test_option_table_slack_is_validated():
    t = es.paper_table(macs=2e10, frames=9.0, frame_bits=3e5, rate=[1e7, 2e7], tx_power=0.2, f_local_max=1.8e9)
    with pytest.raises(ValueError, match=r"slack\[2\] is nan"):
        es.OptionTable(**t.arrays(), slack=[1.0, 1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match=r"slack has shape \(3,\)"):
        es.OptionTable(**t.arrays(), slack=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="scip"):
        es.solve_options(es.OptionTable(**t.arrays(), slack=[1.0, 1.0, 1.0, 1.0]), "scip")
    with pytest.raises(ValueError, match="device 1: none of its options meets its deadline"):
        es.solve_options(es.OptionTable(**t.arrays(), slack=[1.0, 1.0, -1.0, 1e-6]), "auto")


def test_auto_proves_optimality_where_no_deadline_binds():
    kw = es.scenarios.heterogeneous(n_devices=80, seed=5).solver_kwargs()
    free = es.solve_offloading(**kw, method="auto", gap_tol=0.0)
    assert free.optimal
    D = np.where(np.arange(80) % 2 == 0, free.delay * (1 + 1e-6), np.inf)  # every deadline met, none tighter
    s = es.solve_offloading(**kw, method="auto", gap_tol=0.0, deadline=D)
    assert s.optimal and s.cost == pytest.approx(free.cost, rel=1e-12) and np.all(s.delay <= D)


def test_a_city_with_deadlines():
    city = es.scenarios.city(9, 30, seed=2, deadline=2.5)
    assert city.deadline is not None and np.all(city.deadline == 2.5)
    s = es.solve(city)
    assert np.all(s.delay <= 2.5) and s.cell_cost is not None
    free = es.solve(es.scenarios.city(9, 30, seed=2))
    assert s.cost >= free.cost * (1 - 1e-12) and np.any(free.delay > 2.5)  # the deadline binds somewhere
    with pytest.raises(ValueError, match="deadline is -1.0"):
        es.scenarios.city(4, 10, deadline=-1.0)


def test_option_table_slack_is_a_private_immutable_copy():
    t = es.paper_table(macs=2e10, frames=9.0, frame_bits=3e5, rate=[1e7, 2e7], tx_power=0.2, f_local_max=1.8e9)
    mine = np.array([1.0, 1.0, 2.0, 2.0])
    table = es.OptionTable(**t.arrays(), slack=mine)
    mine[0] = -1.0
    assert table.slack is not None and table.slack[0] == 1.0
    with pytest.raises(ValueError):
        table.slack.setflags(write=True)


def _slack_table(menus: list, slack: float, servers: int) -> es.OptionTable:
    t = es.OptionTable.from_menus(menus, A=[1.0] * servers, B=[1.0] * servers)
    return es.OptionTable(t.option_ptr, t.linear, t.server, t.c, t.w, t.A, t.B,
                          slack=np.full(t.linear.shape, slack))


@pytest.mark.parametrize("method", ["auto", "descent", "bnb"])
def test_option_tables_that_cannot_fit_together_name_their_devices(method):
    # Each device alone takes 1 + 1 = 2 s of its 3 s on a server of F = 1; two on one server take 4 s each.
    one_server = _slack_table([[(1.0, 0, 1.0, 1.0)]] * 3, 3.0, 1)
    with pytest.raises(ValueError, match=r"server 0 cannot serve its devices 0, 1, 2 in time, and none of them "
                                         r"has an option elsewhere"):
        es.solve_options(one_server, method)
    # Five devices, two servers that hold one each: the moves end with devices still over their deadlines.
    two_servers = _slack_table([[(1.0, 0, 1.0, 1.0), (1.0, 1, 1.0, 1.0)]] * 5, 3.0, 2)
    with pytest.raises(ValueError, match=r"server [01] still cannot serve its devices \d, \d"):
        es.solve_options(two_servers, method)
