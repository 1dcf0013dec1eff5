"""Ctrl-C during fit stops within a few batches and leaves a usable model."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

#: Epochs the fit completes before the test sends SIGINT.
EPOCHS_BEFORE = 3

SCRIPT = textwrap.dedent(
    """
    import pickle, sys, warnings
    import keras
    from sklearn.datasets import load_digits
    from sknn_estimators import FashionCNNClassifier

    class EpochPrinter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print("EPOCH", epoch + 1, flush=True)

    X, y = load_digits(return_X_y=True)
    clf = FashionCNNClassifier(conv_filters=(8,), dense_units=(32,), epochs=100_000,
                               n_iter_no_change=100_000, random_state=0,
                               callbacks=[EpochPrinter()])
    # The backend's import and start-up happen here, before the signal.
    FashionCNNClassifier(conv_filters=(2,), dense_units=(2,), epochs=1).fit(X, y)
    print("FITTING", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    messages = [str(w.message) for w in caught if "interrupted" in str(w.message)]
    print("WARNING", messages[0] if messages else None, flush=True)
    print("N_ITER", clf.n_iter_, len(clf.loss_curve_), flush=True)
    print("SCORE", clf.score(X, y), flush=True)
    twin = pickle.loads(pickle.dumps(clf))
    print("PICKLED", (twin.predict(X) == clf.predict(X)).all(), flush=True)
    """
)


@pytest.mark.slow
def test_sigint_during_fit_keeps_the_weights_learned_so_far():
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout.readline().strip() == "FITTING"
            # Some epochs first, however long the backend takes to compile.
            for line in proc.stdout:  # ends early if the script fails
                if line.strip() == f"EPOCH {EPOCHS_BEFORE}":
                    break
            time.sleep(0.5)  # into the next epoch
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
        finally:
            proc.kill()
    assert proc.returncode == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    lines.pop("EPOCH", None)
    assert "interrupted (Ctrl-C)" in lines["WARNING"]
    assert "keeps the weights learned so far" in lines["WARNING"]
    n_iter, n_losses = map(int, lines["N_ITER"].split())
    assert EPOCHS_BEFORE <= n_iter < 100_000 and n_losses == n_iter
    assert float(lines["SCORE"]) > 0.5  # it learned something and predicts
    assert lines["PICKLED"] == "True"
