"""Numbers in any of the forms numpy gives them: Python numbers, numpy scalars and 0-d arrays (what reductions
and ``np.asarray`` return) are the same number; bools and strings are not numbers in any of these forms."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgesched as es
from edgesched import ModelVariant

KW = es.scenarios.heterogeneous(6, seed=4).solver_kwargs()
FORMS = [lambda x: x, np.float64, np.float32, lambda x: np.array(x), lambda x: np.array(x, np.float32)]
INT_FORMS = [lambda x: x, np.int64, np.uint64, lambda x: np.array(x), lambda x: np.array(x, np.uint64)]


@settings(max_examples=30, deadline=None)
@given(form=st.sampled_from(FORMS), w=st.sampled_from([0.25, 0.5, 2.0]),
       field=st.sampled_from(["w_delay", "w_energy", "f_edge_max"]))
def test_weights_in_every_numeric_form_are_the_same_number(form, w, field):
    value = w * 1e10 if field == "f_edge_max" else w
    expected = es.solve_offloading(**{**KW, field: value}, method="auto")
    got = es.solve_offloading(**{**KW, field: form(value)}, method="auto")
    assert got.cost == expected.cost and (got.offload == expected.offload).all()


@pytest.mark.parametrize("form", INT_FORMS)
def test_budget_and_seed_in_every_integer_form(form):
    expected = es.solve_offloading(**KW, method="random", seed=7)
    assert (es.solve_offloading(**KW, method="random", seed=form(7)).offload == expected.offload).all()
    auto = es.solve_offloading(**KW, method="auto", node_limit=form(50))
    assert auto.cost == es.solve_offloading(**KW, method="auto", node_limit=50).cost


@pytest.mark.parametrize("value", [True, np.bool_(True), np.array(True), "0.5", np.array("0.5"), b"1"])
def test_bools_and_strings_are_not_numbers_in_any_form(value):
    with pytest.raises(ValueError, match=r"^w_delay "):
        es.solve_offloading(**{**KW, "w_delay": value})
    with pytest.raises(ValueError, match=r"^seed "):
        es.solve_offloading(**KW, method="random", seed=value)
    with pytest.raises(ValueError, match=r"^node_limit "):
        es.solve_offloading(**KW, method="auto", node_limit=value)


@pytest.mark.parametrize("form", INT_FORMS)
def test_generator_sizes_in_every_integer_form(form):
    expected = es.scenarios.paper_default(n_devices=5, seed=1).solver_kwargs()
    got = es.scenarios.paper_default(n_devices=form(5), seed=form(1)).solver_kwargs()
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value)


@pytest.mark.parametrize("form", FORMS)
def test_variant_ratios_in_every_numeric_form(form):
    curve = es.accuracy.default_curve()
    expected = ModelVariant("r3d_18", curve, prune=0.5, rank=0.5, sparsity=0.5, sparse_speedup=2.0)
    got = ModelVariant("r3d_18", curve, prune=form(0.5), rank=form(0.5), sparsity=form(0.5),
                       sparse_speedup=form(2.0))
    assert got.name == expected.name and got.network == expected.network
    assert (got.sparsity, got.sparse_speedup) == (0.5, 2.0)


@pytest.mark.parametrize("field", ["sparsity", "sparse_speedup", "prune", "rank"])
@pytest.mark.parametrize("value", [True, np.bool_(False), np.array(True), "0.5"])
def test_variant_ratios_are_not_bools_or_strings(field, value):
    with pytest.raises(ValueError, match=rf"^{field} is "):
        ModelVariant("r3d_18", es.accuracy.default_curve(), **{field: value})
