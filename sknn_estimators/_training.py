"""MLPClassifier-style training options for the preset networks.

:class:`MLPTrainingMixin` goes before a task class
(:class:`~sknn_estimators.wrappers.KerasClassifier` or
:class:`~sknn_estimators.wrappers.KerasRegressor`) in a preset's bases. It
replaces scikeras' ``optimizer``/``loss``/``metrics`` parameters with
scikit-learn's names (``solver``, ``learning_rate``, ``learning_rate_init``,
``alpha``, ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
``tol``) and records MLPClassifier's history attributes (``loss_curve_``,
``validation_scores_``, ``best_validation_score_``, ``best_loss_``). The
preset supplies its network through ``_keras_build_fn``; everything else is
the engine's (:class:`~sknn_estimators._base.BaseWrapper`).
"""

import copy
import math
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from sknn_estimators._base import _AUTO_PRECISION, _INPUT_DTYPES

#: ``learning_rate="warmup_cosine"`` rises linearly from 0 over this share of
#: the steps of a fit, then decays along the cosine.
WARMUP_FRACTION = 0.1


class MLPTrainingMixin:
    """Training options with :class:`~sklearn.neural_network.MLPClassifier`'s
    names, for preset networks (see the module notes)."""

    _parameter_constraints = {
        "solver": [StrOptions({"adam", "sgd", "rmsprop"})],
        "learning_rate": [StrOptions({"constant", "cosine", "warmup_cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, tuple, None],
        "precision": [StrOptions({*_INPUT_DTYPES, _AUTO_PRECISION})],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "warm_start": ["boolean"],
    }

    # The presets take no model, optimizer, loss or metrics parameters, and
    # no routed ones: the engine builds the preset's own network.
    model = None

    _history_continues = True
    _partial_fit_needs_classes = True
    _poor_score = False  # a preset network, trained for many epochs by default

    def _routing_prefixes(self):
        return ()

    def _model_params(self):
        return {}

    def _takes_any_input(self):
        return False

    def _schedule_steps(self, n_samples):
        """Steps of a fit: epochs times the batches of the training part."""
        if self.early_stopping:
            n_samples -= math.ceil(self.validation_fraction * n_samples)
        return self.epochs * math.ceil(n_samples / self.batch_size)

    def _training_options(self, keras, n_samples, *, incremental, fit_params):
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected keyword arguments "
                f"{sorted(fit_params)}; it takes validation_data."
            )
        callbacks = [copy.deepcopy(callback) for callback in self.callbacks or ()]
        if not incremental:
            callbacks.append(self._stopping_callback(keras))
        held_out = self.early_stopping and not incremental
        return {
            "epochs": 1 if incremental else self.epochs,
            "batch_size": self.batch_size,
            "validation_fraction": self.validation_fraction if held_out else None,
            "validation_batch_size": max(self.batch_size, 512),
            "callbacks": callbacks,
        }

    def _get_compile_kwargs(self, keras, steps):
        return {
            "optimizer": self._optimizer(keras, steps),
            "loss": self._preset_loss(keras, self.precision_),
            "metrics": [self._preset_metric(keras)],
        }

    def _optimizer(self, keras, steps):
        rate = self.learning_rate_init
        if self.learning_rate == "cosine":
            rate = keras.optimizers.schedules.CosineDecay(
                rate, max(steps, 1), alpha=0.01
            )
        elif self.learning_rate == "warmup_cosine":
            warmup = max(1, round(WARMUP_FRACTION * steps))
            rate = keras.optimizers.schedules.CosineDecay(
                0.0,
                max(1, steps - warmup),
                alpha=0.01,
                warmup_target=rate,
                warmup_steps=warmup,
            )
        options = {"learning_rate": rate}
        if self.ema_momentum is not None:
            options.update(use_ema=True, ema_momentum=self.ema_momentum)
        if self.solver == "sgd":
            return keras.optimizers.SGD(momentum=0.9, nesterov=True, **options)
        if self.solver == "rmsprop":
            return keras.optimizers.RMSprop(**options)
        return keras.optimizers.Adam(**options)

    def _l2_factor(self):
        """The Keras kernel-regulariser factor of ``alpha``, with MLPClassifier's
        scaling: ``0.5 * alpha * ||W||^2 / batch_size`` added to each batch's loss."""
        return 0.5 * self.alpha / self.batch_size

    def _stopping_callback(self, keras):
        held_out = self.early_stopping  # the validation score, else the loss
        return keras.callbacks.EarlyStopping(
            monitor=f"val_{self._score_name}" if held_out else "loss",
            mode="max" if held_out else "min",
            min_delta=self.tol,
            patience=self.n_iter_no_change,
            restore_best_weights=held_out,
        )

    def _record_history(self, new, continuing):
        super()._record_history(new, continuing)
        self.loss_curve_ = self.history_["loss"]
        scores = None  # the validation scores, with early stopping
        if self.early_stopping:
            scores = self.history_.get(f"val_{self._score_name}")
        self.validation_scores_ = scores
        self.best_validation_score_ = None if scores is None else max(scores)
        self.best_loss_ = min(self.loss_curve_) if scores is None else None
