"""An independent check of a city of applications' schedule: from the decisions in words (application, variant,
frame count, placement, split layer, station) and the applications alone, every device meets its accuracy
requirement with the fewest frames that do, runs its own application's variant, and sends no data where its
application's privacy rules forbid. Shared by the tests and the benchmark of the online city."""
from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

import numpy as np

from edgesched.online import CityApps
from edgesched.physics.accuracy import min_frames

from .test_pipeline_privacy import allowed, cut_is_raw

SPLITS = ("split", "split-cloud")


@functools.cache
def _raw_at(app: Any, variant: str, split: str) -> bool:
    net = next(v.network for v in app.variants if v.name == variant)
    return cut_is_raw(net, split)


def sent(app: Any, variant: str, placement: str, split: str | None) -> str:
    """What a decision uploads: nothing (local), raw input (edge, cloud, or a cut raw input crosses) or
    features."""
    if placement == "local":
        return ""
    if placement in ("edge", "cloud"):
        return "raw"
    assert split is not None
    return "raw" if _raw_at(app, variant, split) else "features"


def check_city_schedule(apps: CityApps, schedule: dict[str, Any]) -> int:
    """Assert that the schedule meets every device's requirement and privacy rules (see the module docstring);
    the number of devices checked."""
    by_name = {a.name: a.application for a in apps.applications}
    alpha, frames, server, station = (np.asarray(schedule[k]) for k in ("alpha", "frames", "server", "station"))
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    keys = zip(schedule["application"], schedule["variant"], frames.tolist(), schedule["placement"],
               schedule["split"], schedule["upload"])
    for i, key in enumerate(keys):
        groups[key].append(i)
    for (name, variant, m, placement, split, upload), members in groups.items():
        idx = np.array(members)
        app = by_name[name]
        chosen = [v for v in app.variants if v.name == variant]
        assert len(chosen) == 1, f"{variant} is not a variant of {name}"
        curve = chosen[0].accuracy
        limit = app.input.max_units
        assert m <= (curve.max_frames if limit is None else limit), (name, variant, m)  # (8b)
        assert np.all(curve(m) >= alpha[idx]), (name, variant, m, alpha[idx].max())  # (8a)
        # M* = min{M : Phi(M) >= alpha}: the fewest frames that meet each requirement
        assert np.all(min_frames(curve, alpha[idx], limit) == m), (name, variant, m)
        assert placement in apps.placements, placement
        assert (split is not None) == (placement in SPLITS), (placement, split)
        data = sent(app, variant, placement, split)
        assert upload == data, (name, variant, placement, split, upload, data)
        assert allowed(app.privacy, data, placement, -1), (name, variant, placement, split, data, app.privacy)
        if placement == "local":
            assert np.all(server[idx] == -1)
        else:
            assert np.all((station[idx] == server[idx, None]).any(axis=1)), "a station out of the device's reach"
    return int(frames.shape[0])
