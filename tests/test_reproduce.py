from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

from edgesched.experiments import plots
from edgesched.experiments.reproduce import FIGURES, QUICK, reproduce

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``reproduce all --quick`` on threads; returns the output folder and the three tables."""
    out = tmp_path_factory.mktemp("figures")
    with ThreadPoolExecutor(2) as ex:
        written = reproduce(out=out, quick=True, executor=ex, progress=False)
    assert set(written) == set(FIGURES)
    return out, {name: pd.read_csv(csv) for name, (_, csv) in written.items()}


def wide(table, index, columns, metric):
    return table[table["metric"] == metric].pivot(index=index, columns=columns, values="mean")


def test_each_figure_is_a_png_with_its_csv(quick):
    out, tables = quick
    for name in FIGURES:
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_MAGIC
        t = tables[name]
        assert {"metric", "mean", "ci95_low", "ci95_high", "n"} <= set(t.columns)
        assert (t["n"] == QUICK.seeds).all()
        assert (t["ci95_low"] <= t["mean"] + 1e-12).all() and (t["mean"] <= t["ci95_high"] + 1e-12).all()


def test_fig3_shows_the_papers_statements(quick):
    cost = wide(quick[1]["fig3"], "n_devices", "method", "cost_per_device")
    rate = wide(quick[1]["fig3"], "n_devices", "method", "offload_rate")
    assert list(cost.index) == list(QUICK.n_devices)
    # Local does not depend on N: the devices' local resources do not interact.
    assert np.ptp(cost["local"]) <= 1e-9 * cost["local"].iloc[0]
    # Few devices: everyone offloads, so Edge equals the proposed scheme.
    few = cost.index[cost.index <= 4]
    assert (rate.loc[few, "greedy"] == 1.0).all()
    np.testing.assert_allclose(cost.loc[few, "edge"], cost.loc[few, "greedy"], rtol=1e-12)
    # Edge grows linearly in N (same model for everyone): constant slope between the points.
    slopes = np.diff(cost["edge"]) / np.diff(cost.index)
    np.testing.assert_allclose(slopes, slopes.mean(), rtol=0.05)
    # The proposed scheme is never worse than a baseline; auto never worse than greedy.
    for baseline in ("local", "edge", "random"):
        assert (cost["greedy"] <= cost[baseline] * (1 + 1e-12)).all()
    assert (cost["auto"] <= cost["greedy"] * (1 + 1e-12)).all()


def test_fig4_shows_the_papers_statements(quick):
    t = quick[1]["fig4"]
    for panel in ("n_devices", "bandwidth", "f_edge_max"):
        rate = t[(t["panel"] == panel) & (t["metric"] == "offload_rate")].sort_values("x")["mean"].to_numpy()
        if panel == "n_devices":
            assert rate[0] == 1.0 and rate[-1] < 1.0  # all offload when few, fewer when many
            assert (np.diff(rate) <= 1e-12).all()
        else:
            assert (np.diff(rate) >= -1e-12).all() and rate[-1] > rate[0]  # rises with bandwidth and edge CPU


def test_fig5_trades_delay_for_energy_and_accuracy_costs_both(quick):
    t = quick[1]["fig5"]
    delay = wide(t, "w_delay", "alpha", "delay_s")
    energy = wide(t, "w_delay", "alpha", "energy_j")
    # At a fixed accuracy: more weight on delay gives less delay and more energy.
    assert (np.diff(delay.to_numpy(), axis=0) < 0).all()
    assert (np.diff(energy.to_numpy(), axis=0) > 0).all()
    # A higher accuracy requirement costs both delay and energy at every weight.
    assert (np.diff(delay.to_numpy(), axis=1) > 0).all()
    assert (np.diff(energy.to_numpy(), axis=1) > 0).all()


def test_unknown_figure_and_bad_seeds_are_named(tmp_path):
    with pytest.raises(ValueError, match="figure 'fig9' is unknown; choose from fig3, fig4, fig5"):
        reproduce(["fig9"], tmp_path)
    with pytest.raises(ValueError, match="seeds is 0"):
        reproduce(["fig3"], tmp_path, seeds=0)


def test_missing_matplotlib_says_which_extra(monkeypatch, quick):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'edgesched\[plot\]'"):
        plots.figure3(quick[1]["fig3"])
