"""Keras objects from the wrappers' parameters, with scikeras' ``__`` routing.

``optimizer``, ``loss``, ``metrics`` and ``callbacks`` may each be a name, a
class, an instance, a function, or a list or dict of them (one per output of
the model). Classes are made with the routed parameters:
``loss__from_logits=True`` goes to every class in ``loss``;
``loss__0__from_logits`` to the first item of a list and
``loss__out1__from_logits`` to the dict entry ``"out1"``, overriding the
shared value; ``loss__param__arg`` makes the argument ``param`` itself from a
class. Names become Keras classes where Keras has one (``"adam"`` -> Adam,
``"BinaryCrossentropy"``), except where Keras resolves the name against the
loss at compile time (``"accuracy"``). Instances of optimizers, losses and
metrics are copied, as their state belongs to one model; callback instances
are used as they are (as Keras does), so that their state can be read after a
fit. Digit names route positional arguments (``callbacks__name__0``).
"""

import functools
import inspect

#: Metric names that Keras matches to the loss when it compiles the model
#: (accuracy of class indices, one-hot rows or probabilities).
_LOSS_DEPENDENT_METRICS = frozenset({"accuracy", "acc", "crossentropy", "ce"})


def make_object(keras, kind, item, routed):
    """The Keras object(s) for ``item`` of ``kind`` ("optimizer", "loss",
    "metrics" or "callbacks") with its ``routed`` parameters (names after the
    ``kind__`` prefix, still joined with ``__``)."""
    if item is None:
        return None
    item = _named_to_class(keras, kind, item)
    return _build(item, routed, {}, copy_instances=kind != "callbacks")


def _named_to_class(keras, kind, item):
    if isinstance(item, list | tuple):
        return type(item)(_named_to_class(keras, kind, i) for i in item)
    if isinstance(item, dict):
        return {k: _named_to_class(keras, kind, v) for k, v in item.items()}
    if not isinstance(item, str) or kind == "callbacks":
        return item
    if kind == "metrics" and item in _LOSS_DEPENDENT_METRICS:
        return item
    getter = {
        "optimizer": keras.optimizers.get,
        "loss": keras.losses.get,
        "metrics": keras.metrics.get,
    }[kind]
    found = getter(item)  # Keras' own "Could not interpret ..." ValueError
    return found if inspect.isfunction(found) else type(found)


def _build(item, routed, inherited, *, copy_instances):
    """``item`` made with ``inherited`` arguments (from an enclosing list or
    dict) updated by the plain names of ``routed``."""
    shared = {**inherited, **{k: v for k, v in routed.items() if "__" not in k}}
    if isinstance(item, list | tuple | dict):
        keys = item.keys() if isinstance(item, dict) else range(len(item))
        made = {
            key: _build(
                item[key],
                routed_under(routed, str(key)),
                shared,
                copy_instances=copy_instances,
            )
            for key in keys
        }
        return made if isinstance(item, dict) else type(item)(made.values())
    if inspect.isclass(item):
        arguments = {
            name: _build(
                value, routed_under(routed, name), {}, copy_instances=copy_instances
            )
            for name, value in shared.items()
        }
        # Digit names are positional arguments (``callbacks__name__0``).
        positions = sorted((k for k in arguments if k.isdigit()), key=int)
        args = [arguments.pop(k) for k in positions]
        return item(*args, **arguments)
    if shared:
        name = getattr(item, "__name__", None) or type(item).__name__
        raise TypeError(
            f"`{name}` does not accept parameters because it's not a class; got "
            f"routed parameters {sorted(shared)}. Pass the class itself (for "
            "example keras.losses.BinaryCrossentropy) to route parameters to it."
        )
    if copy_instances and hasattr(item, "get_config") and hasattr(item, "from_config"):
        return type(item).from_config(item.get_config())
    return item


def routed_under(routed, key):
    """The routed names under ``key__``, without that prefix."""
    prefix = f"{key}__"
    return {k[len(prefix) :]: v for k, v in routed.items() if k.startswith(prefix)}


def loss_name(keras, loss):
    """The snake-case name of a loss given as a name, class, instance or
    function (``"mse"``, ``MeanSquaredError`` and ``MeanSquaredError()`` all
    give ``"mean_squared_error"``), or None for anything else (lists, dicts)."""
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            return _snake(loss)
    if inspect.isfunction(loss):
        return loss.__name__
    if not inspect.isclass(loss):
        loss = type(loss)
    if issubclass(loss, keras.losses.Loss):
        return _snake(loss.__name__)
    return None


@functools.lru_cache(maxsize=256)
def metric_long_name(keras, key):
    """The name a Keras metric has by default, for a shorthand name
    (``"mae"`` -> ``"mean_absolute_error"``); ``key`` if Keras knows none."""
    try:
        metric = keras.metrics.get(key)
    except ValueError:
        return key
    if inspect.isfunction(metric):
        return metric.__name__
    default = inspect.signature(type(metric).__init__).parameters.get("name")
    if default is None or not isinstance(default.default, str):
        return key
    return default.default


def _snake(name):
    """``"BinaryCrossentropy"`` -> ``"binary_crossentropy"``."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
