"""Parameter checks with messages that say what was wrong and what is accepted."""

import numpy as np


def check_option(name, value, options):
    """Return ``value`` if it is one of ``options``, or raise a ValueError."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"`{name}` must be one of {listed}; got {value!r}.")
    return value


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
