"""A new user's first hour: progress counts, pickling, error messages."""

import re

import pytest

from tests.conftest import small_cnn


def tiny_cnn(**params):
    return small_cnn(conv_filters=(4,), dense_units=(8,), epochs=2, **params)


# ---------------------------------------------------------------- progress
@pytest.mark.parametrize("n_samples", [376, 32])  # 47 steps, and 4 steps
def test_progress_bar_never_counts_past_the_epochs_steps(digits, capsys, n_samples):
    X, _, y, _ = digits
    tiny_cnn(batch_size=8, verbose=1).fit(X[:n_samples], y[:n_samples])
    out = capsys.readouterr().out
    counts = [(int(k), int(n)) for k, n in re.findall(r"(\d+)/(\d+)\b", out)]
    steps = [(k, n) for k, n in counts if n == n_samples // 8]
    assert steps, out  # the bar was shown
    assert all(k <= n for k, n in steps), steps
    assert (n_samples // 8, n_samples // 8) in steps
