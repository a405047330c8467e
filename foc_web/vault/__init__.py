"""Encrypted storage of private keys: password-protected records and Web3 Secret Storage keystores."""
