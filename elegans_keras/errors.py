"""The package's exception types.

Every error raised on bad input (files, graphs, arrays, arguments) is an
:class:`ElegansKerasError`, so callers can catch the package's complaints
without catching programming errors from numpy or Keras.
"""


class ElegansKerasError(ValueError):
    """Base class of every error the package raises on bad input.

    Example:
        >>> from elegans_keras import load_connectome
        >>> try:
        ...     load_connectome("no_such_worm")
        ... except ElegansKerasError as err:
        ...     print(str(err)[:40])
        unknown bundled connectome 'no_such_worm
    """


class ConnectomeError(ElegansKerasError):
    """A connectome file, graph or array is malformed or inconsistent."""


class ConfigurationError(ElegansKerasError):
    """A layer, model or command received an invalid argument."""


class WeightsError(ElegansKerasError):
    """Published weights are missing, unregistered or fail their checksum."""


class DataDefectWarning(UserWarning):
    """A data set is known to be defective (kept for reproduction, never a default)."""


class CellTableWarning(UserWarning):
    """A C. elegans file's names, matched against the cell table: non-neurons or unknown names."""
