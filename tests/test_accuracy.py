from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgesched.physics.accuracy import AccuracyCurve, default_curve, min_frames


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[int], list[float]]:
    """Random valid (frames, accuracy) tables."""
    frames = sorted(draw(st.sets(st.integers(1, 64), min_size=1, max_size=12)))
    steps = draw(
        st.lists(st.floats(0.0, 1.0), min_size=len(frames), max_size=len(frames))
    )
    acc = np.cumsum(steps)
    acc = acc / max(1.0, float(acc[-1]))  # non-decreasing, in [0, 1]
    acc = np.maximum.accumulate(np.clip(acc, 0.0, 1.0))
    return frames, [float(a) for a in acc]


# ------------------------------------------------------------ default curve


def test_default_curve_is_the_documented_formula() -> None:
    c = default_curve()
    assert c.name == "illustrative-exp"
    np.testing.assert_array_equal(c.frames, np.arange(1, 17))
    expected = [0.95 - 0.55 * math.exp(-0.3 * (m - 1)) for m in range(1, 17)]
    np.testing.assert_allclose(c.accuracy, expected, rtol=0, atol=1e-15)
    assert c(1) == pytest.approx(0.40)
    assert c.max_frames == 16
    assert c.best_accuracy == pytest.approx(0.943890, abs=1e-6)
    assert np.all(np.diff(c.accuracy) > 0)


def test_default_curve_alpha_09_gives_9_frames() -> None:
    # The brief expected M* = 13; the formula gives 9: Phi(8) = 0.8826 < 0.9 <= Phi(9) = 0.90011.
    c = default_curve()
    assert c(8) < 0.9 <= c(9)
    assert c(9) == pytest.approx(0.9001051, abs=1e-7)
    assert min_frames(c, 0.9) == 9
    assert c.min_frames(0.9, 16) == 9
    # brute force over the definition
    assert min(m for m in range(1, 17) if 0.95 - 0.55 * math.exp(-0.3 * (m - 1)) >= 0.9) == 9
    # the heterogeneous range 0.80 .. 0.94 is reachable within 16 frames
    np.testing.assert_array_equal(min_frames(c, [0.80, 0.94]), [6, 15])


# --------------------------------------------------------------- evaluation


def test_step_evaluation_between_and_beyond_points() -> None:
    c = AccuracyCurve.from_table([2, 4, 8], [0.5, 0.7, 0.9], name="t")
    assert c(2) == 0.5 and c(4) == 0.7 and c(8) == 0.9
    assert c(3) == 0.5  # value at the largest table frame <= M
    assert c(7) == 0.7
    assert c(100) == 0.9  # held beyond the last point
    out = c(np.array([2, 3, 4, 9]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.5, 0.5, 0.7, 0.9])
    assert c(4.0) == 0.7  # integral floats are frame counts too
    assert isinstance(c(4), float)
    assert c(np.array([[2, 8]])).shape == (1, 2)


@settings(deadline=None, max_examples=60)
@given(tables(), st.floats(0.0, 1.0), st.integers(1, 70))
def test_min_frames_matches_brute_force(table: tuple[list[int], list[float]], alpha: float, mmax: int) -> None:
    frames, acc = table
    c = AccuracyCurve.from_table(frames, acc)
    candidates = [m for m in range(frames[0], mmax + 1) if c(m) >= alpha]
    if candidates:
        m_star = min_frames(c, alpha, mmax)
        assert m_star == min(candidates)
        assert m_star in frames  # M* is always a table frame
        assert c(m_star) >= alpha
        if m_star > frames[0]:
            assert c(m_star - 1) < alpha
    else:
        with pytest.raises(ValueError, match="unreachable"):
            min_frames(c, alpha, mmax)


@settings(deadline=None, max_examples=40)
@given(tables(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8))
def test_min_frames_vectorised_equals_scalar(table: tuple[list[int], list[float]], alphas: list[float]) -> None:
    frames, acc = table
    c = AccuracyCurve.from_table(frames, acc)
    reachable = [a for a in alphas if a <= acc[-1]]
    if not reachable:
        return
    out = min_frames(c, reachable)
    assert isinstance(out, np.ndarray) and out.dtype == np.int64 and out.shape == (len(reachable),)
    assert [min_frames(c, a) for a in reachable] == out.tolist()
    # monotone: a stricter requirement never needs fewer frames
    order = np.argsort(reachable)
    assert np.all(np.diff(out[order]) >= 0)


def test_min_frames_per_device_max_frames() -> None:
    c = default_curve()
    out = min_frames(c, [0.8, 0.9, 0.9], [16, 9, 12])
    np.testing.assert_array_equal(out, [6, 9, 9])
    assert isinstance(min_frames(c, 0.5), int)
    assert min_frames(c, 0.0) == 1
    assert min_frames(c, np.float64(0.9), np.int64(16)) == 9


