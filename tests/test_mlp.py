"""MLPClassifier presets: the notebook, the estimator contract, the registry."""

import inspect
import json
import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn_estimators
from sknn_estimators import (
    PRESETS as ALL_PRESETS,
)
from sknn_estimators import (
    DeepMLPClassifier,
    FashionMLPClassifier,
    Preset,
    describe_presets,
)

NOTEBOOK_ACCURACY = 0.9666666666666667
#: The notebook's classification_report, per class: (precision, recall, support).
NOTEBOOK_REPORT = {
    "0": (1.00, 1.00, 11),
    "1": (1.00, 0.92, 13),
    "2": (0.86, 1.00, 6),
}
MLP_DEFAULTS = MLPClassifier().get_params()
#: The MLPClassifier presets of the registry.
MLP_PRESETS = {
    name: preset
    for name, preset in ALL_PRESETS.items()
    if issubclass(preset.estimator, MLPClassifier)
}
PRESETS = list(MLP_PRESETS.values())
PRESET_IDS = [preset.name for preset in PRESETS]
BENCHMARK_RESULTS = (
    Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "mlp_presets.json"
)


@pytest.fixture(scope="module")
def iris():
    """The notebook's split and scaling, and its fitted DeepMLPClassifier."""
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, random_state=1, test_size=0.2
    )
    scaler = StandardScaler().fit(X_train)
    X_train_s, X_test_s = scaler.transform(X_train), scaler.transform(X_test)
    clf = DeepMLPClassifier(random_state=1).fit(X_train_s, y_train)
    return SimpleNamespace(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        X_train_s=X_train_s,
        X_test_s=X_test_s,
        notebook=clf,
    )


@pytest.fixture(scope="module")
def small_digits(digits):
    """200 training and 200 test digits, pixels scaled to [0, 1]."""
    X_train, X_test, y_train, y_test = digits
    return X_train[:200] / 16, X_test[:200] / 16, y_train[:200], y_test[:200]


@pytest.fixture(scope="module")
def fitted_presets(small_digits):
    """Each preset fitted with its defaults (and random_state=0) on small_digits.

    200 samples, because FashionMLPClassifier's batch_size=128 must not exceed
    the number of samples (MLPClassifier warns and clips it).
    """
    X_train, _, y_train, _ = small_digits
    return {
        preset.name: preset.make(random_state=0).fit(X_train, y_train)
        for preset in PRESETS
    }


# ------------------------------------------------------------------ notebook
def test_deep_preset_reproduces_the_notebook_accuracy_and_report(iris):
    y_pred = iris.notebook.predict(iris.X_test_s)
    assert accuracy_score(iris.y_test, y_pred) == NOTEBOOK_ACCURACY
    assert iris.notebook.score(iris.X_test_s, iris.y_test) == NOTEBOOK_ACCURACY
    report = classification_report(iris.y_test, y_pred, output_dict=True)
    got = {
        label: (
            round(report[label]["precision"], 2),
            round(report[label]["recall"], 2),
            report[label]["support"],
        )
        for label in NOTEBOOK_REPORT
    }
    assert got == NOTEBOOK_REPORT


def test_deep_preset_fits_exactly_like_the_notebooks_mlpclassifier(iris):
    plain = MLPClassifier(
        hidden_layer_sizes=(256, 128, 64, 32), activation="relu", random_state=1
    ).fit(iris.X_train_s, iris.y_train)
    np.testing.assert_array_equal(
        iris.notebook.predict_proba(iris.X_test_s), plain.predict_proba(iris.X_test_s)
    )
    assert iris.notebook.n_iter_ == plain.n_iter_


def test_deep_preset_reproduces_the_notebook_in_a_pipeline(iris):
    pipe = make_pipeline(StandardScaler(), DeepMLPClassifier(random_state=1))
    pipe.fit(iris.X_train, iris.y_train)
    assert pipe.score(iris.X_test, iris.y_test) == NOTEBOOK_ACCURACY
    np.testing.assert_array_equal(
        pipe.predict_proba(iris.X_test), iris.notebook.predict_proba(iris.X_test_s)
    )


