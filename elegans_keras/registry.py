"""Keras learns the package's layers and metrics as soon as Keras itself is imported.

``keras.models.load_model`` finds a custom class only if the module that
registers it (``@keras.saving.register_keras_serializable``) has run. The
package no longer imports Keras when it is imported, so :func:`install`
registers the classes at the right moment instead: at once when Keras is
already imported, otherwise right after the ``keras`` module finishes
executing (a ``sys.meta_path`` finder that wraps Keras's own loader). The
imports of ``keras`` and ``tensorflow`` run under
:func:`~elegans_keras.quiet.native_log_filtered`, so TensorFlow's native
start-up log stays off stderr whoever imports them. Loading a model after
``import elegans_keras`` therefore works whichever of the two is imported
first.

Example:
    >>> import keras
    >>> install()
    >>> "elegans_keras>ConnectomeDense" in keras.saving.get_custom_objects()
    True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

from elegans_keras.quiet import native_log_filtered

# Every module that defines a class decorated with register_keras_serializable
# (tests/test_imports.py checks this list against the sources).
KERAS_MODULES = (
    "elegans_keras.layers.connectome_dense",
    "elegans_keras.layers.connectomic_block",
    "elegans_keras.layers.echo_state_transformer",
    "elegans_keras.layers.motor_attention",
    "elegans_keras.layers.reservoir_cell",
    "elegans_keras.layers.reservoir_rnn",
    "elegans_keras.models.metrics",
    "elegans_keras.models.sequence_classifier",
)
# Top-level modules whose import runs with TensorFlow's native log filtered.
WRAPPED = ("keras", "tensorflow")


def register() -> None:
    """Import every module that registers a Keras class (imports Keras)."""
    for name in KERAS_MODULES:
        importlib.import_module(name)


def _register_after_keras() -> None:
    try:
        register()
    except Exception as err:  # never break `import keras` itself
        warnings.warn(
            f"elegans_keras could not register its Keras layers ({err!r}); "
            "keras.models.load_model will not find them",
            ImportWarning,
            stacklevel=2,
        )


class _Wrapped(importlib.abc.Loader):
    """A top-level backend's own loader, run with TensorFlow's native log filtered.

    For ``keras``, :func:`register` runs once the module has executed.
    """

    def __init__(self, loader: importlib.abc.Loader, then_register: bool) -> None:
        self.loader = loader
        self.then_register = then_register

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader  # the module looks as if we had never been there
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        with native_log_filtered():
            self.loader.exec_module(module)
        if self.then_register:
            _register_after_keras()


class _BackendFinder(importlib.abc.MetaPathFinder):
    """Finds ``keras`` and ``tensorflow`` with the other finders and wraps their loaders."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in WRAPPED:
            return None
        for finder in sys.meta_path:
            find_spec = None if finder is self else getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Wrapped(spec.loader, then_register=fullname == "keras")
        return spec


def uninstall() -> None:
    """Remove the finder from ``sys.meta_path`` (a no-op when it is not there)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _BackendFinder)]


def install() -> None:
    """Register the Keras classes now if Keras is imported, else right after it is."""
    if not any(isinstance(f, _BackendFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _BackendFinder())
    keras = sys.modules.get("keras")
    if keras is not None and getattr(keras, "saving", None) is not None:
        register()
