"""Continuous monitoring and re-optimization: an online city simulation.

A deployed city keeps changing, so its schedule must be watched and re-optimized. :func:`simulate` steps a city
(:func:`edgesched.scenarios.city`: base stations with edge servers, devices that may offload to their
``k_nearest`` stations) through time. Every step of ``step_s`` seconds:

1. **The world changes**, in this order: departures (each device leaves with probability ``departure_prob``),
   accuracy requirements (each device redraws ``alpha`` uniformly in ``alpha_range`` with probability
   ``alpha_change_prob``; its frame count ``M*`` and MACs follow at once), movement, arrivals (a Poisson number
   of new devices with mean ``arrival_rate``, placed uniformly, attributes drawn as in ``city``), the channel.
2. **The monitor** evaluates the schedule in force on the new physics: the previous step's decisions, with new
   devices local. A device keeps its server while that station is among its ``k_nearest``; otherwise it hands
   over to its nearest station. Delay and energy follow Theorem 2 per server (``docs/model.md`` §4): an offloaded
   device's delay is ``c U_j / F_j + w V_j`` (edge compute + airtime, s) and energy ``p bits / R`` (J); a local
   device's delay is ``cycles / f`` and energy ``kappa cycles f^2`` at the Theorem 1 frequency. Accuracy is
   ``Phi(M*) >= alpha`` (the frame count is the device's, not the scheduler's).
3. **The policy** decides whether to re-solve (``trigger``): ``"every"`` step, ``"periodic"`` (every ``period``
   steps), on ``"drift"`` (the planned cost per device of the schedule in force has risen by more than
   ``drift_threshold``, relative, over its value right after the last re-solve), or ``"never"``. A re-solve is
   warm (``warm=True``: ``solve_options(table, "warm", start=..., prices=...)`` from the schedule in force and the
   last re-solve's dual prices of the stations: the cheaper of descent from the schedule in force and of the
   relaxation rounded at the prices, refreshed by one sweep of dual ascent, then descent, improved by pair
   moves) or cold
   (``solve_options(table, "auto", node_limit=cold_node_limit)``). The first schedule (step 0, or the first
   step with devices) is always solved cold. Decisions made at step t are the schedule in force from step t + 1.

Mobility (``mobility``): ``"waypoint"`` (random waypoint: each device walks at a speed drawn uniformly in
``speed_range`` m/s towards a waypoint drawn uniformly in the city square, then draws the next waypoint and
speed; no pauses; it starts from uniform positions, not the model's stationary distribution), ``"static"``,
or ``"trace"``: positions from a CSV file with columns ``step, device, x, y`` (m); a device is present at the
steps where it has a row, so the trace also decides arrivals and departures.

Channel, per link (device, station) and step, in dB then linear:

* path loss ``PL(d) = 128.1 + 37.6 log10(d / 1 km)`` (paper Sec. V), ``d >= min_distance``;
* log-normal shadowing ``X ~ N(0, shadowing_std_db^2)`` dB, correlated in space after Gudmundson:
  ``X_t = r X_{t-1} + sqrt(1 - r^2) shadowing_std_db Z`` with ``r = exp(-displacement / shadowing_decorrelation_m)``;
* small-scale fading (``fading="rayleigh"``): a complex gain ``h ~ CN(0, 1)``, so the power gain ``|h|^2`` is
  exponential with mean 1 (Rayleigh amplitude), first-order Gauss-Markov in time:
  ``h_t = fading_correlation h_{t-1} + sqrt(1 - fading_correlation^2) e_t`` (0: independent block fading per
  step; Jakes' model gives ``J0(2 pi f_D step_s)``). ``fading="none"``: ``|h|^2 = 1``;
* rate ``R = B log2(1 + p 10^(-(PL + X)/10) |h|^2 / (N0 B))`` bit/s, at least :data:`RATE_FLOOR`.

A link that is new at a step (an arrival, or a station newly among the device's ``k_nearest``) draws ``X`` and
``h`` afresh. The solver plans on ``csi="large_scale"`` rates (``|h|^2`` replaced by its mean, 1) or on
``"instantaneous"`` ones; the monitor's ``cost``, delay and energy always use the actual rate, while the drift
trigger compares planned costs (so fading the scheduler cannot know does not trigger re-solves).

Randomness: one ``numpy.random.Generator`` (``numpy.random.default_rng(seed)``) draws everything, the initial
city included (its seed is the generator's first draw): the same configuration gives the same series, except
the timing columns :data:`TIMING_COLUMNS`.

**A city of applications** (``SimConfig(apps=CityApps(...))``, :class:`AppCity`): every device also has an
application (drawn by the applications' shares), a hardware class (drawn by the application's weights), and
draws its requirement and transmit power from its application's ranges. Its menu holds its application's
variants that meet its requirement, at their ``M*``, locally, on each of its ``k_nearest`` stations (edge and
split placements), or in the cloud through one of them, as its privacy rules and hardware allow
(:mod:`edgesched.pipeline`); the options another of the same menu dominates are left out. The schedule in force
is each device's option; after the world changes it is found again in each menu (a device whose option left its
menu, or that has just arrived, takes its cheapest option at the last dual prices), and a re-solve may change a
device's variant and placement. The series has a block of columns per application (accuracy delivered and
required, delay percentiles, energy, deadline misses, placements by kind):
:func:`~edgesched.online.app_series.application_columns`.

The time series (:data:`COLUMNS`) is a ``pandas.DataFrame`` when pandas is installed (``edgesched[sweep]``),
else a dict of numpy arrays; :func:`plot_series` draws it (matplotlib, ``edgesched[plot]``). Configuration
files (TOML) are documented in ``docs/simulate-format.md``; :func:`add_parser` registers ``edgesched simulate``.
"""
from __future__ import annotations

from . import cli
from .app_city import AppCity
from .app_series import application_columns
from .apps_config import CityApplication, CityApps
from .city import RATE_FLOOR, OnlineCity
from .config import TRIGGERS, SimConfig, load_config
from .output import COLUMNS, TIMING_COLUMNS, plot_series, write_csv
from .simulate import simulate

__all__ = ["COLUMNS", "RATE_FLOOR", "TIMING_COLUMNS", "TRIGGERS", "AppCity", "CityApplication", "CityApps",
           "OnlineCity", "SimConfig", "application_columns", "cli", "load_config", "plot_series", "simulate",
           "write_csv"]
