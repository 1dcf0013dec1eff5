"""Training input and Keras' loop: why ``make_dataset`` turns tf.data's
autotuning off, and why ``fit`` compiles with ``steps_per_execution``.

Usage::

    python -m benchmarks.bench_pipeline [--data-home PATH] [--rounds 8]

In one process, on the same network (the tutorial CNN, built by ``build_cnn``)
and the same training images, one epoch per variant per round, the variants
interleaved:

1. Keras' own NumPy input (``model.fit(X, y, batch_size=64)``), what the
   notebook's code does;
2. ``make_dataset(..., tuned=True)``: the same pipeline with its parallelism
   and prefetch left to tf.data's autotuning (the pipeline before 0.1.0);
3. ``make_dataset`` as shipped (fixed ``PIPELINE_DEPTH``, autotuning off);
4. the same, compiled with ``steps_per_execution=STEPS_PER_EXECUTION``, as
   ``FashionCNNClassifier.fit`` does.

Reports each variant's images/s per epoch (min / median / max), how many of its
epochs ran below 0.75 times the fastest variant's median (the "slow epochs" in
which training used one core of two), and images per CPU-second. Writes
``benchmarks/results/bench_pipeline.md``.
"""

import argparse
import statistics
import time
from pathlib import Path

from benchmarks import _data
from benchmarks._configs import BATCH_SIZE, LEARNING_RATE
from benchmarks.run import (
    REPO,
    interleaved_rates,
    machine_info,
    rate_spread,
    write_report,
)
from benchmarks.worker import image_shape, import_keras


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    keras = import_keras()
    from sknn_estimators._architectures import build_cnn
    from sknn_estimators._keras_runtime import (
        PIPELINE_DEPTH,
        STEPS_PER_EXECUTION,
        make_dataset,
    )

    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    X_train, _, y_train, _ = _data.split(X, y)
    images = X_train.reshape((-1, *image_shape(X_train.shape[1])))
    labels = y_train.astype("int32")

    def model(steps_per_execution=1):
        network = build_cnn(images.shape[1:], 10, seed=0)
        network.compile(
            optimizer=keras.optimizers.Adam(LEARNING_RATE),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=steps_per_execution,
        )
        return network

    one_step, grouped = model(), model(STEPS_PER_EXECUTION)
    fixed, tuned = (
        make_dataset(
            images, labels, batch_size=BATCH_SIZE, shuffle=True, seed=0, tuned=tuned
        )
        for tuned in (False, True)
    )
    variants = {
        "Keras' NumPy input (the notebook's `model.fit(X, y)`)": lambda: one_step.fit(
            images, labels, batch_size=BATCH_SIZE, epochs=1, verbose=0
        ),
        "`make_dataset(..., tuned=True)`: tf.data autotuning on (before)": lambda: (
            one_step.fit(tuned, epochs=1, shuffle=False, verbose=0)
        ),
        f"`make_dataset` (autotuning off, depth {PIPELINE_DEPTH})": lambda: (
            one_step.fit(fixed, epochs=1, shuffle=False, verbose=0)
        ),
        f"`make_dataset` + `steps_per_execution={STEPS_PER_EXECUTION}` "
        "(`FashionCNNClassifier.fit`)": lambda: grouped.fit(
            fixed, epochs=1, shuffle=False, verbose=0
        ),
    }
    rates = interleaved_rates(variants, images.shape[0], args.rounds)
    fastest = max(statistics.median(wall) for wall, _ in rates.values())
    lines = [
        "# Training input and Keras' loop",
        "",
        f"- Command: `python -m benchmarks.bench_pipeline --rounds {args.rounds}`",
        f"- Date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"- Machine: {machine_info()['cpu_model']}; data: {info['name']}, "
        f"{images.shape[0]:,} training images; the tutorial CNN, batch "
        f"{BATCH_SIZE}, Adam {LEARNING_RATE}; one epoch per variant per round, "
        "interleaved, in one process",
        "",
        "| input and loop | epoch images/s: min / median / max "
        "| slow epochs (< 0.75 x fastest median) | images per CPU-s (median) |",
        "| --- | --- | --- | --- |",
    ]
    for name, (wall, cpu) in rates.items():
        slow = sum(rate < 0.75 * fastest for rate in wall)
        lines.append(
            f"| {name} | {rate_spread(wall)} | {slow} of {len(wall)} "
            f"| {statistics.median(cpu):,.0f} |"
        )
    write_report(Path(args.out) / "bench_pipeline.md", lines)


if __name__ == "__main__":
    main()
