"""The sweep's worker processes end with the sweep, even when it is killed with SIGKILL (no chance to stop them)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_sweep_is_killed(tmp_path):
    code = textwrap.dedent("""
        import os, signal
        from edgesched.experiments.sweep import default_executor
        pool = default_executor(2)
        pids = {pool.submit(os.getpid).result() for _ in range(8)}
        print(" ".join(map(str, pids)), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    out = tmp_path / "pids.txt"
    err = tmp_path / "stderr.txt"
    with open(out, "w") as f, open(err, "w") as e:  # files, not pipes: workers left behind would hold a pipe open
        run = subprocess.run([sys.executable, "-c", code], stdout=f, stderr=e, timeout=120)
    assert run.returncode == -9, err.read_text()[-2000:]
    pids = [int(p) for p in out.read_text().split()]
    assert pids and all(p != os.getpid() for p in pids)
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for p in left:  # leave nothing behind if the check fails
        os.kill(p, 9)
    assert not left, f"worker processes {left} outlived the killed sweep"
