"""Type stub of the compiled core. Inputs are validated by the Python layer before they get here."""
from typing import Any, final

import numpy as np
from numpy.typing import NDArray

#: Default node budget of an exact search (reduced-cost sets plus branch-and-bound nodes).
DEFAULT_NODE_LIMIT: int
#: Default time budget of an exact search, in seconds.
DEFAULT_TIME_LIMIT: float
#: Largest number of choices ``auto`` enumerates outright (2**22).
AUTO_EXHAUSTIVE_CHOICES: int
#: Largest number of choices ``exhaustive`` accepts on an option table (2**30).
EXHAUSTIVE_MAX_CHOICES: int
#: Largest number of devices per cell ``exhaustive`` accepts on the paper's problem (30).
EXHAUSTIVE_MAX_DEVICES: int

@final
class MethodInfo:
    """A solving method of the registry (read-only)."""
    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str:
        """One line, no final period."""
    @property
    def paper(self) -> bool:
        """Applies to the paper's problem (solve_paper)."""
    @property
    def options(self) -> bool:
        """Applies to general option tables (solve_options)."""
    @property
    def proves(self) -> bool:
        """Can prove its schedule optimal."""

def methods() -> list[MethodInfo]:
    """Every solving method, in documented order."""

@final
class PaperSolution:
    """Result of solve_paper (read-only attributes; the arrays are fresh, owned by it)."""
    @property
    def offload(self) -> NDArray[np.bool_]: ...
    @property
    def f_local(self) -> NDArray[np.float64]: ...
    @property
    def f_edge(self) -> NDArray[np.float64]: ...
    @property
    def time_share(self) -> NDArray[np.float64]: ...
    @property
    def delay(self) -> NDArray[np.float64]: ...
    @property
    def energy(self) -> NDArray[np.float64]: ...
    @property
    def cell_cost(self) -> NDArray[np.float64]: ...
    @property
    def cell_lower_bound(self) -> NDArray[np.float64]: ...
    @property
    def cell_proven(self) -> NDArray[np.uint8]: ...
    @property
    def cell(self) -> NDArray[np.int64]: ...
    @property
    def dropped(self) -> NDArray[np.uint8]: ...

@final
class TableArrays:
    """The arrays of an option table (read-only attributes)."""
    @property
    def option_ptr(self) -> NDArray[np.int64]: ...
    @property
    def linear(self) -> NDArray[np.float64]: ...
    @property
    def server(self) -> NDArray[np.int32]: ...
    @property
    def c(self) -> NDArray[np.float64]: ...
    @property
    def w(self) -> NDArray[np.float64]: ...
    @property
    def A(self) -> NDArray[np.float64]: ...
    @property
    def B(self) -> NDArray[np.float64]: ...

@final
class OptionSolution:
    """Result of solve_options (read-only attributes)."""
    @property
    def choice(self) -> NDArray[np.int32]: ...
    @property
    def cost(self) -> float: ...
    @property
    def lower_bound(self) -> float: ...
    @property
    def proven(self) -> bool: ...
    @property
    def nodes(self) -> int: ...
    @property
    def prices(self) -> NDArray[np.float64]:
        """Shape (2, S): row 0 lambda, row 1 mu."""

