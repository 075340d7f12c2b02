"""A city of three applications (the one of ``examples/applications.py``): building every device's menu, solving
and decoding, side by side in one run.

    .venv/bin/python -m pytest bench/test_pipeline_city.py --benchmark-only --benchmark-columns=min,median,rounds

"menus, first call" builds a new pipeline's menus (one per group of alike devices) and lays them out for every
device; "menus, again" is the next call of the same pipeline on the same devices with new uplink rates (the
menus kept, as in a simulation that re-solves its city). Under ``make test`` (``--benchmark-disable``) each runs
once on 60 devices as a smoke test.
"""
from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import edgesched as es
from edgesched.physics.hardware import MB, Hardware
from edgesched.pipeline import Cloud, Pipeline

_spec = importlib.util.spec_from_file_location(
    "applications_example", Path(__file__).resolve().parents[1] / "examples" / "applications.py")
assert _spec is not None and _spec.loader is not None
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)

SERVERS = [es.HARDWARE["edge_cpu"], es.HARDWARE["edge_gpu"]]
CLOUD = Cloud(es.HARDWARE["cloud_gpu"], backhaul_rate=1e9, rtt=0.04)


def city_devices(n: int, seed: int) -> list:
    """n devices: 8 traffic cameras, 5 sensor stations and 3 safety cameras in every 16."""
    rng = np.random.default_rng(seed)
    traffic, sensors, safety = example.city_applications()
    camera = Hardware.from_power("camera", "asic", {"int8": 2e-4}, 8e8, 1.0, memory_bits=16 * MB)
    cameras = [es.HARDWARE["cpu"], es.HARDWARE["fpga"], camera]
    out = []
    for k in range(n):
        rates = list(np.exp(rng.uniform(np.log(5e6), np.log(8e7), 2)))
        alpha = float(rng.choice([0.8, 0.85, 0.9]))
        if k % 16 < 8:
            out.append(traffic.device(cameras[rng.integers(3)], rates, 0.2, alpha=alpha))
        elif k % 16 < 13:
            out.append(sensors.device(es.HARDWARE[rng.choice(["cpu", "asic"])], rates, 0.05, alpha=alpha))
        else:
            out.append(safety.device(cameras[rng.choice([0, 2])], rates, 0.2))
    return out


@pytest.fixture(scope="module")
def city(request):
    n = 60 if request.config.getoption("benchmark_disable") else 3000
    return city_devices(n, 0), city_devices(n, 1)


def _pipeline() -> Pipeline:
    """The example's applications without their deadlines: 3000 devices on two stations cannot all meet them
    (``bench/test_pipeline_deadlines.py`` measures a city that can)."""
    apps = [replace(a, deadline=None) for a in example.city_applications()]
    return Pipeline(servers=SERVERS, cloud=CLOUD, applications=apps)


@pytest.mark.parametrize("what", ["menus, first call", "menus, again", "solve auto, node_limit=0", "decode"])
def test_pipeline_city(benchmark, city, what):
    devices, moved = city
    benchmark.group = f"pipeline city, {len(devices)} devices of 3 applications"
    if what == "menus, first call":
        t = benchmark(lambda: _pipeline().options(devices))
    elif what == "menus, again":
        pipe = _pipeline()
        pipe.options(devices)
        t = benchmark(pipe.options, moved)
    else:
        t = _pipeline().options(devices)
        sched = es.solve_options(t.table, "auto", node_limit=0)
        if what == "decode":
            r = benchmark(t.decode, sched)
            assert len(r.devices) == len(devices)
            return
        sched = benchmark(es.solve_options, t.table, "auto", node_limit=0)
        benchmark.extra_info.update(cost=sched.cost, gap=sched.gap)
    assert t.table.n_devices == len(devices)
    benchmark.extra_info.update(options=int(t.table.n_options.sum()))
