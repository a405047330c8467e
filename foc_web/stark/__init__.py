"""Starknet key and signing math in pure Python: no I/O, no clock, no randomness of its own."""