@pytest.mark.filterwarnings(
    # The CV folds hold 80 of the 120 training samples; there the notebook's
    # settings reach max_iter, as they do not on the whole training part.
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
def test_grid_search_picks_the_notebooks_alpha_and_refits_to_its_result(iris):
    search = GridSearchCV(
        make_pipeline(StandardScaler(), DeepMLPClassifier(random_state=1)),
        {"deepmlpclassifier__alpha": [1e-4, 10.0]},
        cv=3,
    ).fit(iris.X_train, iris.y_train)
    scores = dict(
        zip(
            search.cv_results_["param_deepmlpclassifier__alpha"],
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    assert scores[1e-4] > scores[10.0]  # alpha=10 underfits
    assert search.best_params_ == {"deepmlpclassifier__alpha": 1e-4}
    best = search.best_estimator_[-1]
    assert type(best) is DeepMLPClassifier
    assert best.hidden_layer_sizes == (256, 128, 64, 32)
    assert search.score(iris.X_test, iris.y_test) == NOTEBOOK_ACCURACY
    np.testing.assert_array_equal(
        search.predict_proba(iris.X_test), iris.notebook.predict_proba(iris.X_test_s)
    )


@pytest.mark.filterwarnings(
    # Small networks with max_iter=20: this test is about parameter routing.
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
def test_grid_search_over_alpha_and_hidden_layer_sizes(iris):
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8, 4)]}
    search = GridSearchCV(
        DeepMLPClassifier(max_iter=20, random_state=0), grid, cv=2
    ).fit(iris.X_train_s, iris.y_train)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert type(best) is DeepMLPClassifier
    params = best.get_params()
    assert {k: params[k] for k in grid} == search.best_params_
    assert params["max_iter"] == 20
    assert [w.shape[1] for w in best.coefs_[:-1]] == list(best.hidden_layer_sizes)


# -------------------------------------------------------- estimator contract
@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_preset_is_an_mlpclassifier_importable_from_the_package(preset):
    cls = preset.estimator
    assert issubclass(cls, MLPClassifier)
    assert isinstance(cls(), MLPClassifier)
    assert is_classifier(cls())
    assert getattr(sknn_estimators, cls.__name__) is cls
    assert cls.__name__ in sknn_estimators.__all__
    assert (cls.__module__, cls.__qualname__) == ("sknn_estimators._mlp", cls.__name__)


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_get_params_has_every_mlpclassifier_parameter_with_preset_defaults(preset):
    params = preset.estimator().get_params()
    assert params == {**MLP_DEFAULTS, **preset.params}
    assert any(MLP_DEFAULTS[name] != value for name, value in preset.params.items())


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_signature_is_mlpclassifiers_with_the_preset_defaults(preset):
    mlp = inspect.signature(MLPClassifier)
    sig = inspect.signature(preset.estimator)
    assert [(p.name, p.kind) for p in sig.parameters.values()] == [
        (p.name, p.kind) for p in mlp.parameters.values()
    ]
    for name, p in sig.parameters.items():
        assert p.default == preset.params.get(name, mlp.parameters[name].default)
    # hidden_layer_sizes and activation stay positional, as in MLPClassifier.
    est = preset.estimator((7,), "tanh", alpha=0.5)
    assert (est.hidden_layer_sizes, est.activation, est.alpha) == ((7,), "tanh", 0.5)


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_init_only_stores_its_arguments(preset):
    est = preset.estimator(alpha=0.5, random_state=3)
    # Exactly what MLPClassifier.__init__ stores (its parameters, and `loss`).
    assert vars(est) == vars(MLPClassifier(**est.get_params()))
    assert est.get_params()["alpha"] == 0.5
    with pytest.raises(TypeError, match=f"{preset.estimator.__name__}.*'alphas'"):
        preset.estimator(alphas=0.5)
    with pytest.raises(TypeError):
        preset.estimator((7,), "tanh", "adam")  # solver is keyword-only


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_repr_shows_only_parameters_changed_from_the_preset(preset):
    name = preset.estimator.__name__
    assert repr(preset.estimator()) == f"{name}()"
    assert repr(preset.estimator(random_state=0)) == f"{name}(random_state=0)"
    changed = preset.estimator(hidden_layer_sizes=(100,))
    if preset.params.get("hidden_layer_sizes", (100,)) != (100,):
        assert "hidden_layer_sizes=(100,)" in repr(changed)


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_set_params_and_clone(preset):
    est = preset.estimator(random_state=0)
    assert est.set_params(alpha=0.25, hidden_layer_sizes=(5,)) is est
    assert (est.alpha, est.hidden_layer_sizes) == (0.25, (5,))
    copy = clone(est)
    assert type(copy) is preset.estimator
    assert copy.get_params() == est.get_params()
    with pytest.raises(ValueError, match="alphas"):
        est.set_params(alphas=0.1)


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_pickle_and_clone_round_trips_keep_predictions(
    preset, fitted_presets, small_digits
):
    X_train, X_test, y_train, _ = small_digits
    fitted = fitted_presets[preset.name]
    proba = fitted.predict_proba(X_test)
    restored = pickle.loads(pickle.dumps(fitted))
    assert type(restored) is preset.estimator
    np.testing.assert_array_equal(restored.predict_proba(X_test), proba)
    refitted = clone(fitted).fit(X_train, y_train)
    np.testing.assert_array_equal(refitted.predict_proba(X_test), proba)
    unfitted = pickle.loads(pickle.dumps(preset.estimator(alpha=0.5)))
    assert unfitted.get_params() == preset.estimator(alpha=0.5).get_params()


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_fitted_preset_has_the_preset_network(preset, fitted_presets, small_digits):
    _, X_test, _, y_test = small_digits
    fitted = fitted_presets[preset.name]
    hidden = tuple(w.shape[1] for w in fitted.coefs_[:-1])
    assert hidden == tuple(preset.estimator().hidden_layer_sizes)
    assert fitted.predict_proba(X_test).shape == (len(X_test), 10)
    # well above chance (0.1); SmallMLPClassifier stops early on 200 samples
    assert fitted.score(X_test, y_test) > 0.6


# ------------------------------------------------------------------ registry
def test_registry_lists_every_preset_class_once():
    assert PRESETS, "no presets registered"
    for name, preset in MLP_PRESETS.items():
        assert isinstance(preset, Preset)
        assert preset.name == name
        assert preset.description and "\n" not in preset.description
    classes = [preset.estimator for preset in PRESETS]
    assert len(set(classes)) == len(classes)
    assert DeepMLPClassifier in classes
    assert dict(MLP_PRESETS["deep"].params) == {
        "hidden_layer_sizes": (256, 128, 64, 32),
        "activation": "relu",
    }


def test_registry_is_read_only():
    preset = ALL_PRESETS["deep"]
    with pytest.raises(TypeError):
        ALL_PRESETS["mine"] = preset
    with pytest.raises(TypeError):
        preset.params["alpha"] = 1.0
    with pytest.raises(FrozenInstanceError):
        preset.description = "changed"
    assert DeepMLPClassifier().alpha == MLP_DEFAULTS["alpha"]


def test_preset_make_passes_overrides():
    est = MLP_PRESETS["deep"].make(alpha=0.5)
    assert type(est) is DeepMLPClassifier
    assert (est.alpha, est.hidden_layer_sizes) == (0.5, (256, 128, 64, 32))


def test_describe_presets_matches_the_registry():
    table = describe_presets()
    assert list(table.index) == list(ALL_PRESETS)
    assert list(table.columns) == ["class", "params", "description"]
    for name, preset in ALL_PRESETS.items():
        row = table.loc[name]
        assert row["class"] == preset.estimator.__name__
        assert row["description"] == preset.description
        # The params text is Python: it evaluates back to the preset's params.
        assert eval(f"dict({row['params']})", {"__builtins__": {"dict": dict}}) == (
            dict(preset.params)
        )


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_IDS)
def test_docstring_states_the_description_and_defaults(preset):
    doc = preset.estimator.__doc__
    assert doc.splitlines()[0] == preset.description
    for section in ("Parameters", "Attributes", "See Also", "Examples"):
        assert f"\n{section}\n{'-' * len(section)}\n" in doc
    for name, value in preset.params.items():
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        assert f"\n{name} : " in doc
        assert f"default={shown}\n" in doc
    for name in MLP_DEFAULTS:
        assert f"\n{name} : " in doc


