"""Fuzzing the command line's file formats: hypothesis mutates the example files (scenario TOML, devices CSV,
accuracy CSV, sweep TOML, simulation TOML, trace CSV, and those of a city of applications) and runs them through
``edgesched.cli.main`` in this process, and for a sample through the console entry point in a subprocess.
Whatever the mutation, the command succeeds or fails with exactly one line on stderr that names a file, and never
with a traceback."""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edgesched
from edgesched._files import read_toml
from edgesched.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# The example files, made small enough to run in a fraction of a second (the mutations keep their format).
_SMALLER = {
    "sweep_bandwidth.toml": [("seeds = 20", "seeds = 2"), ("[1e6, 2e6, 5e6, 10e6, 20e6]", "[1e6, 5e6]"),
                             ('["greedy", "auto", "local", "edge", "random"]', '["greedy", "local"]')],
    "simulate_city.toml": [("steps = 200", "steps = 3"), ("n_stations = 25", "n_stations = 4"),
                           ("devices_per_station = 40.0", "devices_per_station = 5.0")],
    "simulate_applications.toml": [("steps = 100", "steps = 3"), ("n_stations = 25", "n_stations = 4"),
                                   ("devices_per_station = 40.0", "devices_per_station = 5.0")],
}

#: target -> (the example files it needs, the file mutated, the command line; {dir} is the copy's folder)
TARGETS: dict[str, tuple[tuple[str, ...], str, list[str]]] = {
    "scenario TOML": (("paper_default.toml",), "paper_default.toml",
                      ["solve", "{dir}/paper_default.toml", "--method", "greedy", "-o", "{dir}/schedule.csv"]),
    "devices CSV": (("two_cells.toml", "two_cells_devices.csv", "two_cells_accuracy.csv"), "two_cells_devices.csv",
                    ["solve", "{dir}/two_cells.toml"]),
    "accuracy CSV": (("two_cells.toml", "two_cells_devices.csv", "two_cells_accuracy.csv"),
                     "two_cells_accuracy.csv", ["solve", "{dir}/two_cells.toml", "--method", "auto"]),
    "sweep TOML": (("sweep_bandwidth.toml",), "sweep_bandwidth.toml",
                   ["sweep", "{dir}/sweep_bandwidth.toml", "--out", "{dir}/out", "--workers", "1", "--no-progress"]),
    "simulate TOML": (("simulate_city.toml",), "simulate_city.toml",
                      ["simulate", "{dir}/simulate_city.toml", "--out", "{dir}/out", "--no-progress"]),
    "trace CSV": (("simulate_trace.toml", "simulate_trace.csv"), "simulate_trace.csv",
                  ["simulate", "{dir}/simulate_trace.toml", "--out", "{dir}/out", "--no-progress"]),
    "applications TOML": (("applications.toml", "applications_devices.csv", "sensor_accuracy.csv"),
                          "applications.toml", ["solve", "{dir}/applications.toml", "-o", "{dir}/schedule.csv"]),
    "applications devices CSV": (("applications.toml", "applications_devices.csv", "sensor_accuracy.csv"),
                                 "applications_devices.csv", ["solve", "{dir}/applications.toml"]),
    "simulate applications TOML": (("simulate_applications.toml", "sensor_accuracy.csv"),
                                   "simulate_applications.toml",
                                   ["simulate", "{dir}/simulate_applications.toml", "--out", "{dir}/out",
                                    "--no-progress"]),
}

NUMBERS = ["0", "-1", "1e-320", "1e-300", "0.5", "2", "7", "1e30", "1e308", "1e999", "nan", "inf", "-inf", '"5e6"',
           "true", "1000000000000", "18446744073709551616", "9" * 400, "", "0x10", "1_0", "[1, 2]", "{a = 1}"]
TEXTS = ['"exhaustive"', '"nope"', '""', '"/dev/zero"', '"."', '"../missing.csv"', "5", '"\\u00e9"', "[]"]
CELLS = ["", "-1", "0", "1e-320", "1e308", "nan", "x", "9" * 200_000, '"a,b"', "\ufeff1", "1e999"]
_NUMBER = re.compile(r"(?<![\w.\"-])-?\d[\d_]*(\.\d+)?([eE][-+]?\d+)?(?![\w.\"])")
_STRING = re.compile(r'"[^"\n]*"')
_KEY = re.compile(r"^(\s*)([A-Za-z_][\w-]*)(\s*=)", re.M)


def _pick(data: st.DataObject, items: list) -> object:
    return items[data.draw(st.integers(0, len(items) - 1))] if items else None


