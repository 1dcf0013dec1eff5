"""Keras/TensorFlow at run time: lazy import, the input pipeline, traced inference.

Nothing here runs at ``import sknn_estimators``: TensorFlow costs seconds to
import, and the MLP presets and data loaders do not need it.
"""

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import warnings

import numpy as np

#: Rows per call of the traced inference function. Large enough to amortise the
#: per-call overhead, small enough that the first convolution's activations of
#: one chunk stay in the tens of megabytes (benchmarks/bench_inference.py at
#: commit 2aa2d7c; its report stays in benchmarks/results/).
PREDICT_BATCH_SIZE = 512
#: Rows of a prediction batch are padded to a multiple of this (see
#: :func:`predict_in_batches`): 16 float32 values fill an AVX-512 register.
ROW_BLOCK = 16

#: Training batches per call of Keras' compiled training function
#: (``compile(steps_per_execution=...)``): fewer trips through Keras' Python loop
#: per epoch. The weights after each epoch are those of one step at a time.
STEPS_PER_EXECUTION = 8

#: Calls of Keras' training function an epoch makes at least, where it has
#: that many batches: ``steps_per_execution`` is lowered for small data sets
#: (see :func:`limit_steps_per_execution`).
MIN_CALLS_PER_EPOCH = 4

#: Batches an epoch has at most to run in one call of the training function
#: (see :func:`set_steps_per_execution`).
WHOLE_EPOCH_BATCHES = 32

#: Batches the input pipeline gathers in parallel, and keeps ready ahead of the
#: training step. Fixed numbers instead of tf.data's autotuning: with autotuning
#: on, many epochs ran on one core instead of two (about 2,800
#: instead of about 5,000 images/s for the tutorial network on 2 cores, with
#: plain Keras too); with it off, every epoch ran at the higher speed (see
#: ``benchmarks/results/bench_pipeline.md``, written at commit 2aa2d7c).
PIPELINE_DEPTH = 2


def import_keras():
    """Import Keras, quietly, and return the module.

    Keras runs on the backend its own configuration names (``KERAS_BACKEND``,
    else ``~/.keras/keras.json``, else TensorFlow): TensorFlow, JAX or
    PyTorch. TensorFlow's start-up notices are filtered out (see
    :func:`_import_keras_quietly`).

    TensorFlow sizes its thread pools once, when its runtime starts. Where
    ``OMP_NUM_THREADS`` is set (joblib's loky workers and Dask workers set it to
    their share of the cores) and TensorFlow's own ``TF_NUM_INTRAOP_THREADS`` /
    ``TF_NUM_INTEROP_THREADS`` are not, both pools follow it, so parallel fits
    in several processes do not oversubscribe the CPU.
    """
    show_log = _tensorflow_log_wanted()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
    if not show_log:
        _import_keras_quietly()
    import keras

    return keras


#: Environment variable that, set to 1, shows TensorFlow's start-up log.
TF_LOG_ENV = "SKNN_ESTIMATORS_TF_LOG"

#: The notices TensorFlow's C++ libraries print while ``import tensorflow``
#: loads them. They are logged during the libraries' static initialisation,
#: before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` and before absl's logging is
#: initialised, and no environment variable reaches them (see
#: :func:`_import_keras_quietly`).
_STARTUP_NOTICES = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|port\.cc:\d+\] oneDNN custom operations are on"
    r"|cudart_stub\.cc:\d+\] Could not find cuda drivers"
    r"|cpu_feature_guard\.cc:\d+\]"
    r"|^To enable the following instructions: .* rebuild TensorFlow with"
)


def _tensorflow_log_wanted():
    """Whether the user asked for TensorFlow's start-up log:
    ``SKNN_ESTIMATORS_TF_LOG=1``, or ``TF_CPP_MIN_LOG_LEVEL=0`` set by them."""
    flag = os.environ.get(TF_LOG_ENV, "").strip().lower()
    return flag in ("1", "true", "yes", "on") or (
        os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() == "0"
    )


