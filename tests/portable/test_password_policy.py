"""The password policy: explicit rules, zxcvbn scores, the ``auth`` option, and no password in any message.

Scores are zxcvbn's (the pure-Python port, the same package in Pyodide); no expected value comes from foc_web.
"""

import pytest

from foc_web.auth.policy import PasswordPolicy
from foc_web.errors import ConfigError, InvalidInputError, WeakPasswordError

STRONG = "correct horse battery staple violet 42!"


def reasons_of(policy, password, user_inputs=()):
    with pytest.raises(WeakPasswordError) as caught:
        policy.check(password, user_inputs)
    return caught.value.reasons


def test_defaults_follow_the_documented_values():
    policy = PasswordPolicy()
    assert (policy.min_length, policy.min_strength, policy.max_length) == (12, 3, 1024)
    assert not (policy.require_special_chars or policy.require_digits or policy.require_mixed_case)


def test_strong_passphrase_is_accepted_with_top_score():
    policy = PasswordPolicy(require_special_chars=True, require_digits=True)
    assert policy.check(STRONG) is None
    rating = policy.strength(STRONG)
    assert rating == {"score": 4, "feedback": ""}


def test_too_short():
    assert reasons_of(PasswordPolicy(min_strength=0), "Xk#9pQ!w2") == ["shorter than 12 characters"]
    assert PasswordPolicy(min_length=9, min_strength=0).check("Xk#9pQ!w2") is None


def test_too_long():
    policy = PasswordPolicy(max_length=64)
    assert policy.check(STRONG + "x" * (64 - len(STRONG))) is None
    assert reasons_of(policy, STRONG + "x" * (65 - len(STRONG))) == ["longer than 64 characters"]


@pytest.mark.parametrize(
    "rule, missing, present, reason",
    [
        ("require_special_chars", "CorrectHorseBattery42Violet", "CorrectHorseBattery42Violet!", "needs a special"),
        ("require_special_chars", "CorrectHorseBattery42Violet", "Correct Horse Battery 42 Violet", "needs a special"),
        ("require_digits", "correct horse battery violet!", "correct horse battery violet 7!", "needs a digit"),
        ("require_mixed_case", "correct horse battery violet 42!", "Correct horse battery violet 42!", "needs both"),
    ],
)
def test_each_composition_rule(rule, missing, present, reason):
    policy = PasswordPolicy(**{rule: True})
    found = reasons_of(policy, missing)
    assert len(found) == 1 and found[0].startswith(reason)
    assert policy.check(present) is None
    assert PasswordPolicy().check(missing) is None  # the rule is off by default


def test_every_broken_rule_is_listed():
    policy = PasswordPolicy(require_special_chars=True, require_digits=True, require_mixed_case=True)
    found = reasons_of(policy, "aaaaaa")
    assert found[0] == "shorter than 12 characters"
    assert [r.split(" ")[0] for r in found[1:]] == ["needs", "needs", "needs", "too"]


COMMON = ["123456", "password", "qwertyuiop123", "password1234", "iloveyou1234", "1q2w3e4r5t6y"]
NOT_IN_ANY_MESSAGE = ["123456", "qwertyuiop123", "Tr0ub4dor", "hunter2hunter2", "s3cr3t-P4ss", "zxcvbnm1"]


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_too_easy_to_guess(password):
    policy = PasswordPolicy(min_length=8)
    score = policy.strength(password)["score"]
    assert score < 3
    found = reasons_of(policy, password)
    assert f"too easy to guess (strength {score} of 4)" in found[-1]


def test_zxcvbn_warning_is_part_of_the_reason():
    found = reasons_of(PasswordPolicy(), "qwertyuiop123")
    assert found == [
        "too easy to guess (strength 1 of 4): This is a very common password. "
        "Add another word or two. Uncommon words are better."
    ]


def test_user_inputs_lower_the_score():
    policy = PasswordPolicy()
    assert policy.strength("bartholomew-quixote")["score"] == 3
    assert policy.check("bartholomew-quixote") is None
    assert policy.strength("bartholomew-quixote", ("bartholomew-quixote",))["score"] == 0
    found = reasons_of(policy, "bartholomew-quixote", ["bartholomew-quixote"])
    assert found[0].startswith("too easy to guess (strength 0")
    with_name = policy.strength("zygmuntkowalski1", ("ZygmuntKowalski", ""))["score"]
    assert with_name < policy.strength("zygmuntkowalski1")["score"]


