"""Deadlines enforced in the pipeline (docs/model.md §8): the option table's slack, devices that cannot meet
theirs, and the decoded allocation, on random cities of applications against exhaustive enumeration at the true
deadline-aware cost."""
from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from edgesched import _core
from edgesched.model import theorems
from edgesched.model.table import OptionTable
from edgesched.physics.hardware import HARDWARE
from edgesched.pipeline import Device, Pipeline

from .test_pipeline_apps import CLOUD, SERVERS, applications, city_devices

DEADLINES = (None, 0.05, 0.2, 0.5, 1.0, 3.0, 1e-4)


def timed_devices(seed: int, n: int, deadlines: tuple[float | None, ...] = DEADLINES) -> list[Device]:
    """n random devices of the city, each with a random deadline (None: its application's; some too tight to
    meet)."""
    rng = np.random.default_rng(seed + 1)
    return [replace(d, deadline=deadlines[int(rng.integers(len(deadlines)))]) for d in city_devices(seed, n)]


def pipeline(**kw) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(servers=SERVERS, cloud=CLOUD, applications=applications(), **kw)


def deadline_of(d: Device, pipe: Pipeline) -> float:
    app = next(a for a in pipe.applications if a.name == d.application)
    return math.inf if (d.deadline or app.deadline) is None else float(d.deadline or app.deadline)  # type: ignore


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 8),
       st.sampled_from(["auto", "descent", "bnb", "random", "exhaustive"]))
def test_served_devices_meet_their_deadlines(seed: int, n: int, method: str) -> None:
    devices = timed_devices(seed, n)
    pipe = pipeline()
    try:
        t = pipe.options(devices, infeasible="drop")
    except ValueError as exc:
        assert "is infeasible" in str(exc)
        return
    finite = [math.isfinite(deadline_of(devices[k], pipe)) for k in t.kept]
    assert (t.table.slack is not None) == any(finite)  # no slack array without a finite deadline
    assume(method != "exhaustive" or np.prod(t.table.n_options.astype(float)) <= 2e5)
    r = t.decode(_solve(t, method))
    served = [x for x in r.devices if x.feasible]
    assert len(served) == len(t.kept)
    for x in served:
        D = deadline_of(devices[x.device], pipe)
        assert x.delay <= D, (x.device, x.delay, D)
        assert not x.late
    assert all(a.late == 0 for a in r.by_application().values())
    # the decoded cost is the table's true cost of the choice (the allocation the core prices with)
    assert math.isclose(math.fsum(x.cost for x in served), r.cost, rel_tol=1e-9)


def _solve(t, method):  # type: ignore[no-untyped-def]
    from edgesched import solve_options
    return solve_options(t.table, method)