def test_unreachable_names_device_alpha_and_best() -> None:
    c = default_curve()
    with pytest.raises(ValueError,
                       match=r"device 2: alpha\[2\] = 0\.95 is unreachable .*at most 16 frames is 0\.94389"):
        min_frames(c, [0.8, 0.9, 0.95, 0.97])
    with pytest.raises(ValueError, match=r"device 1: alpha\[1\] = 0\.9 .*at most 8 frames is 0\.882649"):
        min_frames(c, [0.9, 0.9], [16, 8])
    with pytest.raises(ValueError, match=r"^alpha = 0\.95 is unreachable"):
        min_frames(c, 0.95)
    c2 = AccuracyCurve.from_table([4, 8], [0.5, 0.9])
    with pytest.raises(ValueError, match=r"at most 3 frames is none"):
        min_frames(c2, 0.1, 3)


@pytest.mark.parametrize(
    ("alpha", "mmax", "pattern"),
    [
        ([0.5, 0.9, 1.5], None, r"alpha\[2\] is 1\.5; accuracy requirements must be in \[0, 1\]"),
        ([0.5, -0.1], None, r"alpha\[1\] is -0\.1"),
        (np.nan, None, r"alpha is nan"),
        ([0.5, 0.6], [16, 0], r"max_frames\[1\] is 0; frame counts must be integers >= 1"),
        (0.5, 2.5, r"max_frames is 2\.5"),
        ([0.5, 0.6, 0.7], [16, 16], r"alpha \(3,\) and max_frames \(2,\) do not broadcast"),
        ("high", None, r"alpha must be a real number"),
    ],
)
def test_min_frames_validation(alpha, mmax, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern):
        min_frames(default_curve(), alpha, mmax)


def test_min_frames_needs_a_curve() -> None:
    with pytest.raises(ValueError, match="curve must be an AccuracyCurve"):
        min_frames([0.5, 0.9], 0.9)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("m", "pattern"),
    [
        (1, r"M is 1; curve 't' starts at 2 frames"),
        ([3, 2, 1], r"M\[2\] is 1; curve 't' starts at 2 frames"),
        (0, r"M is 0; frame counts must be integers >= 1"),
        ([2, 2.5], r"M\[1\] is 2\.5; frame counts must be integers >= 1"),
        (np.array([True]), r"M must be integer frame counts"),
        ([[2, 3], [4, -1]], r"M\[1, 1\] is -1"),
    ],
)
def test_call_validation(m, pattern: str) -> None:  # type: ignore[no-untyped-def]
    c = AccuracyCurve.from_table([2, 4], [0.5, 0.9], name="t")
    with pytest.raises(ValueError, match=pattern):
        c(m)


# --------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("frames", "acc", "pattern"),
    [
        ([1, 2, 2], [0.1, 0.2, 0.3], r"frames\[2\] is 2 <= frames\[1\] = 2; frames must be strictly increasing"),
        ([1, 3, 2], [0.1, 0.2, 0.3], r"frames\[2\] is 2 <= frames\[1\] = 3"),
        ([0, 1], [0.1, 0.2], r"frames\[0\] is 0\.0; frame counts must be integers >= 1"),
        ([1, 2.5], [0.1, 0.2], r"frames\[1\] is 2\.5"),
        ([1, np.nan], [0.1, 0.2], r"frames\[1\] is nan"),
        ([1, 2, 3], [0.1, 0.3, 0.2],
         r"accuracy\[2\] \(frames=3\) is 0\.2 < accuracy\[1\] = 0\.3; accuracies must be non-decreasing"),
        ([1, 2], [0.1, 1.2], r"accuracy\[1\] is 1\.2; accuracies must be in \[0, 1\]"),
        ([1, 2], [-0.1, 0.2], r"accuracy\[0\] is -0\.1"),
        ([1, 2], [0.1, np.nan], r"accuracy\[1\] is nan"),
        ([1, 2], [0.1], r"same length; got 2 and 1"),
        ([[1, 2]], [[0.1, 0.2]], r"must be 1-d"),
        ([], [], r"at least one"),
        (["a"], [0.1], r"frames must be an array of integers"),
        ([1], ["x"], r"accuracy must be an array of real numbers"),
    ],
)
def test_table_validation(frames, acc, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern):
        AccuracyCurve.from_table(frames, acc)


def test_name_must_be_str() -> None:
    with pytest.raises(ValueError, match="name is 3"):
        AccuracyCurve.from_table([1], [0.5], name=3)  # type: ignore[arg-type]


