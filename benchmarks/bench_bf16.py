"""Where ``mixed_bfloat16`` gains and loses time in the notebook CNN.

Usage::

    python -m benchmarks.bench_bf16 [--data-home PATH] [--repeats 6]

Two tables, both measured in one process with the variants interleaved:

1. Each kind of layer of the network alone (forward and backward pass of one
   batch of 64, traced), in float32 and in ``mixed_bfloat16``.
2. The whole network trained for one epoch per round (on the estimator's
   input pipeline and ``steps_per_execution``), with the bfloat16 policy on
   different kinds of layers: none (float32), all but the softmax output, the
   same with each block's pooling before its LeakyReLU (what
   ``FashionCNNClassifier(precision="mixed_bfloat16")`` does), and the
   convolutions and dense layers only, with the elementwise layers (LeakyReLU,
   pooling) kept in float32. Images per CPU-second and wall-clock images/s are
   both shown.

Writes ``benchmarks/results/bench_bf16.md``. The CPU needs bfloat16 support
(AVX512-BF16 or AMX) for the comparison to mean anything.
"""

import argparse
import statistics
import time
from functools import partial
from pathlib import Path

from benchmarks import _data
from benchmarks._configs import BATCH_SIZE, LEARNING_RATE
from benchmarks.run import REPO, interleaved_rates, machine_info, write_report
from benchmarks.worker import image_shape, import_keras
from sknn_estimators._keras_runtime import STEPS_PER_EXECUTION, make_dataset

BF16, F32 = "mixed_bfloat16", "float32"

#: Policy of (convolutions, LeakyReLU, pooling, dense layers) per variant, and
#: whether each block pools before its LeakyReLU.
VARIANTS = {
    "float32": ((F32, F32, F32, F32), False),
    "bfloat16 everywhere but the output": ((BF16, BF16, BF16, BF16), False),
    "bfloat16 everywhere but the output, pooling before LeakyReLU "
    "(the estimator's mode)": ((BF16, BF16, BF16, BF16), True),
    "bfloat16 convolutions and dense; LeakyReLU and pooling float32": (
        (BF16, F32, F32, BF16),
        False,
    ),
}


def build(keras, shape, n_classes, policies, pool_first):
    """The notebook network (as ``build_cnn`` builds it) with a policy per kind
    of layer; the softmax output stays float32."""
    conv, act, pool, dense = policies
    layers = [keras.Input(shape)]
    for filters in (32, 64, 128):
        block = [
            keras.layers.LeakyReLU(negative_slope=0.1, dtype=act),
            keras.layers.MaxPooling2D(2, padding="same", dtype=pool),
        ]
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", dtype=conv),
            *(block[::-1] if pool_first else block),
        ]
    layers += [
        keras.layers.Flatten(dtype=dense),
        keras.layers.Dense(128, dtype=dense),
        keras.layers.LeakyReLU(negative_slope=0.1, dtype=act),
        keras.layers.Dense(n_classes, activation="softmax", dtype=F32),
    ]
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return model


#: Each kind of layer of the network, with the input shape it gets there.
LAYERS = {
    "Conv2D 32, input 28x28x1": ("conv", 32, (28, 28, 1)),
    "Conv2D 64, input 14x14x32": ("conv", 64, (14, 14, 32)),
    "Conv2D 128, input 7x7x64": ("conv", 128, (7, 7, 64)),
    "LeakyReLU, 28x28x32": ("leaky", None, (28, 28, 32)),
    "MaxPooling2D, 28x28x32": ("pool", None, (28, 28, 32)),
    "Dense 128, input 2048": ("dense", 128, (2048,)),
}


def make_layer(keras, kind, units, policy):
    if kind == "conv":
        return keras.layers.Conv2D(units, 3, padding="same", dtype=policy)
    if kind == "leaky":
        return keras.layers.LeakyReLU(negative_slope=0.1, dtype=policy)
    if kind == "pool":
        return keras.layers.MaxPooling2D(2, padding="same", dtype=policy)
    return keras.layers.Dense(units, dtype=policy)


def layer_times(keras, repeats, calls=50):
    """CPU milliseconds per forward+backward pass of each layer alone, by policy."""
    import tensorflow as tf

    steps = {}
    for name, (kind, units, shape) in LAYERS.items():
        x = tf.random.uniform((BATCH_SIZE, *shape), seed=0)
        for policy in (F32, BF16):
            layer = make_layer(keras, kind, units, policy)
            layer.build((BATCH_SIZE, *shape))

            @tf.function
            def step(x, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.cast(layer(x), tf.float32))
                return tape.gradient(loss, [x, *layer.trainable_variables])

            for _ in range(5):  # trace and warm up
                step(x)
            steps[name, policy] = (step, x)
    times = {key: [] for key in steps}
    for _ in range(repeats):
        for key, (step, x) in steps.items():
            start = time.process_time()
            for _ in range(calls):
                step(x)
            times[key].append((time.process_time() - start) / calls * 1e3)
    return {key: statistics.median(values) for key, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    keras = import_keras()

    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    X_train, _, y_train, _ = _data.split(X, y)
    shape = image_shape(X_train.shape[1])
    images = X_train.reshape((-1, *shape))
    n_classes = int(y_train.max()) + 1
    models = {
        name: build(keras, shape, n_classes, *variant)
        for name, variant in VARIANTS.items()
    }
    data = make_dataset(images, y_train, batch_size=BATCH_SIZE, shuffle=True, seed=0)
    rates = interleaved_rates(
        {
            name: partial(model.fit, data, epochs=1, shuffle=False, verbose=0)
            for name, model in models.items()
        },
        images.shape[0],
        args.repeats,
    )
    layers = layer_times(keras, args.repeats)

    lines = [
        "# Where mixed_bfloat16 gains and loses time",
        "",
        f"- Command: `python -m benchmarks.bench_bf16 --repeats {args.repeats}`",
        f"- Date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"- Machine: {machine_info()['cpu_model']}, bfloat16 CPU flags: "
        f"{', '.join(machine_info()['bf16_cpu_flags']) or 'none'}; data: "
        f"{info['name']}, {images.shape[0]:,} training images",
        "",
        "## Each kind of layer alone (forward + backward, batch "
        f"{BATCH_SIZE}; CPU ms, median of {args.repeats})",
        "",
        "| layer | float32 ms | mixed_bfloat16 ms | float32 / bfloat16 |",
        "| --- | --- | --- | --- |",
    ]
    for name in LAYERS:
        f32, bf16 = layers[name, F32], layers[name, BF16]
        lines.append(f"| {name} | {f32:.2f} | {bf16:.2f} | {f32 / bf16:.2f} |")
    lines += [
        "",
        f"## The whole network, one epoch per round (median of {args.repeats})",
        "",
        "| bfloat16 policy on | images per CPU-s | vs float32 | images/s (wall) |",
        "| --- | --- | --- | --- |",
    ]
    base = statistics.median(rates["float32"][1])
    for name, (wall, cpu) in rates.items():
        per_cpu = statistics.median(cpu)
        lines.append(
            f"| {name} | {per_cpu:,.0f} | {per_cpu / base:.2f} "
            f"| {statistics.median(wall):,.0f} |"
        )
    write_report(Path(args.out) / "bench_bf16.md", lines)


if __name__ == "__main__":
    main()
