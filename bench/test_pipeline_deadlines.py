"""Deadlines in the pipeline: the city of ``bench/test_pipeline_city.py`` at 400 devices (at 1000 and more, the
devices too slow to meet their deadlines locally need more than the two stations' airtime: no schedule meets every
deadline), with and without its applications' deadlines, side by side in one run.

    .venv/bin/python -m pytest bench/test_pipeline_deadlines.py --benchmark-only --benchmark-columns=min,median,rounds

"without" gives every application no deadline (the table has no slack: the deadline-free path); "with" keeps the
applications' deadlines (traffic 2 s, safety 0.5 s; sensors none). Each run checks that every
served device meets its deadline. Under ``make test`` (``--benchmark-disable``) each runs once on 60 devices.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pytest

import edgesched as es
import test_pipeline_city as city
from edgesched.pipeline import Pipeline


def _pipeline(deadlines: bool) -> Pipeline:
    apps = city.example.city_applications()
    apps = apps if deadlines else [replace(a, deadline=None) for a in apps]
    return Pipeline(servers=city.SERVERS, cloud=city.CLOUD, applications=apps)


@pytest.fixture(scope="module")
def devices(request):
    return city.city_devices(60 if request.config.getoption("benchmark_disable") else 400, 0)


@pytest.mark.parametrize("what", ["options", "solve auto, node_limit=0", "decode"])
@pytest.mark.parametrize("deadlines", [False, True], ids=["without", "with"])
def test_pipeline_deadlines(benchmark, devices, what, deadlines):
    benchmark.group = f"pipeline deadlines, {len(devices)} devices: {what}"
    pipe = _pipeline(deadlines)
    if what == "options":
        t = benchmark(pipe.options, devices, "drop")
        assert (t.table.slack is not None) == deadlines
        return
    t = pipe.options(devices, "drop")
    if what == "decode":
        sched = es.solve_options(t.table, "auto", node_limit=0)
        r = benchmark(t.decode, sched)
    else:
        sched = benchmark(es.solve_options, t.table, "auto", node_limit=0)
        r = t.decode(sched)
    for x in r.devices:
        if x.feasible:
            assert x.delay <= (math.inf if x.deadline is None else x.deadline)
