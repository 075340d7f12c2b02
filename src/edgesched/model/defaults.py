"""The paper's default parameters (Sec. V), defined once: every function whose defaults are the paper's uses these.

``F_EDGE_MAX`` and ``F_LOCAL_MAX`` follow the reading of Sec. V that the paper's own figures need (edge 22 GHz,
devices 1.8 GHz; ``docs/model.md`` §7), and ``TX_POWER`` is ours (the paper gives none).
"""
from __future__ import annotations

__all__ = ["BANDWIDTH", "F_EDGE_MAX", "F_LOCAL_MAX", "KAPPA", "RHO", "TX_POWER", "W_DELAY", "W_ENERGY"]

#: Switched capacitance of a device CPU, J s^2/cycle^3 (energy kappa * cycles * f^2).
KAPPA = 1e-28
#: CPU cycles per MAC, on the device and on the edge server.
RHO = 0.12
#: Edge server CPU capacity, Hz.
F_EDGE_MAX = 22e9
#: Device CPU limit, Hz.
F_LOCAL_MAX = 1.8e9
#: Weight of delay in the cost, 1/s.
W_DELAY = 0.5
#: Weight of energy in the cost, 1/J.
W_ENERGY = 0.5
#: Uplink bandwidth, Hz.
BANDWIDTH = 5e6
#: Device transmit power, W (not given in the paper).
TX_POWER = 0.2
