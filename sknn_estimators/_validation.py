"""Parameter checks with messages that say what was wrong and what is accepted."""

import numbers

import numpy as np


def check_int(name, value, *, min_value=None, max_value=None):
    """Return ``value`` as an int, or raise a ValueError naming the parameter."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"`{name}` must be an int{_range(min_value, max_value)}, got {value!r}."
        )
    value = int(value)
    if (min_value is not None and value < min_value) or (
        max_value is not None and value > max_value
    ):
        raise ValueError(
            f"`{name}` must be an int{_range(min_value, max_value)}, got {value!r}."
        )
    return value


def check_float(
    name, value, *, min_value=None, max_value=None, include_min=True, include_max=True
):
    """Return ``value`` as a float in the given interval, or raise a ValueError."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if ok:
        value = float(value)
        ok = np.isfinite(value)
        if ok and min_value is not None:
            ok = value >= min_value if include_min else value > min_value
        if ok and max_value is not None:
            ok = value <= max_value if include_max else value < max_value
    if not ok:
        lo = "[" if include_min else "("
        hi = "]" if include_max else ")"
        interval = f"in {lo}{_fmt(min_value, '-inf')}, {_fmt(max_value, 'inf')}{hi}"
        raise ValueError(f"`{name}` must be a float {interval}, got {value!r}.")
    return value


def check_int_tuple(name, value, *, min_value=1, allow_empty=False):
    """Return a tuple of ints (an int is taken as a 1-tuple), or raise a ValueError."""
    items = (value,) if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    if items is None or (not items and not allow_empty):
        raise ValueError(
            f"`{name}` must be an int or a non-empty tuple of ints >= {min_value}, "
            f"got {value!r}."
        )
    for item in items:
        if (
            isinstance(item, bool | np.bool_)
            or not isinstance(item, numbers.Integral)
            or item < min_value
        ):
            raise ValueError(
                f"`{name}` must be an int or a tuple of ints >= {min_value}, "
                f"got {value!r}."
            )
    return tuple(int(item) for item in items)


def check_option(name, value, options):
    """Return ``value`` if it is one of ``options``, or raise a ValueError."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"`{name}` must be one of {listed}; got {value!r}.")
    return value


def _fmt(value, default):
    return default if value is None else repr(value)


def _range(min_value, max_value):
    if min_value is not None and max_value is not None:
        return f" in [{min_value}, {max_value}]"
    if min_value is not None:
        return f" >= {min_value}"
    if max_value is not None:
        return f" <= {max_value}"
    return ""


def not_numeric_error(name, values, owner):
    """A ValueError saying that ``values`` (the argument ``name``) holds text
    that is not a number, and what is accepted; None when it holds none (the
    failure was something else).

    Only called once validation has failed, so the scan costs nothing on the
    normal path; it stops at the first value that ``float`` refuses.
    """
    if hasattr(values, "tocsr"):  # sparse matrices hold numbers
        return None
    try:
        flat = np.asarray(values, dtype=object).ravel()
    except (TypeError, ValueError):
        return None
    for value in flat:
        if not isinstance(value, str | bytes):
            continue  # complex numbers and other objects keep NumPy's error
        try:
            float(value)
        except ValueError:
            value = value.item() if isinstance(value, np.generic) else value
            return ValueError(
                f"{name} must hold numbers (int, float or bool values), which "
                f"{owner} computes with as floats; {name} holds {value!r}. Encode "
                "text and categories as numbers first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder."
            )
    return None
