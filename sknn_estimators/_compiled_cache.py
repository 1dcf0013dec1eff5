"""Compiled Keras models reused across fits of the same network structure.

Each new Keras model brings its own traced training and prediction functions,
and tracing them is most of a small network's fit (about 0.45 s of a 0.5 s
fit of a 30-32-1 network); the traces also stay in TensorFlow's process-wide
function library. ``GridSearchCV``, ``cross_validate`` and ``learning_curve``
fit clone after clone of one network, so the estimators hand their compiled
model here when they are garbage collected, and a later fit of the same
structure takes it: the new model's initial values (weights, seed states,
the new optimizer's state and learning rate) are copied into it, and its
traced functions serve again.

What makes two models the same structure is their architecture and compile
configuration with the names Keras numbers (``dense_3``), seeds, and float
learning rates left out, plus ``steps_per_execution``: everything a trace
depends on, and nothing that is a value (weights, learning rate, seeds,
sample or class weights, epochs). The model function still runs on every
fit; only the model it returned is set aside when one of the same structure
is idle.

A model is only ever reused after the estimator that held it is gone, so a
live estimator never shares its model; and only if nothing outside the
estimator may still hold it: a model that code outside this package read as
``model_``, that callbacks given as instances were handed by Keras, or that a
model function returned twice (a model it keeps) stays its holder's, and is
never reused. At most :data:`MAX_IDLE_MODELS` models are kept;
:func:`sknn_estimators.clear_compiled_cache` drops them, and
``set_config(reuse_compiled=False)`` turns reuse off.
"""

import collections
import json
import re
import sys
import threading
import weakref

from sknn_estimators._keras_runtime import keras_serialization, seed_generators

#: How many idle compiled models are kept, least recently used dropped first.
MAX_IDLE_MODELS = 8

_lock = threading.Lock()
_idle = collections.OrderedDict()  # (key, id) -> Lent, oldest first
_ever_lent = weakref.WeakSet()  # every model lent, to tell a model kept elsewhere