def _import_keras_quietly():
    """``import keras`` without TensorFlow's start-up notices (Keras imports
    TensorFlow when that is its backend).

    TensorFlow 2.21 logs them (:data:`_STARTUP_NOTICES`) on every import, once
    for ``libtensorflow_framework`` and once more for the profiler plugin,
    which carries its own copy of absl; ``TF_CPP_MIN_LOG_LEVEL``,
    ``TF_CPP_MAX_VLOG_LEVEL``, ``TF_CPP_VMODULE``, ``GLOG_minloglevel`` and
    ``TF_ENABLE_ONEDNN_OPTS=1`` leave them in place. So only while Keras' own
    import runs (no user code), file descriptor 2 goes to a temporary file;
    afterwards every captured line except those notices is written back to
    it, so warnings and errors from the import still show. Nothing happens
    when Keras is already imported, or when stderr has no file descriptor.
    """
    if "keras" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        import keras  # noqa: F401

        return
    with tempfile.TemporaryFile() as capture:
        try:
            os.dup2(capture.fileno(), 2)
            import keras  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().splitlines(True)
            kept = b"".join(
                line
                for line in lines
                if not _STARTUP_NOTICES.search(line.decode("utf-8", "replace"))
            )
            if kept:
                # Back to file descriptor 2, where they were written (in
                # Jupyter that is the kernel's log, not the notebook).
                os.write(2, kept)


def make_dataset(
    X,
    y,
    sample_weight=None,
    *,
    batch_size,
    shuffle=False,
    seed=None,
    x_dtype=None,
    tuned=False,
    repeat=False,
):
    """Batches of ``(X, y[, sample_weight])`` as a ``tf.data.Dataset`` (a
    Keras ``PyDataset`` on the JAX and PyTorch backends, with the same batches:
    :class:`~sknn_estimators._jax_torch_runtime.ArrayBatches`).

    ``y`` is one array, or a list, tuple or dict of arrays for a Keras model
    with several outputs (a list becomes a tuple); so is ``X`` for a model
    with several inputs. A SciPy sparse ``X`` is densified batch by batch.

    Shuffling draws a new order every epoch from the op-level ``seed``, so a fit
    is repeatable without setting TensorFlow's global seed. Each batch is
    gathered from the NumPy arrays by index, so the arrays are neither copied
    into TensorFlow as a whole nor traversed element by element: a fit holds X
    once, plus a few batches in flight (asv's memory benchmarks in
    ``benchmarks/bench_memory.py`` measure it). tf.data's default graph rewrites
    are switched off, as Keras' own array adapter does; on this pipeline they
    only add start-up time to every epoch. So is tf.data's autotuning:
    ``PIPELINE_DEPTH`` batches are gathered in parallel and prefetched.
    ``tuned=True`` leaves the parallelism and prefetch to tf.data's autotuning
    instead (it was compared by ``benchmarks/bench_pipeline.py`` at commit
    2aa2d7c). ``repeat=True`` repeats the epochs without end, for
    ``Model.fit(steps_per_epoch=...)``: Keras then keeps one iterator, and the
    gathering threads, for all epochs instead of making two each epoch.

    ``sample_weight``, when given, is scaled within each batch to sum to the
    batch's size (see :func:`_normalised_weights`). ``x_dtype``, when given,
    is the dtype each batch of ``X`` is cast to as it is gathered, so that
    integer images (uint8, a memmap) stay in their own dtype, and on disk,
    until a batch needs them.
    """
    x_leaves, pack_x = target_leaves(X)
    y_leaves, pack_y = target_leaves(y)
    arrays = tuple(
        a if hasattr(a, "toarray") else np.asarray(a)
        for a in (*x_leaves, *y_leaves, sample_weight)
        if a is not None
    )
    n_x, n_y = len(x_leaves), len(y_leaves)
    x_dtypes = [np.dtype(a.dtype if x_dtype is None else x_dtype) for a in x_leaves]
    n_samples = arrays[0].shape[0]

    def take(batch_indices):
        batch = [a[batch_indices] for a in arrays]
        for i, dtype in enumerate(x_dtypes):
            rows = batch[i].toarray() if hasattr(batch[i], "toarray") else batch[i]
            batch[i] = rows.astype(dtype, copy=False)
        if sample_weight is not None:
            batch[-1] = _normalised_weights(batch[-1])
        return tuple(batch)

    def pack(batch):
        x = batch[0] if pack_x is None else pack_x(batch[:n_x])
        y_part = batch[n_x] if pack_y is None else pack_y(batch[n_x : n_x + n_y])
        return (x, y_part, *batch[n_x + n_y :])

    if import_keras().backend.backend() != "tensorflow":
        from sknn_estimators._jax_torch_runtime import ArrayBatches

        return ArrayBatches(
            lambda indices: pack(take(indices)),
            n_samples,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )

    import tensorflow as tf

    dtypes = (
        *(tf.as_dtype(d) for d in x_dtypes),
        *(tf.as_dtype(a.dtype) for a in arrays[n_x:]),
    )

    def gather(batch_indices):
        batch = tf.numpy_function(take, [batch_indices], dtypes, stateful=False)
        for tensor, array in zip(batch, arrays, strict=True):
            tensor.set_shape((None, *array.shape[1:]))
        return pack(batch)

    indices = tf.data.Dataset.range(n_samples)
    if shuffle:
        indices = indices.shuffle(n_samples, seed=seed, reshuffle_each_iteration=True)
    depth = tf.data.AUTOTUNE if tuned else PIPELINE_DEPTH
    batches = indices.batch(batch_size)
    if repeat:
        batches = batches.repeat()
    dataset = batches.map(
        gather, num_parallel_calls=depth, deterministic=True
    ).prefetch(depth)
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.autotune.enabled = tuned
    return dataset.with_options(options)


