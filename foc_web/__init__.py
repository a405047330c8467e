"""foc_web: the accounts and key-security layer of FOC Engine, for Pyodide and CPython."""

__version__ = "0.1.0"
