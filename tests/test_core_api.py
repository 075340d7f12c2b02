"""The compiled module's own API: the registry of methods, the constants it shares with the Python layer, and
the errors it raises when called directly."""
import numpy as np
import pytest

import edgesched as es
from edgesched import _core

ORDER = ["auto", "greedy", "descent", "warm", "bnb", "exhaustive", "local", "edge", "random"]
PAPER_ARRAYS = dict(macs=30e9, frames=12.0, frame_bits=301056.0, rate=1e7, tx_power=0.2, f_local_max=1.8e9,
                    kappa=1e-28, rho=0.12)


def test_registry_lists_every_method_in_order():
    infos = _core.methods()
    assert [m.name for m in infos] == ORDER
    assert {m.name for m in infos if m.paper} == set(es.METHODS)
    assert all(m.options for m in infos)
    assert {m.name for m in infos if m.proves} == {"auto", "warm", "bnb", "exhaustive"}
    for m in infos:
        assert isinstance(m, _core.MethodInfo)
        assert m.summary and "\n" not in m.summary and not m.summary.endswith(".")
        assert repr(m).startswith(f"MethodInfo(name='{m.name}'")


def test_registry_entries_are_read_only():
    m = _core.methods()[0]
    for field in ("name", "summary", "paper", "options", "proves"):
        with pytest.raises(AttributeError):
            setattr(m, field, getattr(m, field))
    with pytest.raises(TypeError):
        _core.MethodInfo()


def test_constants():
    assert _core.DEFAULT_NODE_LIMIT == 200_000 and isinstance(_core.DEFAULT_NODE_LIMIT, int)
    assert _core.DEFAULT_TIME_LIMIT == 1.0 and isinstance(_core.DEFAULT_TIME_LIMIT, float)
    assert _core.AUTO_EXHAUSTIVE_CHOICES == 2**22
    assert _core.EXHAUSTIVE_MAX_CHOICES == 2**30
    assert _core.EXHAUSTIVE_MAX_DEVICES == 30


def paper_call(method, n=4):
    arrays = {k: np.full(n, v) for k, v in PAPER_ARRAYS.items()}
    return _core.solve_paper(**arrays, cell=np.zeros(n, np.int64), f_edge_max=np.array([22e9]), w_delay=0.5,
                             w_energy=0.5, method=method, seed=0, threads=1, node_limit=0, time_limit=0.0,
                             gap_tol=0.0)


def test_core_names_the_methods_of_each_problem():
    paper = "auto, greedy, exhaustive, local, edge, random"
    with pytest.raises(ValueError, match=f"unknown method 'best'; the methods of the paper's problem are {paper}$"):
        paper_call("best")
    with pytest.raises(ValueError, match=f"method 'bnb' does not apply to the paper's problem; use one of {paper}$"):
        paper_call("bnb")
    t = es.paper_table(**{k: np.full(3, v) for k, v in PAPER_ARRAYS.items() if k not in ("kappa", "rho")})
    with pytest.raises(ValueError, match="unknown method 'scip'; the methods of option tables are " + ", ".join(ORDER)):
        _core.solve_options(**t.arrays(), method="scip", start=np.zeros(3, np.int32), prices=None, seed=0,
                            threads=1, node_limit=0, time_limit=0.0, gap_tol=0.0)


def test_results_are_typed_and_read_only():
    out = paper_call("greedy")
    assert isinstance(out, _core.PaperSolution)
    fields = ("offload", "f_local", "f_edge", "time_share", "delay", "energy", "cell_cost", "cell_lower_bound",
              "cell_proven", "cell")
    dtypes = (np.bool_, *[np.float64] * 7, np.uint8, np.int64)
    for field, dtype in zip(fields, dtypes):
        assert getattr(out, field).dtype == dtype
        with pytest.raises(AttributeError):
            setattr(out, field, getattr(out, field))
    assert out.offload.shape == (4,) and out.cell_cost.shape == (1,)
    assert out.cell_cost[0] == pytest.approx(0.5 * out.delay.sum() + 0.5 * out.energy.sum())

    t = _core.paper_table(**{k: np.full(3, v) for k, v in PAPER_ARRAYS.items()}, f_edge_max=22e9, w_delay=0.5,
                          w_energy=0.5)
    assert isinstance(t, _core.TableArrays)
    assert t.option_ptr.tolist() == [0, 2, 4, 6] and t.server.tolist() == [-1, 0] * 3
    assert t.A.tolist() == [0.5 / 22e9] and t.B.tolist() == [0.5]
    with pytest.raises(AttributeError):
        t.linear = t.linear

    arrays = dict(option_ptr=t.option_ptr, linear=t.linear, server=t.server, c=t.c, w=t.w, A=t.A, B=t.B)
    r = _core.solve_options(**arrays, method="bnb", start=np.zeros(3, np.int32), prices=None, seed=0, threads=1,
                            node_limit=1000, time_limit=10.0, gap_tol=0.0)
    assert isinstance(r, _core.OptionSolution)
    assert r.choice.dtype == np.int32 and r.prices.shape == (2, 1)
    assert r.proven and isinstance(r.nodes, int) and r.lower_bound <= r.cost
    assert r.cost == pytest.approx(_core.table_cost(**arrays, choice=r.choice), rel=1e-12)
    with pytest.raises(AttributeError):
        r.cost = 0.0
