"""foc_web: the accounts and key-security layer of FOC Engine, for Pyodide and CPython."""

__version__ = "0.1.0"
__all__ = ["FocEngine", "__version__"]


def __getattr__(name):
    # Imported on first use: `import foc_web` stays cheap for pages that only need the platform layer.
    if name == "FocEngine":
        from .engine import FocEngine

        return FocEngine
    raise AttributeError(f"module 'foc_web' has no attribute {name!r}")