def test_long_passwords_are_rated_on_their_first_72_characters():
    policy = PasswordPolicy()
    assert policy.strength(STRONG + "a" * 500)["score"] == 4
    assert policy.strength("a" * 600)["score"] == policy.strength("a" * 72)["score"] == 0


def test_non_string_password_and_inputs_are_invalid_input():
    policy = PasswordPolicy()
    for bad in (None, b"correct horse battery", 123456789012, ["a"]):
        with pytest.raises(InvalidInputError):
            policy.check(bad)
        with pytest.raises(InvalidInputError):
            policy.strength(bad)
    for bad_inputs in ("alice", ("alice", 3), None):
        with pytest.raises(InvalidInputError):
            policy.strength(STRONG, bad_inputs)


def test_empty_password_is_weak():
    assert reasons_of(PasswordPolicy(), "") == ["the password is empty"]
    assert PasswordPolicy().strength("")["score"] == 0


@pytest.mark.parametrize("password", NOT_IN_ANY_MESSAGE)
def test_no_message_contains_the_password(password):
    policy = PasswordPolicy(require_special_chars=True, require_digits=True, require_mixed_case=True)
    with pytest.raises(WeakPasswordError) as caught:
        policy.check(password, ("someone",))
    error = caught.value
    assert caught.value.code == "WEAK_PASSWORD"
    for text in (str(error), repr(error), *error.reasons, policy.strength(password)["feedback"]):
        assert password not in text
        assert password.lower() not in text.lower()


def test_from_auth_reads_its_own_keys_and_ignores_the_others():
    policy = PasswordPolicy.from_auth(
        {
            "min_password_length": 14,
            "max_password_length": 256,
            "require_special_chars": True,
            "require_digits": True,
            "require_mixed_case": True,
            "min_strength": 4,
            "session_timeout": 3600,
            "max_failed_attempts": 5,
            "lockout_duration": 900,
        }
    )
    assert policy == PasswordPolicy(14, True, True, True, 4, 256)
    assert PasswordPolicy.from_auth(None) == PasswordPolicy()
    assert PasswordPolicy.from_auth({}) == PasswordPolicy()
    assert PasswordPolicy.from_auth({"min_password_length": 8}).min_length == 8


@pytest.mark.parametrize(
    "auth, fragment",
    [
        ({"min_password_length": 7}, "NIST SP 800-63B"),
        ({"min_password_length": 0}, "below 8"),
        ({"min_pasword_length": 12}, "did you mean 'min_password_length'"),
        ({"require_special": True}, "did you mean 'require_special_chars'"),
        ({"password_history": 5}, "unknown password option 'password_history'"),
        ({"require_symbols": True}, "unknown password option"),
        ({"min_password_length": "12"}, "min_password_length must be int"),
        ({"min_password_length": 12.0}, "must be int"),
        ({"min_password_length": True}, "must be int, got bool"),
        ({"require_digits": 1}, "require_digits must be bool"),
        ({"require_special_chars": "yes"}, "must be bool"),
        ({"min_strenght": 3}, "did you mean 'min_strength'"),
        ({"min_password_strength": 3}, "unknown password option 'min_password_strength'"),
        ({"min_strength": 5}, "from 0 to 4"),
        ({"min_strength": -1}, "from 0 to 4"),
        ({"max_password_length": 32}, "at least 64"),
        ({"min_password_length": 100, "max_password_length": 80}, "at least min_password_length"),
        ([("min_password_length", 12)], "must be an object"),
        ({1: 2}, "must be strings"),
    ],
)
def test_from_auth_errors_say_why(auth, fragment):
    with pytest.raises(ConfigError) as caught:
        PasswordPolicy.from_auth(auth)
    assert fragment in str(caught.value)


def test_direct_construction_is_checked_too():
    with pytest.raises(ConfigError):
        PasswordPolicy(min_length=6)
    with pytest.raises(ConfigError):
        PasswordPolicy(require_digits="no")