def test_fashion_docstring_quotes_the_recorded_benchmark():
    if not BENCHMARK_RESULTS.exists():
        pytest.skip(f"{BENCHMARK_RESULTS} not written yet")
    report = json.loads(BENCHMARK_RESULTS.read_text())
    rows = {row["model"]: row for row in report["results"]}
    preset, baseline = rows["FashionMLPClassifier()"], rows["MLPClassifier()"]
    # The benchmark measured the preset as it is now...
    params = {
        k: tuple(v) if isinstance(v, list) else v for k, v in preset["params"].items()
    }
    assert params == dict(MLP_PRESETS["fashion"].params)
    # ...it beat MLPClassifier() in cross-validation and on the test part...
    assert preset["cv_accuracy_mean"] > baseline["cv_accuracy_mean"]
    assert min(preset["test_accuracy"]) > max(baseline["test_accuracy"])
    # ...and the docstring quotes both figures.
    doc = " ".join(FashionMLPClassifier.__doc__.split())
    for row in (preset, baseline):
        assert f"{row['test_accuracy_mean']:.4f}" in doc
        assert f"{row['cv_accuracy_mean']:.4f}" in doc


def test_importing_the_presets_does_not_import_tensorflow():
    code = (
        "import sys, sknn_estimators; "
        "from sknn_estimators import PRESETS, describe_presets; "
        "[getattr(sknn_estimators, p.estimator.__name__) "
        "for p in PRESETS.values()]; "
        "describe_presets(); "
        "sknn_estimators.DeepMLPClassifier(max_iter=5).fit([[0.0], [1.0]], [0, 1]); "
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-W", "ignore::Warning", "-c", code], check=True)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["deep", "fashion", "small"])
def test_presets_are_plain_mlp_classifiers_without_save(name):
    """sknn_estimators' file format holds Keras estimators; the MLP presets
    have no ``save`` (the command line saves them with joblib)."""
    cls = ALL_PRESETS[name].estimator
    assert issubclass(cls, MLPClassifier) and cls.__module__ == "sknn_estimators._mlp"
    clf = cls(max_iter=5, random_state=0).fit(*load_iris(return_X_y=True))
    assert not hasattr(clf, "save")
    assert type(clone(clf)) is cls and clone(clf).get_params() == clf.get_params()