def brute_force(table) -> tuple[float, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    """The cheapest choice over every one, each priced at its true cost with deadlines (inf: misses one)."""
    best: tuple[float, tuple[int, ...]] = (math.inf, ())
    for choice in itertools.product(*(range(k) for k in table.n_options)):
        cost = table.cost(np.array(choice))
        if cost < best[0]:
            best = (cost, choice)
    return best


#: Deadlines near the delays of the city's options (s), so that they bind on shared servers.
TIGHT = (None, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5)
#: The city's servers at an eighth of their CPU: shared delays long enough for deadlines to bind there.
SLOW = tuple(replace(s, f_max=s.f_max / 8) for s in SERVERS)


def binds(table, choice) -> bool:  # type: ignore[no-untyped-def]
    """Whether the true cost of ``choice`` differs from its deadline-free cost (a deadline binds on a server)."""
    free = OptionTable(*(table.arrays()[k] for k in ("option_ptr", "linear", "server", "c", "w", "A", "B")))
    return not math.isclose(free.cost(choice), table.cost(choice), rel_tol=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.booleans(), st.booleans())
def test_auto_equals_brute_force_at_the_true_cost(seed: int, n: int, slow: bool, edge_only: bool) -> None:
    placements = ("edge",) if edge_only else ("local", "edge", "cloud", "split")
    pipe = Pipeline(servers=SLOW if slow else SERVERS, cloud=CLOUD, applications=applications(),
                    placements=placements, splits=[])
    devices = timed_devices(seed, n, TIGHT)
    try:
        t = pipe.options(devices, infeasible="drop")
    except ValueError:
        return
    assume(np.prod(t.table.n_options.astype(float)) <= 20000)
    best, _ = brute_force(t.table)
    if not math.isfinite(best):  # no choice meets every deadline together: auto says so
        with pytest.raises(ValueError, match="deadline"):
            pipe.solve(devices, "auto", infeasible="drop")
        return
    r = pipe.solve(devices, "auto", infeasible="drop")
    event("a deadline binds on a server" if binds(t.table, _choice(t, r)) else "no shared deadline binds")
    assert r.cost == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert r.cost >= best - 1e-9 * abs(best)
    for x in r.devices:
        assert not x.feasible or x.delay <= deadline_of(devices[x.device], pipe)


def _choice(t, r) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The menu index per table device of a decoded result."""
    ptr = t.table.option_ptr
    out = []
    for i, n in enumerate(t.kept):
        x = r.devices[n]
        out.append(next(o for o in range(ptr[i], ptr[i + 1])
                        if (t.variant[o], int(t.frames[o]), t.placement[o], int(t.server[o]), t.split[o])
                        == (x.variant, x.frames, x.placement, x.server, x.split)) - ptr[i])
    return np.array(out)


def test_deadlines_bind_on_shared_servers() -> None:
    """Cities where the optimum's servers run the deadline-aware allocation: it is the exact optimum, every
    deadline holds, and the binding devices finish at their deadlines."""
    pipe = Pipeline(servers=SLOW, cloud=CLOUD, applications=applications(), placements=("edge",), splits=[])
    found = 0
    for seed in range(60):
        for n in (2, 3, 4):
            devices = timed_devices(seed, n, TIGHT)
            try:
                t = pipe.options(devices, infeasible="drop")
                r = pipe.solve(devices, "auto", infeasible="drop")
            except ValueError:
                continue
            choice = _choice(t, r)
            if t.table.slack is None or not binds(t.table, choice):
                continue
            found += 1
            assert r.cost == pytest.approx(brute_force(t.table)[0], rel=1e-6)
            assert r.cost == pytest.approx(t.table.cost(choice), rel=1e-12)
            due = [deadline_of(devices[x.device], pipe) for x in r.devices if x.feasible]
            delays = [x.delay for x in r.devices if x.feasible]
            assert all(d <= D for d, D in zip(delays, due))
            assert any(d == pytest.approx(D, rel=1e-9) for d, D in zip(delays, due))  # one finishes on time
    assert found >= 5


def test_deadlines_that_cannot_be_met_are_named() -> None:
    pipe = pipeline()
    devices = city_devices(3, 4)
    devices[2] = replace(devices[2], deadline=1e-9)
    with pytest.raises(ValueError, match=r"device 2 has no option that meets its deadline: deadline 1e-09 s; its "
                                         r"fastest option takes [0-9.e+-]+ s"):
        pipe.options(devices)
    r = pipe.solve(devices, infeasible="drop")
    assert not r.devices[2].feasible and all(x.feasible for k, x in enumerate(r.devices) if k != 2)
    assert r.table().count("infeasible") == 1
    with pytest.raises(ValueError, match=r"every device \(0\) is infeasible"):
        pipe.options(devices[2:3], infeasible="drop")


def test_local_frequency_is_raised_to_meet_the_deadline() -> None:
    pipe = pipeline(placements=("local",), w_energy=1e3)  # energy dear: Theorem 1's frequency below f_max
    cpu = HARDWARE["cpu"]
    free = replace(city_devices(0, 1)[0], hardware=cpu, application="safety", alpha=0.88, deadline=None)
    loose = pipe.options([replace(free, deadline=1e3)])
    f_star = float(loose.physics["f_local"][0])
    cycles = float(loose.physics["local_cycles"][0])
    slow = cycles / f_star  # Theorem 1's delay
    tight = (slow + cycles / cpu.f_max) / 2
    assert tight < slow  # binds, and f_max meets it
    r = pipe.solve([replace(free, deadline=tight)])
    x = r.devices[0]
    assert x.f_local == pytest.approx(cycles / tight, rel=1e-9) and x.f_local > f_star
    assert x.delay <= tight
    with pytest.raises(ValueError, match="device 0 has no option that meets its deadline"):
        pipe.options([replace(free, deadline=cycles / cpu.f_max * 0.9)])


def test_no_slack_without_a_finite_deadline() -> None:
    pipe = pipeline()
    devices = [replace(d, application="sensors", alpha=None, deadline=None) for d in city_devices(5, 5)]
    free = pipe.options(devices, infeasible="drop")
    assert free.table.slack is None and not free.table.has_deadlines
    timed = pipe.options([replace(d, deadline=1e6) for d in devices], infeasible="drop")
    assert timed.table.slack is not None
    # a deadline that binds nowhere changes no price: the deadline-free table is the same
    np.testing.assert_array_equal(timed.table.linear, free.table.linear)
    assert pipe.options(city_devices(5, 5), infeasible="drop").table.slack is not None


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_slack_allocation_is_the_priced_allocation(seed: int, n: int) -> None:
    """The shares the binding returns price the choice at slack_cost: linear costs plus B_j times the delays."""
    try:
        t = pipeline().options(timed_devices(seed, n, DEADLINES[1:-1]), infeasible="drop")
    except ValueError:
        return
    table = t.table
    assert table.slack is not None
    choice = table.check_choice(_solve(t, "descent").choice)
    f, share = _core.slack_allocation(**table.arrays(), slack=table.slack, choice=choice)
    o = table.option_ptr[:-1] + choice
    on = table.server[o] >= 0
    delays = theorems.shares_delay(table.c[o], table.w[o], f, share)
    assert np.all(delays[on] <= table.slack[o][on])
    for j in range(table.n_servers):
        here = table.server[o] == j
        assert f[here].sum() <= table.B[j] / table.A[j] * (1 + 1e-9) and share[here].sum() <= 1 + 1e-9
    total = table.linear[o].sum() + float(np.sum(table.B[table.server[o][on]] * delays[on]))
    assert total == pytest.approx(table.cost(choice), rel=1e-9)
