"""Argument types: each turns one command-line string into a value, or refuses
it with an ``argparse.ArgumentTypeError`` that argparse reports as a usage error."""

import argparse
import ast


def _checked(convert, accepts, requirement):
    """An argument type: ``convert(text)`` if ``accepts`` that value, otherwise an
    ArgumentTypeError saying that the value must be ``requirement``."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accepts(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


def int_at_least(minimum):
    """An argument type: an integer ``>= minimum``."""
    return _checked(int, lambda value: value >= minimum, f"an integer >= {minimum}")


#: An argument type: a non-zero integer (joblib's ``n_jobs``).
n_jobs = _checked(
    int, lambda value: value != 0, "a non-zero integer (-1 for all cores)"
)
#: An argument type: a number strictly between 0 and 1 (NaN is refused too).
fraction = _checked(
    float, lambda value: 0 < value < 1, "a number between 0 and 1 (exclusive)"
)


def parse_value(text):
    """One value of ``--param``/``--set``: bool, None, int, float, tuple or str.

    >>> [parse_value(t) for t in ("3", "0.5", "1e-3", "true", "none", "adam")]
    [3, 0.5, 0.001, True, None, 'adam']
    >>> parse_value("16/32"), parse_value("64/"), parse_value("/")
    ((16, 32), (64,), ())
    >>> parse_value("(16, 32)")
    (16, 32)
    """
    text = text.strip()
    if text[:1] in "([":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise argparse.ArgumentTypeError(f"cannot read {text!r}") from None
        return tuple(value) if isinstance(value, list | tuple) else value
    if "/" in text:
        return tuple(parse_value(part) for part in text.split("/") if part.strip())
    words = {"true": True, "false": False, "none": None}
    if text.lower() in words:
        return words[text.lower()]
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _split_top_level(text):
    """Split ``text`` at the commas that are not inside brackets."""
    parts, depth = [""], 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append("")
        else:
            parts[-1] += char
    return parts


def param_list(text):
    """``NAME=V1,V2,...`` -> ``(NAME, [V1, V2, ...])``.

    >>> param_list("hidden_layer_sizes=8/,(16, 8)")
    ('hidden_layer_sizes', [(8,), (16, 8)])
    """
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE[,VALUE...], got {text!r}"
        )
    parts = _split_top_level(values)
    if any(not part.strip() for part in parts):
        raise argparse.ArgumentTypeError(f"empty value in {text!r}")
    return name, [parse_value(part) for part in parts]


def param_single(text):
    """``NAME=VALUE`` -> ``(NAME, VALUE)``."""
    name, values = param_list(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(
            f"--set takes one value, got {len(values)} in {text!r} (use --param "
            "for a list of values to search)"
        )
    return name, values[0]


VALUE_SYNTAX = """\
values: NAME=V1,V2,... gives the values of one parameter, separated by commas.
  Each value is read as: true/false -> bool, none -> None, 3 -> int, 0.5 or 1e-3
  -> float, 16/32 -> the tuple (16, 32) (64/ is (64,), a lone / is ()), "(16, 32)"
  -> a tuple too (quote it for the shell), anything else -> a string.
  NAME is a parameter of the estimator's constructor, e.g. epochs, conv_filters,
  dense_units, dropout, learning_rate_init, batch_size for the CNN;
  hidden_layer_sizes, alpha, max_iter, learning_rate_init for an MLP preset.
  Every value is checked against the estimator's parameter constraints before
  any training starts."""
