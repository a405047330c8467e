"""A hash-chained, tamper-evident audit log of security events, one per network."""
