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
        _core.solve_options(**t._arrays(), method="scip", start=np.zeros(3, np.int32), prices=None, seed=0,
                            threads=1, node_limit=0, time_limit=0.0, gap_tol=0.0)
