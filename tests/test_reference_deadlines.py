"""The reference oracle's deadline model (docs/model.md §8) against a general convex solver and brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched import reference

from .strategies import edge_sets, paper_instances

optimize = pytest.importorskip("scipy.optimize")


def _scipy_allocation(c, w, deadline, F, w_delay):
    """The same convex problem by SLSQP over the shares (u = f / F, t), or None if it finds nothing feasible."""
    c, w, D = np.array(c), np.array(w), np.array(deadline)
    n = c.size
    a, b = c * c / F, w * w  # delay = a / u + b / t: seconds at the whole server

    def cost(z):
        return w_delay * float(np.sum(a / z[:n] + b / z[n:]))

    finite = np.isfinite(D)
    cons = [{"type": "ineq", "fun": lambda z: 1.0 - z[:n].sum()},
            {"type": "ineq", "fun": lambda z: 1.0 - z[n:].sum()}]
    bound = np.where(finite, D, 1.0)
    if finite.any():
        cons.append({"type": "ineq", "fun": lambda z: (1.0 - (a / z[:n] + b / z[n:]) / bound)[finite]})
    best = None
    for start in (np.concatenate([c / c.sum(), w / w.sum()]), np.full(2 * n, 1.0 / n)):
        r = optimize.minimize(cost, start, method="SLSQP", constraints=cons, bounds=[(1e-12, 1.0)] * (2 * n),
                              options={"ftol": 1e-15, "maxiter": 5000})
        u, t = r.x[:n], r.x[n:]
        ok = u.sum() <= 1 + 1e-7 and t.sum() <= 1 + 1e-7 and np.all((a / u + b / t)[finite] <= D[finite] * (1 + 1e-7))
        if ok and (best is None or r.fun < best):
            best = float(r.fun)
    return best


@settings(max_examples=40)
@given(edge_sets(5, tightest=0.6, share_without=0.2))
def test_allocation_is_the_convex_optimum(case):
    c, w, deadline, F, w_delay = (x.tolist() if isinstance(x, np.ndarray) else x for x in case)
    alloc = reference.deadline_allocation(c, w, deadline, F, w_delay)
    assert (alloc is not None) == reference.deadline_feasible(c, w, deadline, F)
    theirs = _scipy_allocation(c, w, deadline, F, w_delay)
    if alloc is None:
        assert theirs is None
        return
    f, t = np.array(alloc[0]), np.array(alloc[1])
    assert f.sum() == pytest.approx(F, rel=1e-9) and t.sum() == pytest.approx(1.0, rel=1e-9)
    delay = np.array(c) ** 2 / f + np.array(w) ** 2 / t
    finite = np.isfinite(deadline)
    assert np.all(delay[finite] <= np.array(deadline)[finite] * (1 + 1e-9))
    ours = w_delay * float(np.sum(np.array(c) ** 2 / f + np.array(w) ** 2 / t))
    assert theirs is not None and ours <= theirs * (1 + 1e-7)  # SLSQP's point is feasible, so no better
    assert ours == pytest.approx(theirs, rel=1e-5)


def test_no_deadline_is_theorem_2():
    c, w = [2e5, 1e5, 3e5], [0.3, 0.1, 0.2]
    f, t = reference.deadline_allocation(c, w, [math.inf] * 3, 22e9, 0.5)
    np.testing.assert_allclose(f, 22e9 * np.array(c) / sum(c), rtol=1e-12)  # eq. (19)
    np.testing.assert_allclose(t, np.array(w) / sum(w), rtol=1e-12)  # eq. (20), general form


@settings(max_examples=25)
@given(paper_instances(1, 7))
def test_infinite_deadlines_give_the_unconstrained_optimum(kw):
    best = reference.solve_deadlines(**kw, deadline=math.inf)
    exact = reference.evaluate(reference.exhaustive(**kw), **kw)
    assert best.cost == pytest.approx(exact.cost, rel=1e-12)


@settings(max_examples=25)
@given(paper_instances(1, 7), st.floats(0.3, 1.5))
def test_every_schedule_meets_every_deadline(kw, tightness):
    free = reference.evaluate(reference.exhaustive(**kw), **kw)
    deadline = [d * tightness for d in free.delay]  # tighter than the unconstrained optimum's delays
    try:
        s = reference.solve_deadlines(**kw, deadline=deadline)
    except ValueError as exc:
        assert "deadline" in str(exc)
        return
    assert all(d <= dl * (1 + 1e-9) for d, dl in zip(s.delay, deadline))
    assert s.cost >= free.cost * (1 - 1e-12)  # deadlines only ever cost more


def test_local_frequency_is_raised_to_meet_the_deadline():
    f = reference.deadline_local_frequency(0.5, 0.5, 1e-28, 1.8e9, 3e9, 2.0)
    assert f == pytest.approx(reference.local_frequency(0.5, 0.5, 1e-28, 1.8e9))  # 1.71 GHz meets 2 s
    assert reference.deadline_local_frequency(0.5, 0.5, 1e-28, 1.8e9, 3e9, 1.7) == pytest.approx(3e9 / 1.7)
    assert reference.deadline_local_frequency(0.5, 0.5, 1e-28, 1.8e9, 3e9, 1.6) is None  # needs 1.875 GHz


def test_impossible_deadline_names_the_device():
    kw = dict(macs=[25e9, 25e9], frames=[9, 9], frame_bits=301056.0, rate=[3e7, 1e5], tx_power=0.2,
              f_local_max=1.8e9)
    with pytest.raises(ValueError, match="device 1 cannot meet its deadline"):
        reference.solve_deadlines(**kw, deadline=[10.0, 0.5])
