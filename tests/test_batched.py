"""The batched array solver (numpy, and cupy where a GPU is present) against the C++ core, row by row."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edgesched as es
from edgesched import batched, scenarios
from edgesched.solvers.batched import solve_batch

from .strategies import paper_instances

DEVICE_KEYS = ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")
SCENARIO_KEYS = ("f_edge_max", "w_delay", "w_energy")
FIELDS = ("delay", "energy", "f_edge", "time_share", "f_local")


def stack(kws):
    """Keyword arguments of ``solve_batch`` for a list of ``solve_offloading`` instances of equal N."""
    n = max(np.size(kws[0][k]) for k in DEVICE_KEYS)
    out = {k: np.stack([np.broadcast_to(kw[k], n) for kw in kws]) for k in DEVICE_KEYS}
    out.update({k: np.array([kw[k] for kw in kws], dtype=float) for k in SCENARIO_KEYS})
    return out


# S instances of one N: heterogeneous devices, or (exact ties) all devices alike within a scenario.
batches = st.integers(1, 12).flatmap(lambda n: st.lists(
    st.one_of(paper_instances(n, n), paper_instances(n, n, alike=True)), min_size=1, max_size=6))


def heterogeneous_batch(n_scenarios, n_devices):
    """Paper-like scenarios whose edge capacity ranges over 2-60 GHz, so scenarios stop at different steps."""
    kws = [scenarios.heterogeneous(n_devices, seed=s).solver_kwargs() for s in range(n_scenarios)]
    for kw, f in zip(kws, np.geomspace(2e9, 60e9, n_scenarios)):
        kw["f_edge_max"] = float(f)
    return kws


@pytest.fixture(scope="module", params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request):
    """The array module: numpy, and cupy where it is installed and sees a GPU (``backend=xp.__name__``)."""
    if request.param == "numpy":
        return np
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no CUDA GPU")
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no usable CUDA GPU")
    return cupy


def assert_rows_match_core(kws, method, backend="numpy"):
    b = solve_batch(**stack(kws), method=method, backend=backend)
    assert b.offload.shape == (len(kws), np.size(kws[0]["macs"])) and b.method == method
    for s, kw in enumerate(kws):
        ref = es.solve_offloading(**kw, method=method)
        np.testing.assert_array_equal(b.offload[s], ref.offload, err_msg=f"scenario {s}")
        assert b.cost[s] == pytest.approx(ref.cost, rel=1e-12, abs=0)
        for name in FIELDS:
            np.testing.assert_allclose(getattr(b, name)[s], getattr(ref, name), rtol=1e-12, atol=0, err_msg=name)
    return b


@pytest.mark.parametrize("method", ["greedy", "local", "edge"])
@given(kws=batches)
def test_rows_equal_core(method, kws, xp):
    assert_rows_match_core(kws, method, xp.__name__)


def test_greedy_equals_core_on_a_sweep(xp):
    # Scenarios stop after different numbers of steps: the stopped ones leave the working arrays.
    b = assert_rows_match_core(heterogeneous_batch(40, 30), "greedy", xp.__name__)
    assert 0 < b.offload.mean() < 1


def test_device_arrays_in(xp):
    # Inputs already in the backend's memory (cupy arrays on a GPU) give the same schedule.
    kw = stack(heterogeneous_batch(5, 12))
    got = solve_batch(**{k: xp.asarray(v) for k, v in kw.items()}, method="descent", backend=xp.__name__)
    want = solve_batch(**kw, method="descent")
    np.testing.assert_array_equal(got.offload, want.offload)
    np.testing.assert_allclose(got.cost, want.cost, rtol=1e-12)
    assert isinstance(got.cost, np.ndarray)


@given(kws=batches)
def test_table_equals_core(kws):
    kw = stack(kws)
    t = batched._table(np, batched._inputs(np, {k: kw[k] for k in DEVICE_KEYS},
                                               {k: kw[k] for k in SCENARIO_KEYS}))
    for s, one in enumerate(kws):
        ref = es.paper_table(**one)
        for got, want in [(t.linear0[s], ref.linear[0::2]), (t.linear1[s], ref.linear[1::2]),
                          (t.c[s], ref.c[1::2]), (t.w[s], ref.w[1::2]), (t.A[s], ref.A), (t.B[s], ref.B)]:
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


def costs(kw, offload):
    """Cost of each row of ``offload``, from scratch in the C++ core."""
    return np.array([es.paper_table(**kw).cost(o.astype(np.int32)) for o in offload])


@given(kws=batches, seed=st.integers(0, 2**32 - 1))
def test_descent_is_one_opt_and_never_worse(kws, seed):
    kw = stack(kws)
    start = np.random.default_rng(seed).random(kw["macs"].shape) < 0.5
    for begin in (start, None):
        d = solve_batch(**kw, method="descent", start=begin)
        first = begin if begin is not None else solve_batch(**kw).offload
        for s, one in enumerate(kws):
            # Not worse than the start; no single flip improves; the same moves as the C++ descent.
            row = d.offload[s]
            cost = costs(one, row[None])[0]
            assert cost <= costs(one, first[s][None])[0] * (1 + 1e-12)
            flips = np.logical_xor(row, np.eye(row.size, dtype=bool))
            assert (costs(one, flips) >= cost * (1 - 1e-12)).all()
            ref = es.solve_options(es.paper_table(**one), "descent", start=first[s].astype(np.int32))
            np.testing.assert_array_equal(row, ref.choice == 1)


def test_descent_default_start_is_greedy():
    kw = stack(heterogeneous_batch(20, 25))
    g = solve_batch(**kw)
    d = solve_batch(**kw, method="descent")
    np.testing.assert_array_equal(d.offload, solve_batch(**kw, method="descent", start=g.offload).offload)
    assert (d.cost <= g.cost).all()


def test_broadcasting():
    kws = heterogeneous_batch(3, 7)
    full = stack(kws)
    same = dict(full, kappa=1e-28, rho=np.full((1, 7), 0.12), frame_bits=full["frame_bits"][:, :1],
                w_delay=0.5, w_energy=full["w_energy"][0])
    a, b = solve_batch(**full), solve_batch(**same)
    np.testing.assert_array_equal(a.offload, b.offload)
    np.testing.assert_array_equal(a.cost, b.cost)
    one = solve_batch(**{k: full[k][0] for k in DEVICE_KEYS}, f_edge_max=full["f_edge_max"][0])
    np.testing.assert_array_equal(one.offload, a.offload[:1])


def test_result_is_read_only():
    b = solve_batch(**stack(heterogeneous_batch(2, 3)))
    with pytest.raises(ValueError):
        b.delay[0, 0] = 0.0


def test_missing_cupy_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(ImportError, match=r"backend='cupy' needs CuPy: pip install 'edgesched\[gpu\]'"):
        solve_batch(**stack(heterogeneous_batch(2, 3)), backend="cupy")


def test_cupy_without_gpu_says_so(monkeypatch):
    class CUDARuntimeError(RuntimeError):
        pass

    def no_device():
        raise CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(
        getDeviceCount=no_device, CUDARuntimeError=CUDARuntimeError))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(RuntimeError, match="backend='cupy' found no usable CUDA GPU"):
        solve_batch(1e10, 8, 3e5, 5e7, 0.2, 2e9, backend="cupy")


@pytest.mark.parametrize("change, message", [
    (dict(rate=np.array([[5e7, 5e7], [5e7, np.nan]])), r"rate\[1, 1\] is nan; rate must be finite"),
    (dict(tx_power=np.array([[0.2, 0.2], [-0.1, 0.2]])), r"tx_power\[1, 0\] is -0.1; tx_power must be > 0 W"),
    (dict(frames=np.array([8, 7.5])), r"frames\[1\] is 7.5; frames must be whole numbers"),
    (dict(macs=np.ones((2, 2), dtype=bool)), "macs must be a real number or an array of real numbers"),
    (dict(rho="0.12"), "rho must be a real number"),
    (dict(kappa=np.ones((2, 2, 1))), r"kappa has shape \(2, 2, 1\)"),
    (dict(rate=np.full((3, 2), 5e7)), "per-device arrays do not broadcast"),
    (dict(macs=np.empty((2, 0))), "at least one scenario and one device"),
    (dict(f_edge_max=np.array([1e9, 2e9, 3e9])), "f_edge_max has 3 entries but there are 2 scenarios"),
    (dict(f_edge_max=np.ones((2, 1))), r"f_edge_max has shape \(2, 1\)"),
    (dict(w_delay=np.array([0.5, 0.0])), r"w_delay\[1\] is 0.0; w_delay must be > 0 1/s"),
    (dict(w_energy=-1.0), "w_energy is -1.0; w_energy must be >= 0 1/J"),
    (dict(method="exhaustive"), "method is 'exhaustive'"),
    (dict(backend="tpu"), "backend is 'tpu'"),
    (dict(start=np.ones((2, 2), bool)), "start is only used by method='descent'"),
    (dict(method="descent", start=np.ones((2, 3), bool)), r"start has shape \(2, 3\)"),
    (dict(method="descent", start=np.full((2, 2), 2)), "start must hold 0/1 or bool"),
])
def test_validation(change, message):
    kw = dict(macs=np.full((2, 2), 1e10), frames=8.0, frame_bits=3e5, rate=5e7, tx_power=0.2, f_local_max=2e9)
    kw.update(change)
    with pytest.raises(ValueError, match=message):
        solve_batch(**kw)


def test_w_energy_zero_runs_at_full_speed():
    b = solve_batch(np.full((2, 3), 1e10), 8, 3e5, 5e7, 0.2, np.array([1e9, 2e9, 3e9]), w_energy=np.array([0, 0.5]),
                    method="local")
    np.testing.assert_array_equal(b.f_local[0], [1e9, 2e9, 3e9])
    assert (b.f_local[1] < [1e9, 2e9, 3e9]).any()