def solve_paper(
    macs: NDArray[np.float64], frames: NDArray[np.float64], frame_bits: NDArray[np.float64],
    rate: NDArray[np.float64], tx_power: NDArray[np.float64], f_local_max: NDArray[np.float64],
    kappa: NDArray[np.float64], rho: NDArray[np.float64], cell: NDArray[np.int64], f_edge_max: NDArray[np.float64],
    w_delay: float, w_energy: float, method: str, seed: int, threads: int, node_limit: int, time_limit: float,
    gap_tol: float, deadline: NDArray[np.float64] = ..., drop: bool = ...,
) -> PaperSolution: ...
def deadline_allocation(
    c: NDArray[np.float64], w: NDArray[np.float64], deadline: NDArray[np.float64], f_edge_max: float,
    w_delay: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None: ...
def paper_table(
    macs: NDArray[np.float64], frames: NDArray[np.float64], frame_bits: NDArray[np.float64],
    rate: NDArray[np.float64], tx_power: NDArray[np.float64], f_local_max: NDArray[np.float64],
    kappa: NDArray[np.float64], rho: NDArray[np.float64], f_edge_max: float, w_delay: float, w_energy: float,
) -> TableArrays: ...
def local_frequency(w_delay: float, w_energy: float, kappa: float, f_local_max: float) -> float: ...
def solve_options(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    method: str, start: NDArray[np.int32], prices: NDArray[np.float64] | None, seed: int, threads: int,
    node_limit: int, time_limit: float, gap_tol: float,
    slack: NDArray[np.float64] = ...,
) -> OptionSolution: ...
def slack_cost(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    slack: NDArray[np.float64], choice: NDArray[np.int32],
) -> float: ...
def slack_allocation(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    slack: NDArray[np.float64], choice: NDArray[np.int32],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def table_cost(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    choice: NDArray[np.int32],
) -> float: ...
def check_table(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
) -> None:
    """ValueError unless the table's magnitudes are within the range of the solvers' arithmetic (every number they
    compute finite), naming the price, server or device where they are not. Other checks must already be done."""
def relaxation_bound(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
) -> float: ...
def station_resolve(
    option_ptr: NDArray[np.int64], linear: NDArray[np.float64], server: NDArray[np.int32],
    c: NDArray[np.float64], w: NDArray[np.float64], A: NDArray[np.float64], B: NDArray[np.float64],
    choice: NDArray[np.int32], station: int,
) -> tuple[NDArray[np.int32], float]: ...

#: Threads a solve may use: the machine's logical CPUs (read once).
MACHINE_THREADS: int

def try_solve_paper(
    macs: object, frames: object, frame_bits: object, rate: object, tx_power: object, f_local_max: object,
    kappa: object, rho: object, f_edge_max: object, w_delay: object, w_energy: object, method: object,
    seed: object, node_limit: object, time_limit: object, gap_tol: object, /,
) -> Any:
    """solve_offloading's one-cell call on the caller's own objects, read in place: float64 arrays (1-D, C order,
    native), floats, numpy float64 scalars and ints, every value in range. Returns the Schedule (arrays fresh and
    read-only; the dict of its fields before set_schedule_type), or None for anything else, which the Python layer
    then checks and names."""
def set_schedule_type(type: type) -> None:
    """The class the thin call and the handle return their schedules as (edgesched.Schedule)."""

@final
class PaperHandle:
    """The engine of edgesched.Offloader: settings checked by the Python layer, kept with the cells' partition, a
    pool of threads and per cell the last choice and prices."""
    def __init__(
        self, n_devices: int, method: str, cell: NDArray[np.int64], n_cells: int, seed: int | None,
        node_limit: int, time_limit: float, gap_tol: float,
    ) -> None: ...
    def solve(
        self, macs: object, frames: object, frame_bits: object, rate: object, tx_power: object,
        f_local_max: object, kappa: object, rho: object, f_edge_max: object, w_delay: object, w_energy: object,
        raise_errors: bool,
    ) -> Any:
        """The Schedule (with cells, a dict of its fields and cell_lower_bound and cell_proven), or None for inputs
        that are not plain or not in range (raise_errors: the core's ValueError once they are plain)."""
    @property
    def prices(self) -> NDArray[np.float64]:
        """Shape (2, n_cells): each cell's last lambda (row 0) and mu (row 1); NaN before its first solve."""
    @property
    def n_devices(self) -> int: ...
    @property
    def n_cells(self) -> int: ...
    @property
    def threads(self) -> int:
        """Threads the cells are solved on (1: the caller's)."""