def test_frozen_readonly_equality_hash() -> None:
    a = AccuracyCurve.from_table([1, 2], [0.5, 0.6], name="x")
    b = AccuracyCurve.from_table(np.array([1, 2]), (0.5, 0.6), name="x")
    assert a == b and hash(a) == hash(b)
    assert a != AccuracyCurve.from_table([1, 2], [0.5, 0.6], name="y")
    assert a != AccuracyCurve.from_table([1, 2], [0.5, 0.7], name="x")
    assert a != "x"
    assert a.frames.dtype == np.int64 and a.accuracy.dtype == np.float64
    with pytest.raises(ValueError):
        a.accuracy[0] = 0.9
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "z"  # type: ignore[misc]
    src = np.array([0.5, 0.6])
    c = AccuracyCurve.from_table([1, 2], src)
    src[0] = 0.0
    assert c(1) == 0.5  # the curve holds its own copy
    assert dataclasses.replace(a, name="z").name == "z"


# ------------------------------------------------------------ from_function


def test_from_function() -> None:
    c = AccuracyCurve.from_function(lambda m: 1 - 1 / (m + 1), 5, name="f")
    np.testing.assert_array_equal(c.frames, [1, 2, 3, 4, 5])
    assert c(3) == pytest.approx(0.75)
    assert c.name == "f"


@pytest.mark.parametrize(
    ("fn", "mmax", "pattern"),
    [
        (lambda m: 0.9 if m != 4 else 0.1, 6, r"accuracy\[3\] \(frames=4\) is 0\.1 < accuracy\[2\] = 0\.9"),
        (lambda m: m / 3, 5, r"accuracy\[3\] is 1\.33"),
        (lambda m: "x", 3, r"fn\(1\) returned 'x'; expected a real number"),
        (lambda m: 0.5, 0, r"max_frames is 0; max_frames must be an integer >= 1"),
        (lambda m: 0.5, 2.5, r"max_frames is 2\.5"),
        (lambda m: 0.5, True, r"max_frames is True"),
    ],
)
def test_from_function_validation(fn, mmax, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern):
        AccuracyCurve.from_function(fn, mmax)


# -------------------------------------------------------------------- CSV


@settings(deadline=None, max_examples=25)
@given(tables())
def test_csv_round_trip(table: tuple[list[int], list[float]]) -> None:
    frames, acc = table
    c = AccuracyCurve.from_table(frames, acc, name="rt")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rt.csv"
        c.to_csv(path)
        assert AccuracyCurve.from_csv(path) == c


def test_csv_comments_blank_lines_extra_columns_and_order(tmp_path: Path) -> None:
    p = tmp_path / "gesture.csv"
    p.write_text("# measured on ...\n\naccuracy, frames ,note\n0.5,1,a\n\n0.7,4,b\n0.8,8,\n")
    c = AccuracyCurve.from_csv(p)
    assert c.name == "gesture"
    np.testing.assert_array_equal(c.frames, [1, 4, 8])
    np.testing.assert_array_equal(c.accuracy, [0.5, 0.7, 0.8])
    assert AccuracyCurve.from_csv(str(p), name="g").name == "g"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("frames,accuracy\n1,0.5\n2,0.4\n", r"bad\.csv: row 3: accuracy\[1\] \(frames=2\) is 0\.4 < accuracy\[0\]"),
        ("# c\nframes,accuracy\n1,0.5\n\n1,0.6\n", r"bad\.csv: row 5: frames\[1\] is 1 <= frames\[0\]"),
        ("frames,accuracy\n1,0.5\n2,abc\n", r"bad\.csv: row 3: accuracy is 'abc'; not a number"),
        ("frames,accuracy\n1,0.5\nx,0.6\n", r"bad\.csv: row 3: frames is 'x'"),
        ("frames,accuracy\n1,1.5\n", r"bad\.csv: row 2: accuracy\[0\] is 1\.5"),
        ("frames,accuracy\n1.5,0.5\n", r"bad\.csv: row 2: frames\[0\] is 1\.5"),
        ("frames,accuracy\n1\n", r"bad\.csv: row 2: expected 2 columns, got 1"),
        ("1,0.5\n2,0.6\n", r"bad\.csv: row 1: header .* has no 'frames' column"),
        ("frames,acc\n1,0.5\n", r"bad\.csv: row 1: header .* has no 'accuracy' column"),
        ("frames,accuracy\n", r"bad\.csv: no data rows"),
        ("\n# only comments\n", r"bad\.csv: empty file"),
    ],
)
def test_csv_errors_name_file_and_row(tmp_path: Path, text: str, pattern: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=pattern):
        AccuracyCurve.from_csv(p)
