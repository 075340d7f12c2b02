"""Type stub of the compiled core. Inputs are validated by the Python layer before they get here."""
from typing import Any

import numpy as np
from numpy.typing import NDArray

def solve_paper(
    macs: NDArray[np.float64], frames: NDArray[np.float64], frame_bits: NDArray[np.float64],
    rate: NDArray[np.float64], tx_power: NDArray[np.float64], f_local_max: NDArray[np.float64],
    kappa: NDArray[np.float64], rho: NDArray[np.float64], cell: NDArray[np.int64], f_edge_max: NDArray[np.float64],
    w_delay: float, w_energy: float, method: str, seed: int, threads: int, node_limit: int, time_limit: float,
    gap_tol: float,
) -> dict[str, Any]: ...
def paper_table(
    macs: NDArray[np.float64], frames: NDArray[np.float64], frame_bits: NDArray[np.float64],
    rate: NDArray[np.float64], tx_power: NDArray[np.float64], f_local_max: NDArray[np.float64],
    kappa: NDArray[np.float64], rho: NDArray[np.float64], f_edge_max: float, w_delay: float, w_energy: float,
) -> dict[str, NDArray[Any]]: ...
def local_frequency(w_delay: float, w_energy: float, kappa: float, f_local_max: float) -> float: ...
def solve_options(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    method: str, start: NDArray[np.int32], prices: NDArray[np.float64] | None, seed: int, threads: int,
    node_limit: int, time_limit: float, gap_tol: float,
) -> dict[str, Any]: ...
def table_cost(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    choice: NDArray[np.int32],
) -> float: ...
def relaxation_bound(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
) -> float: ...