def _replace_match(data: st.DataObject, text: str, pattern: re.Pattern[str], new: list[str]) -> str:
    found = [m for m in pattern.finditer(text) if "#" not in text[text.rfind("\n", 0, m.start()) + 1:m.start()]]
    m = _pick(data, found)
    if m is None:
        return text
    assert isinstance(m, re.Match)
    return text[:m.start()] + str(_pick(data, new)) + text[m.end():]


def mutate(data: st.DataObject, raw: bytes, csv: bool) -> bytes:
    """One to three mutations: a number, a string, a key, a CSV cell or a line changed; the text cut; bytes that
    are not UTF-8, a byte-order mark or a NUL inserted."""
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["number", "number", "string", "key", "cell", "line", "truncate", "bytes"]))
        if kind in ("truncate", "bytes"):
            at = data.draw(st.integers(0, len(raw)))
            insert = data.draw(st.sampled_from([b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\n[x\n", b","]))
            raw = raw[:at] if kind == "truncate" else raw[:at] + insert + raw[at:]
            continue
        text = raw.decode("utf-8", errors="replace")
        lines = text.split("\n")
        if kind == "number":
            text = _replace_match(data, text, _NUMBER, NUMBERS if not csv else CELLS)
        elif kind == "string" and not csv:
            text = _replace_match(data, text, _STRING, TEXTS)
        elif kind == "key" and not csv:
            found = list(_KEY.finditer(text))
            m = _pick(data, found)
            if isinstance(m, re.Match):
                text = text[:m.start(2)] + m.group(2) + data.draw(st.sampled_from(["x", "_", ""])) + text[m.end(2):]
        elif kind == "cell" and csv:
            i = data.draw(st.integers(0, len(lines) - 1))
            cells = lines[i].split(",")
            j = data.draw(st.integers(0, len(cells) - 1))
            cells[j] = str(_pick(data, CELLS + ["step", "device", "frames", "accuracy", "name"]))
            if data.draw(st.booleans()) and len(cells) > 1:
                cells.pop(data.draw(st.integers(0, len(cells) - 1)))
            lines[i] = ",".join(cells)
            text = "\n".join(lines)
        else:  # a line removed or doubled
            i = data.draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [] if data.draw(st.booleans()) else [lines[i], lines[i]]
            text = "\n".join(lines)
        raw = text.encode("utf-8")
    return raw


def prepare(folder: Path, target: str, data: st.DataObject) -> list[str]:
    """Copy the target's example files into ``folder``, smaller, and mutate one; the command line."""
    files, mutated, argv = TARGETS[target]
    for name in files:
        text = (EXAMPLES / name).read_text()
        for old, new in _SMALLER.get(name, []):
            assert old in text, (name, old)
            text = text.replace(old, new)
        (folder / name).write_text(text)
    path = folder / mutated
    path.write_bytes(mutate(data, path.read_bytes(), mutated.endswith(".csv")))
    return [a.format(dir=folder) for a in argv]


def check(status: int, err: str, folder: Path) -> None:
    assert "Traceback" not in err, err
    if status == 0:
        return
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("edgesched: error: "), err
    assert str(folder) in err, f"the error names no file: {err}"


def _threads(max_workers):  # an executor without process start-up: the fuzz runs hundreds of sweeps
    return ThreadPoolExecutor(max_workers or 1)


@pytest.mark.parametrize("target", list(TARGETS))
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_succeed_or_fail_with_one_line_naming_the_file(tmp_path_factory, target, data):
    if target.startswith("sweep"):
        pytest.importorskip("pandas")
    folder = tmp_path_factory.mktemp("fuzz")
    argv = prepare(folder, target, data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch("edgesched.experiments.sweep.default_executor", _threads):
        status = main(argv)
    assert isinstance(status, int)
    check(status, err.getvalue(), folder)
    shutil.rmtree(folder)


def _entry_point() -> str:
    """The console script's target, as pyproject.toml declares it (``module:function``)."""
    return read_toml(str(ROOT / "pyproject.toml"))["project"]["scripts"]["edgesched"]


@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(list(TARGETS)), data=st.data())
def test_a_sample_through_the_console_entry_point(tmp_path_factory, target, data):
    """The same in a process of its own, started as the ``edgesched`` console script starts it."""
    if target.startswith("sweep"):
        pytest.importorskip("pandas")
    folder = tmp_path_factory.mktemp("fuzz")
    argv = prepare(folder, target, data)
    module, function = _entry_point().split(":")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(edgesched.__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])
    script = f"import sys\nfrom {module} import {function}\nsys.exit({function}())"
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env,
                          timeout=300)
    check(done.returncode, done.stderr, folder)
    shutil.rmtree(folder)
