"""Account recovery without the password: guardians (other keys) approve moving an account to a new owner key.

``social`` holds the pure logic: the guardian configuration, the SNIP-12 approval each guardian
signs, its verification, and the state of a pending recovery (approved weight, time lock). It does
no I/O and reads no clock: callers pass ``now`` and store the ``to_dict`` forms.
"""