def target_leaves(y):
    """``(arrays, pack)``: the arrays of targets ``y`` and a function that
    packs one value per array back into ``y``'s structure, for the several
    outputs of a Keras model (a list, tuple or dict of arrays); ``pack`` is
    None for one array (``[y]``) and for no targets (``[]``)."""
    if isinstance(y, dict):
        keys = list(y)
        return [y[key] for key in keys], lambda v: dict(zip(keys, v, strict=True))
    if isinstance(y, list | tuple):
        return list(y), tuple  # tf.data keeps tuples as structures
    return ([] if y is None else [y]), None


def map_targets(function, y):
    """``function`` applied to each array of ``y`` (one array, or a list, tuple
    or dict of arrays for a model with several outputs), in ``y``'s structure."""
    leaves, pack = target_leaves(y)
    if pack is None:
        return function(y)
    return pack([function(leaf) for leaf in leaves])


def _normalised_weights(weights):
    """A batch's sample weights scaled to sum to the batch's size, so that
    Keras' mean of ``weight * loss`` over the batch is the weighted mean
    ``sum(w * loss) / sum(w)`` (a weight of 2 counts as the sample twice, as in
    MLPClassifier); all-zero weights stay zero."""
    total = weights.sum()
    if total > 0:
        return weights * (weights.dtype.type(weights.shape[0]) / total)
    return weights


def build_training_state(model, x, y):
    """Create a compiled model's optimizer and metric variables now, eagerly,
    from a sample batch ``(x, y)``, instead of inside Keras' first traced
    training step.

    Variables created inside a ``tf.function`` get their initialisers lifted
    into ``tf.cond`` branches, and TensorFlow keeps those branch functions in
    its process-wide function library for good: about 28 functions, a few
    MiB, for every fit of even a small network. Created here they need no
    branch functions, so that many successive fits in one process (a grid
    search) do not grow its memory by as much. The fit is unchanged (the
    variables start at the same values either way); the metrics are reset.
    """
    model.optimizer.build(model.trainable_variables)
    model.compute_metrics(x, y, model(x, training=False))
    model.reset_metrics()


