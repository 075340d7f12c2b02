"""Option prices from physics (edgesched.model.menus) against the C++ table builder and the reference."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import edgesched as es
from edgesched import reference
from edgesched.model.menus import option_costs, station_table

from .strategies import paper_instances


def _paper_options(kw: dict) -> tuple[np.ndarray, ...]:
    """The paper's two options per device, priced by ``option_costs`` (local first, as paper_table)."""
    n = int(np.size(kw["macs"]))
    per = {k: np.broadcast_to(np.asarray(kw[k], float), n) for k in
           ("macs", "frames", "frame_bits", "rate", "tx_power", "f_local_max", "kappa", "rho")}
    cycles, bits = per["rho"] * per["macs"], per["frames"] * per["frame_bits"]
    local = option_costs(cycles, per["f_local_max"], per["kappa"], 0.0, 0.0, 1.0, per["tx_power"], 0.0,
                         kw["w_delay"], kw["w_energy"])
    edge = option_costs(0.0, 1.0, 1.0, cycles, bits, per["rate"], per["tx_power"], 0.0, kw["w_delay"],
                        kw["w_energy"])
    return local, edge


@given(kw=paper_instances(1, 12))
def test_option_costs_equal_the_paper_table_and_the_reference(kw):
    (lin0, c0, w0, f0), (lin1, c1, w1, f1) = _paper_options(kw)
    table = es.paper_table(**kw)
    np.testing.assert_allclose(lin0, table.linear[0::2], rtol=1e-13)
    np.testing.assert_allclose(lin1, table.linear[1::2], rtol=1e-13)
    np.testing.assert_allclose(c1, table.c[1::2], rtol=1e-14)
    np.testing.assert_allclose(w1, table.w[1::2], rtol=1e-14)
    assert not c0.any() and not w0.any() and not f1.any()
    # Theorem 1 frequency and the local cost, per device, from the plain-Python oracle.
    n = lin0.size
    kappa, f_max = (np.broadcast_to(np.asarray(kw[k], float), n) for k in ("kappa", "f_local_max"))
    for i in range(n):
        f_ref = reference.local_frequency(kw["w_delay"], kw["w_energy"], float(kappa[i]), float(f_max[i]))
        assert f0[i] == pytest.approx(f_ref, rel=1e-13)


def test_fixed_delay_and_validation():
    lin, c, w, f = option_costs(0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, [0.1, 0.2], 2.0, 0.5)
    np.testing.assert_allclose(lin, [0.2, 0.4])
    assert not (c.any() or w.any() or f.any())
    with pytest.raises(ValueError, match=r"rate\[1\] is 0.0"):
        option_costs(1.0, 1e9, 1e-28, 0.0, 1.0, [1.0, 0.0], 0.1, 0.0, 0.5, 0.5)
    with pytest.raises(ValueError, match=r"up_bits\[0\] is nan"):
        option_costs(1.0, 1e9, 1e-28, 0.0, [np.nan], 1.0, 0.1, 0.0, 0.5, 0.5)
    with pytest.raises(ValueError, match="mismatched lengths"):
        option_costs([1.0, 2.0], [1e9, 1e9, 1e9], 1e-28, 0.0, 0.0, 1.0, 0.1, 0.0, 0.5, 0.5)
    with pytest.raises(ValueError, match="w_delay"):
        option_costs(1.0, 1e9, 1e-28, 0.0, 0.0, 1.0, 0.1, 0.0, 0.0, 0.5)


@given(kw=paper_instances(1, 12))
def test_station_table_with_one_station_is_the_paper_table(kw):
    n = int(max(np.size(v) for v in kw.values()))
    devices = es.Devices(**{k: kw[k] for k in es.model.DEVICE_FIELDS})
    table = station_table(devices, devices.rate[:, None], np.zeros((n, 1), np.int64), [kw["f_edge_max"]],
                          kw["w_delay"], kw["w_energy"])
    paper = es.paper_table(**kw)
    for name in ("option_ptr", "server", "linear", "c", "w", "A", "B"):
        np.testing.assert_allclose(getattr(table, name), getattr(paper, name), rtol=1e-13, err_msg=name)