def structure_key(model, signature):
    """A string that is equal for two compiled models, fitted on data of the
    same ``signature`` (the structure, dtypes and row shapes of the arrays,
    which the compiled loss and metrics are built for), exactly when one's
    traced functions serve the other; or None when it cannot be told (a
    subclassed model without a config, a model that runs eagerly)."""
    if getattr(model, "run_eagerly", False) or not model.compiled:
        return None
    try:
        with keras_serialization():
            config = model.get_config()
            compile_config = model.get_compile_config()
    except (NotImplementedError, TypeError, AttributeError):
        return None
    if config is None or compile_config is None:
        return None
    compile_config = _without_float_learning_rate(compile_config)
    description = {
        "class": type(model).__qualname__,
        "module": type(model).__module__,
        "config": config,
        "compile": compile_config,
        "steps_per_execution": model.steps_per_execution,
        "variables": [(tuple(v.shape), str(v.dtype)) for v in model.variables],
        "data": signature,
    }
    try:
        text = json.dumps(_without_seeds(description), sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return None
    if " object at 0x" in text:
        return None  # a parameter only known by identity: no reuse
    text = _numbered_names(text, [config.get("name"), *_layer_names(config)])
    if len(model.outputs or ()) > 1:  # their names key the history's losses
        text += json.dumps(list(model.output_names))
    return text


class Lent:
    """A compiled model lent to an estimator, with its traced predict
    function once made; ``release()`` hands it back (at once, or when the
    estimator is garbage collected) unless it is ``kept``: something outside
    the estimator may hold it."""

    def __init__(self, key, model):
        self.key, self.model, self.predict_function = key, model, None
        self.release, self.kept = None, False
        _ever_lent.add(model)

    def lend_to(self, owner):
        self.release = weakref.finalize(owner, _give_back, self)
        return self


def was_lent(model):
    """Whether ``model`` was lent before; a model function that returns it
    again keeps it elsewhere, so it is taken out of the cache and is never
    lent again."""
    if model not in _ever_lent:
        return False
    with _lock:
        for entry, lent in list(_idle.items()):
            if lent.model is model:
                del _idle[entry]
    return True


class ModelAttribute:
    """The ``model_`` attribute of an estimator, kept in its ``__dict__``
    (pickling and scikit-learn see a plain attribute). Code outside
    sknn_estimators that reads it may keep the model, so the model lent to
    the estimator is then never reused."""

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self
        try:
            model = estimator.__dict__["model_"]
        except KeyError:
            raise AttributeError(
                f"{type(estimator).__name__!r} object has no attribute 'model_'"
            ) from None
        lent = estimator.__dict__.get("_lent")
        if lent is not None and lent.model is model:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.partition(".")[0] != __name__.partition(".")[0]:
                lent.kept = True
        return model

    def __set__(self, estimator, model):
        estimator.__dict__["model_"] = model

    def __delete__(self, estimator):
        try:
            del estimator.__dict__["model_"]
        except KeyError:
            raise AttributeError("model_") from None


def take(key):
    """An idle :class:`Lent` of ``key`` (removed from the cache), or None."""
    with _lock:
        for entry in _idle:
            if entry[0] == key:
                return _idle.pop(entry)
    return None


def clear():
    """Drop every idle compiled model."""
    with _lock:
        _idle.clear()


def n_idle():
    with _lock:
        return len(_idle)


def _give_back(lent):
    if lent.kept:
        return
    with _lock:
        _idle[(lent.key, id(lent))] = lent
        while len(_idle) > MAX_IDLE_MODELS:
            _idle.popitem(last=False)


def copy_initial_state(source, target):
    """Make ``target`` (a model of the same structure) start where the new,
    untrained ``source`` starts: its variables (weights and seed states),
    its optimizer's (iterations, learning rate, zero slots), reset metrics."""
    source.optimizer.build(source.trainable_variables)
    pairs = [
        *zip(target.variables, source.variables, strict=True),
        *zip(target.optimizer.variables, source.optimizer.variables, strict=True),
    ]
    for mine, theirs in pairs:
        mine.assign(theirs.value)
    for mine, theirs in zip(*map(seed_generators, (target, source)), strict=True):
        mine._initial_seed = theirs._initial_seed  # seeded dropout on PyTorch
    target.reset_metrics()
    target.stop_training = False


def _without_float_learning_rate(compile_config):
    """The compile config without the optimizer's name (Keras numbers it) and
    its learning rate when that is a number (a variable, not traced)."""
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        inner = {k: v for k, v in optimizer["config"].items() if k != "name"}
        if isinstance(inner.get("learning_rate"), float | int):
            del inner["learning_rate"]
        compile_config = {**compile_config, "optimizer": {**optimizer, "config": inner}}
    return compile_config


def _without_seeds(value):
    if isinstance(value, dict):
        return {k: _without_seeds(v) for k, v in value.items() if k != "seed"}
    if isinstance(value, list | tuple):
        return [_without_seeds(v) for v in value]
    return value


def _numbered_names(text, names):
    """``text`` with ``names`` (of the model and its layers, which Keras
    numbers per process: ``dense_3``) replaced by their order."""
    numbers = {}
    for name in names:
        if isinstance(name, str):
            numbers.setdefault(name, len(numbers))
    if not numbers:
        return text
    pattern = re.compile("|".join(re.escape(json.dumps(n)) for n in numbers))
    return pattern.sub(lambda m: f'"#{numbers[json.loads(m.group(0))]}"', text)


def _layer_names(config):
    """The names of every layer in a model's config, nested models' too."""
    if isinstance(config, dict):
        inner = config.get("config")
        if "class_name" in config and isinstance(inner, dict):
            if isinstance(inner.get("name"), str):
                yield inner["name"]
        for value in config.values():
            yield from _layer_names(value)
    elif isinstance(config, list):
        for value in config:
            yield from _layer_names(value)