def set_steps_per_execution(model, batches_per_epoch, epochs, *, ours):
    """Group ``batches_per_epoch`` batches into calls of Keras' training
    function (``model.steps_per_execution``) for a fit of ``epochs`` epochs.

    Each new model brings a new traced training function, and TensorFlow
    counts the traces of all of them together (its detector keys on the code
    of Keras' training loop, not on the model): fits of one or two calls
    each, as in a grid search on a small data set, looked to it like one
    function traced again and again, and it logged "triggered tf.function
    retracing" warnings. So a fit makes at least ``MIN_CALLS_PER_EPOCH``
    calls: where the grouping is ``ours`` (the package's default, not the
    user's), an epoch of at most ``WHOLE_EPOCH_BATCHES`` batches in a fit of
    at least that many epochs runs in one call (each call costs about 1.5 ms
    of Python, a third of a small network's epoch); otherwise
    ``steps_per_execution`` is lowered so that an epoch makes that many calls
    (never below 1; never raised), and further to a divisor of the epoch
    where one is at least half as large.
    """
    if (
        ours
        and batches_per_epoch <= WHOLE_EPOCH_BATCHES
        and (epochs >= MIN_CALLS_PER_EPOCH)
    ):
        model.steps_per_execution = batches_per_epoch
        return
    limit = max(1, batches_per_epoch // MIN_CALLS_PER_EPOCH)
    wanted = min(model.steps_per_execution, limit)
    # A grouping that divides the epoch lets fit keep one repeated dataset
    # (see BaseWrapper._fit); one at least half as large is as good.
    divisor = max(d for d in range(1, wanted + 1) if batches_per_epoch % d == 0)
    model.steps_per_execution = divisor if 2 * divisor >= wanted else wanted


def seed_generators(model):
    """The ``SeedGenerator`` of every layer of ``model`` (dropout, noise,
    augmentation), nested models' too, in a fixed order."""
    return [
        generator
        for layer in model._flatten_layers(include_self=True, recursive=True)
        for generator in layer._seed_generators
    ]


def own_seeds_for_dropout(model):
    """Make ``model``'s dropout on PyTorch draw from its seed generators.

    Keras' PyTorch dropout takes PyTorch's global generator, unseeded, when
    the layer was made without an explicit seed, although Keras drew a seed
    for the layer's generator (from Python's ``random``, which a seeded build
    seeds). Declaring that drawn seed the generator's own makes dropout draw
    from the generator, as on the other backends: seeded fits repeat, and no
    global generator is touched.
    """
    for generator in seed_generators(model):
        if generator._initial_seed is None:
            state = np.asarray(generator.state.numpy())
            generator._initial_seed = int(state[0])


@contextlib.contextmanager
def floatx_scope(keras, floatx):
    """Keras' default float type set to ``floatx`` inside the block only (None:
    left as it is). Keras' ``compile`` gives its compiled loss that type, and
    a float64 network's L2 penalties can only be added to a float64 loss."""
    previous = keras.config.floatx()
    if floatx is not None:
        keras.config.set_floatx(floatx)
    try:
        yield
    finally:
        keras.config.set_floatx(previous)


def bfloat16_supported():
    """Whether this machine computes bfloat16 natively (a GPU, or a CPU with
    AVX512-BF16 or AMX); elsewhere ``mixed_bfloat16`` would be slower, not faster."""
    if accelerator_present():
        return True
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as file:
            flags = set(file.read().split())
    except OSError:
        return False
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def float64_unsupported():
    """Why Keras' backend cannot compute in float64, or None where it can.

    JAX computes float64 only in its 64-bit mode (``JAX_ENABLE_X64=1`` or
    ``jax.enable_x64``). Keras' PyTorch backend promotes float64 to float32
    in its operations (``keras.ops.matmul`` of two float64 arrays multiplies
    in float32: Keras 3.15's dtype rules keep float64 for TensorFlow only).
    """
    backend = import_keras().backend.backend()
    if backend == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return (
                "on Keras' JAX backend it needs JAX's 64-bit mode, which is off: "
                "set the environment variable JAX_ENABLE_X64=1 before JAX is "
                "imported, or fit inside `with jax.enable_x64(True):`"
            )
    if backend == "torch":
        return (
            "Keras' PyTorch backend computes float64 layers in float32 (its "
            "dtype promotion keeps float64 for TensorFlow only); use the "
            "TensorFlow or JAX backend for float64"
        )
    return None


def accelerator_present():
    """Whether Keras' backend sees a GPU (or another accelerator)."""
    backend = import_keras().backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return jax.default_backend() != "cpu"
    import torch

    return torch.cuda.is_available()


class InterruptFlag:
    """Turn the first Ctrl-C during training into a request to stop after the
    current group of ``STEPS_PER_EXECUTION`` batches (one call of Keras'
    training function); a second Ctrl-C interrupts at once, as usual.

    Use as a context manager around ``model.fit``, passing the Keras callback
    from :meth:`callback` to it. The signal handler itself sets the model's
    ``stop_training``, which Keras checks after every batch; the callback only
    has epoch-level hooks, so Keras keeps dispatching its per-batch callbacks
    asynchronously (a per-batch hook would make every training step wait for
    its logs). Outside the main thread, where Python does not deliver signals,
    it does nothing.
    """

    def __init__(self, model):
        self.model = model
        self.interrupted = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum, frame):
        if self.interrupted:  # second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.interrupted = True
        self.model.stop_training = True

    def callback(self, keras):
        """A callback that renews the stop request where ``fit`` resets it
        (a Ctrl-C that arrives while ``fit`` starts)."""
        flag = self

        class StopOnInterrupt(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.on_epoch_begin(0)

            def on_epoch_begin(self, epoch, logs=None):
                if flag.interrupted:
                    self.model.stop_training = True

        return StopOnInterrupt()


def progress_callbacks(keras, verbose, callbacks=()):
    """The progress bar for ``model.fit(verbose=verbose)``, as a list of at
    most one callback: a ``ProgbarLogger`` that counts the epoch's real steps.

    With ``steps_per_execution``, Keras reports the last step a call of its
    training function may reach, not the last one it ran: an epoch of 47 steps
    shows "48/47" before "47/47". This logger caps the count at the epoch's
    steps. Empty when ``verbose`` is 0 or ``callbacks`` already hold a
    ``ProgbarLogger`` (Keras then uses that one).
    """
    if not verbose or any(
        isinstance(c, keras.callbacks.ProgbarLogger) for c in callbacks
    ):
        return []

    class StepProgbarLogger(keras.callbacks.ProgbarLogger):
        # As safe as the ProgbarLogger that Keras adds itself: on backends
        # where Keras dispatches callbacks asynchronously (not TensorFlow's),
        # a passed callback with per-batch hooks would otherwise turn that off.
        async_safe = True

        # Only training batches: within fit, a ProgbarLogger shows no
        # validation batches, and this one never sees a prediction.
        def on_train_batch_end(self, batch, logs=None):
            if self.target is not None:
                batch = min(batch, self.target - 1)
            super().on_train_batch_end(batch, logs)

    return [StepProgbarLogger()]


def inference_layers(model):
    """The layers of a ``Sequential`` model in an order that computes the same
    outputs with less work at inference, or ``None`` for other models.

    A ``LeakyReLU`` with ``negative_slope >= 0`` directly followed by a
    ``MaxPooling2D`` trades places with it: the activation is non-decreasing,
    so the maximum of activated values is the activated maximum, and the
    activation then runs on a quarter of the values. In float32 the outputs are
    those of ``model(x)`` bit for bit; under ``mixed_bfloat16`` they differ by
    bfloat16 rounding only, as a traced and an eager call of the model already
    do (TensorFlow fuses the activation into the convolution in one and not
    the other). Only those exact layer types are moved; everything else keeps
    its place.
    """
    keras = import_keras()
    if not isinstance(model, keras.Sequential):
        return None
    layers = list(model.layers)
    i = 0
    while i < len(layers) - 1:
        first, second = layers[i], layers[i + 1]
        if (
            type(first) is keras.layers.LeakyReLU
            and float(first.negative_slope) >= 0
            and type(second) is keras.layers.MaxPooling2D
        ):
            layers[i], layers[i + 1] = second, first
            i += 2
        else:
            i += 1
    return layers


def make_predict_function(model):
    """A traced ``model(x, training=False)`` for any number of rows.

    One trace serves every batch size (the batch dimension is left unknown), so
    a one-image call costs about a millisecond instead of the tens of
    milliseconds of ``model.predict``'s per-call set-up. The concrete function
    is traced here, once, and called directly afterwards. A ``Sequential``
    model runs its layers in the order of :func:`inference_layers` (same
    outputs, activations after pooling). On JAX and PyTorch, see
    :func:`sknn_estimators._jax_torch_runtime.make_predict_function`.
    """
    if import_keras().backend.backend() != "tensorflow":
        from sknn_estimators._jax_torch_runtime import make_predict_function

        return make_predict_function(model)
    import tensorflow as tf

    if len(model.inputs) != 1:  # several inputs: traced per input structure
        return tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    spec = tf.TensorSpec((None, *model.input_shape[1:]), model.inputs[0].dtype)
    layers = inference_layers(model)

    @tf.function(input_signature=[spec])
    def predict(x):
        if layers is None:
            return model(x, training=False)
        for layer in layers:
            x = layer(x, training=False)
        return x

    return predict.get_concrete_function()


def predict_in_batches(predict_function, X, batch_size=PREDICT_BATCH_SIZE, dtype=None):
    """Apply ``predict_function`` to ``X`` in chunks and stack the float outputs
    (each output's, for a model with several: a list or dict of arrays).

    Each chunk is cast to ``dtype`` (when given) as it is taken, so that integer
    images are never copied whole.

    A row's prediction should not depend on the rows predicted with it
    (scikit-learn's ``check_methods_subset_invariance`` and
    ``check_methods_sample_order_invariance``, to 1e-7). TensorFlow's CPU
    kernels work on blocks of rows (one SIMD register of them) and compute the
    rows of a last, partial block another way, which rounds differently; so a
    batch of several rows is padded with copies of its last row to a whole
    number of :data:`ROW_BLOCK` rows, and a lone row is computed as a batch of
    two copies of it (a one-row batch takes yet another path, matrix-vector
    products). The copies' outputs are dropped. (On JAX this also keeps the
    compiled shapes few.)
    """
    if import_keras().backend.backend() == "tensorflow":
        import tensorflow as tf

        to_tensor = tf.convert_to_tensor
    else:
        to_tensor = np.asarray  # the backend's predict function converts

    def tensor(rows, n_rows):
        if hasattr(rows, "toarray"):
            rows = rows.toarray()
        if dtype is not None:
            rows = rows.astype(dtype, copy=False)
        if n_rows > rows.shape[0]:
            rows = np.concatenate([rows, np.repeat(rows[-1:], n_rows - len(rows), 0)])
        return to_tensor(rows)

    def run(rows):
        n = target_leaves(rows)[0][0].shape[0]
        n_rows = 2 if n == 1 else -(-n // ROW_BLOCK) * ROW_BLOCK
        output = predict_function(map_targets(lambda a: tensor(a, n_rows), rows))
        return map_targets(lambda t: np.asarray(t)[:n], output)

    n_samples = target_leaves(X)[0][0].shape[0]
    if n_samples <= batch_size:
        return run(X)
    chunks = [
        run(map_targets(lambda a, s=start: a[s : s + batch_size], X))
        for start in range(0, n_samples, batch_size)
    ]
    per_output = zip(*(target_leaves(chunk)[0] for chunk in chunks), strict=True)
    arrays = [np.concatenate(leaves) for leaves in per_output]
    pack = target_leaves(chunks[0])[1]
    return arrays[0] if pack is None else pack(arrays)


_SERIALIZING = threading.Lock()
_serializing = 0


@contextlib.contextmanager
def keras_serialization():
    """A block in which Keras' serialization neither imports TensorFlow nor
    shows NumPy 2's warning about an ``__array__`` without a ``copy`` keyword
    in Keras' own code (Keras' to fix, nothing a user can act on).

    Keras asks whether TensorFlow is available (which imports it, where it is
    installed, on every backend) only to recognise TensorFlow's objects
    (``TensorShape``, ``DType``, ``TypeSpec``) in what it serializes. While
    TensorFlow is not imported, none of those exist, so inside the block the
    answer is "no" without the import: on JAX and PyTorch, a fit, a save or
    a pickle then leaves TensorFlow unimported. Where TensorFlow is imported
    (its backend, or the user's own code), nothing changes.
    """
    global _serializing
    from keras.src.utils import module_utils

    lazy = module_utils.tensorflow
    with _SERIALIZING:
        scoped = "tensorflow" not in sys.modules and lazy._available in (None, False)
        if scoped:
            _serializing += 1
            lazy._available = False
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message=r"__array__ implementation doesn't accept a copy keyword",
                category=DeprecationWarning,
            )
            yield
    finally:
        if scoped:
            with _SERIALIZING:
                _serializing -= 1
                if not _serializing:
                    lazy._available = None  # asked (and imported) when needed


def model_to_bytes(model):
    """The model in Keras' own ``.keras`` format (architecture, weights and
    optimizer state), as bytes."""
    keras = import_keras()
    with tempfile.TemporaryDirectory() as folder, keras_serialization():
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            data = file.read()
    if keras.backend.backend() == "torch":  # the others save public names
        data = _with_public_optimizer(data)
    return data


#: The module under which Keras' PyTorch backend saves its optimizers
#: (``keras.src.backend.torch.optimizers.torch_adam``).
_BACKEND_OPTIMIZER = re.compile(r"keras\.src\.backend\.\w+\.optimizers\.\w+")


def _with_public_optimizer(data):
    """The ``.keras`` bytes ``data`` with an optimizer that Keras saved under
    its backend's own module named as the public ``keras.optimizers`` class
    instead, so that the file loads on every backend (each builds its own
    class for that name); Keras would otherwise rebuild the PyTorch class
    there. Files with a public optimizer are returned as they are."""
    import io
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        config = json.loads(source.read("config.json"))
        optimizer = (config.get("compile_config") or {}).get("optimizer")
        module = optimizer.get("module") if isinstance(optimizer, dict) else None
        if not isinstance(module, str) or not _BACKEND_OPTIMIZER.fullmatch(module):
            return data
        optimizer.update(module="keras.optimizers", registered_name=None)
        portable = io.BytesIO()
        with zipfile.ZipFile(portable, "w") as target:
            for info in source.infolist():
                content = source.read(info)
                if info.filename == "config.json":
                    content = json.dumps(config).encode("utf-8")
                target.writestr(info, content)
    return portable.getvalue()


def model_from_bytes(data):
    """Load a model from ``.keras`` bytes with Keras' safe mode on (see
    :func:`model_from_file`)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return model_from_file(path)


def model_from_file(path):
    """Load the ``.keras`` file at ``path`` with Keras' safe mode on, whatever
    ``keras.config.enable_unsafe_deserialization()`` set for the process: Keras
    lets that process-wide flag override ``safe_mode=True``, so the load runs
    inside Keras' own safe-mode scope, which sets the flag for this thread
    during the load and restores it afterwards."""
    keras = import_keras()
    from keras.src.saving.serialization_lib import SafeModeScope

    with SafeModeScope(True):
        return keras.saving.load_model(path, safe_mode=True)


@contextlib.contextmanager
def tensorflow_random_state(seed):
    """Seed Python's, NumPy's and the Keras backend's global generators in a block.

    For plain Keras code beside the estimators (as in scikeras' benchmark
    tutorial); the estimators themselves need only ``random_state``, which
    touches no global generator. Python's and NumPy's states, and
    TensorFlow's global seed (unset by default) or PyTorch's generator, are
    restored when the block ends, so unseeded code after it draws new values;
    so is Keras' own global ``SeedGenerator`` (``keras.random`` without a
    seed), which starts from the seed inside. Determinism flags are never
    touched. On JAX and PyTorch, TensorFlow is not imported
    (``keras.utils.set_random_seed`` would import it where it is installed).

    Parameters
    ----------
    seed : int
        The seed.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_estimators.wrappers import tensorflow_random_state
    >>> with tensorflow_random_state(0):
    ...     a = np.random.rand()
    >>> with tensorflow_random_state(0):
    ...     b = np.random.rand()
    >>> a == b
    True
    """
    import random

    from keras.src.backend.common import global_state
    from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

    keras = import_keras()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras_state = {
        name: global_state.get_global_attribute(name)
        for name in (GLOBAL_SEED_GENERATOR, GLOBAL_RANDOM_SEED)
    }
    backend = keras.backend.backend()
    restore = backend_state = None
    if backend == "tensorflow":
        import tensorflow as tf
        from tensorflow.python.eager import context  # no public getter of the seed

        restore, backend_state = tf.random.set_seed, context.global_seed()
        keras.utils.set_random_seed(seed)
    else:  # as keras.utils.set_random_seed, which would import TensorFlow
        random.seed(seed)
        np.random.seed(seed)
        global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
        global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
        if backend == "torch":
            import torch

            restore, backend_state = torch.set_rng_state, torch.get_rng_state()
            torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        for name, value in keras_state.items():
            global_state.set_global_attribute(name, value)
        if restore is not None:
            restore(backend_state)  # TensorFlow's None: unseeded again
