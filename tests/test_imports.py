"""Import on demand: no deep-learning backend until a layer, model or training is used."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import elegans_keras
from elegans_keras.registry import KERAS_MODULES

BACKENDS = ("keras", "tensorflow", "jax", "torch")
PACKAGE = Path(elegans_keras.__file__).parent
# Prints the backends a fresh interpreter holds after the code before it.
REPORT = (
    f"\nimport sys\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({BACKENDS!r})))\n"
)


def fresh(code: str, *args: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (outside the checkout's working folder)."""
    env = {k: v for k, v in os.environ.items() if k != "ELEGANS_KERAS_VERBOSE"}
    done = subprocess.run(
        [sys.executable, *flags, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=PACKAGE.parent.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_package_and_connectome_import_no_backend():
    modules = sorted(p.stem for p in (PACKAGE / "connectome").glob("*.py"))
    code = (
        "import elegans_keras as ek\nworm = ek.load_connectome()\n"
        f"for name in {modules!r}:\n"
        "    __import__('elegans_keras.connectome.' + name)\n"
        "from elegans_keras.connectome.nullmodels import make_null_model\n"
        "from elegans_keras.connectome.metrics import graph_metrics\n"
        "graph_metrics(make_null_model(worm, 'rewire', seed=0, p=0.1))\n"
    )
    assert fresh(code + REPORT).stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["info"],
        ["info", "elegans_ai_paper"],
        ["--help"],
        ["analyze", "witvliet2021_1", "--seeds", "0"],
    ],
)
def test_cli_commands_without_training_import_no_backend(argv):
    code = (
        "import contextlib\nfrom elegans_keras.cli import main\n"
        f"with contextlib.suppress(SystemExit):\n    main({argv!r})\n"
    )
    done = fresh(code + REPORT)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout


def test_layers_read_as_attributes_import_keras_on_first_use():
    code = (
        "import sys, elegans_keras as ek\nassert 'keras' not in sys.modules\n"
        "print(ek.layers.ConnectomeDense.__module__, ek.models.FACTORIES['plain_classifier']"
        ".__name__)\n"
    )
    done = fresh(code + REPORT)
    lines = done.stdout.splitlines()
    assert lines[0] == "elegans_keras.layers.connectome_dense plain_classifier"
    assert "'keras'" in lines[1]


def test_load_model_after_the_lazy_import(tmp_path):
    """``import elegans_keras; import keras``: Keras learns every layer as it finishes importing;
    TensorFlow's native start-up log is filtered, ``-X importtime`` output is not."""
    import keras

    from elegans_keras.layers import ConnectomeDense

    inputs = keras.Input((3,))
    model = keras.Model(inputs, ConnectomeDense([[0, 1, 0], [0, 0, 1], [1, 0, 0]], seed=0)(inputs))
    path = tmp_path / "tiny.keras"
    model.save(path)
    expected = model.predict(np.ones((1, 3), "float32"), verbose=0)
    code = (
        "import sys, numpy as np, elegans_keras\nassert 'keras' not in sys.modules\n"
        "import keras\nm = keras.models.load_model(sys.argv[1])\n"
        "print(m.predict(np.ones((1, 3), 'float32'), verbose=0).tolist())\n"
    )
    done = fresh(code, str(path), flags=("-X", "importtime"))
    assert np.allclose(eval(done.stdout.splitlines()[-1]), expected, atol=1e-6)
    assert re.search(r"\| +keras$", done.stderr, re.M), done.stderr[-2000:]
    assert re.search(r"\| +tensorflow$", done.stderr, re.M)
    assert "I0000" not in done.stderr and "absl::InitializeLog" not in done.stderr


@pytest.mark.parametrize(
    "first",
    [
        "from elegans_keras.layers import ReservoirRNN",
        "import elegans_keras.layers.reservoir_rnn",
        "from elegans_keras.models import elegans_classifier",
    ],
)
def test_keras_imported_from_inside_the_package_registers_every_class(first):
    """Keras first imported by a layer or model module (mid-import of the package)."""
    code = (
        f"{first}\nimport keras\nfrom elegans_keras.registry import KERAS_MODULES\n"
        "names = keras.saving.get_custom_objects()\n"
        "print(sum(n.startswith('elegans_keras>') for n in names))\n"
    )
    done = fresh(code, flags=("-W", "error::ImportWarning"))
    assert done.stdout.splitlines()[-1] == "9", done.stderr  # 6 layers, 2 metrics, 1 layer


def test_every_registered_class_is_in_a_registry_module():
    """registry.KERAS_MODULES lists exactly the modules that register a Keras class."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            "register_keras_serializable" in ast.unparse(d)
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            for d in node.decorator_list
        ):
            found.append(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
    assert sorted(found) == sorted(KERAS_MODULES)


def test_lazy_attributes_are_listed_and_unknown_ones_fail():
    from elegans_keras import layers, models

    assert "ConnectomeDense" in dir(layers) and "FACTORIES" in models.__all__
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        layers.Nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        elegans_keras.nope  # noqa: B018


def test_package_import_and_help_need_no_pandas():
    """`import elegans_keras` and `elegans-keras --help` read no table: pandas and scipy wait."""
    code = (
        "import contextlib, sys, elegans_keras\nfrom elegans_keras.cli import main\n"
        "with contextlib.suppress(SystemExit):\n    main(['--help'])\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'pandas', 'scipy', 'keras'}))\n"
    )
    assert fresh(code).stdout.splitlines()[-1] == "[]"


def test_loading_a_bundled_connectome_imports_no_graph_library():
    """`load_connectome()` reads two tables: networkx, the metrics and the readers wait."""
    waiting = (
        "networkx",
        "scipy.sparse.csgraph",
        "elegans_keras.connectome.metrics",
        "elegans_keras.connectome.nullmodels",
        "elegans_keras.connectome.fly",
    )
    code = (
        "import sys, elegans_keras as ek\nek.load_connectome()\n"
        f"print(sorted(set({waiting!r}) & set(sys.modules)))\n"
        "from elegans_keras.connectome import metrics, read_flywire, to_networkx\n"
        "print(callable(read_flywire), callable(to_networkx), callable(metrics.graph_metrics))\n"
    )
    assert fresh(code).stdout.splitlines()[-2:] == ["[]", "True True True"]
