"""Authentication: the password policy and the rules around unlocking an account."""
