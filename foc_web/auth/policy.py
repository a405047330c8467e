"""The password policy: a few explicit rules plus zxcvbn's guessability score.

NIST SP 800-63B sets the floor: user-chosen passwords of at least 8 characters (revision 4 asks 15
when the password is the only factor), at least 64 characters allowed, and no composition rules
by default. So the ``require_*`` rules are off unless configured, and the zxcvbn score, which knows
common passwords, keyboard walks, dates and the user's own name, does the real work.

No message ever holds the password: reasons name the rule broken, and zxcvbn's feedback comes
from its fixed catalogue of sentences.
"""

import dataclasses

from ..errors import ConfigError, InvalidInputError, WeakPasswordError

#: NIST SP 800-63B (rev. 3 §5.1.1.2, rev. 4 §3.1.1.2): user-chosen passwords SHALL be at least 8 characters.
NIST_MIN_LENGTH = 8
#: NIST SP 800-63B: verifiers SHOULD permit passwords of at least 64 characters.
NIST_MIN_MAX_LENGTH = 64
#: zxcvbn's cost grows faster than quadratically with length (on CPython about 0.08 s at 72
#: characters, 16 s at 1024) and it refuses more than 72 by default, so it rates the first 72.
ZXCVBN_PREFIX = 72
MAX_SCORE = 4

#: ``auth`` option name -> PasswordPolicy field. The other ``auth`` keys (session_timeout,
#: max_failed_attempts, lockout_*) belong to other modules, which check them.
AUTH_OPTIONS = {
    "min_password_length": "min_length",
    "max_password_length": "max_length",
    "require_special_chars": "require_special_chars",
    "require_digits": "require_digits",
    "require_mixed_case": "require_mixed_case",
    "min_strength": "min_strength",
}
_OPTION_OF = {field: option for option, field in AUTH_OPTIONS.items()}


@dataclasses.dataclass(frozen=True)
class PasswordPolicy:
    """The rules a new password must pass; built with defaults or from the ``auth`` option."""

    min_length: int = 12
    require_special_chars: bool = False
    require_digits: bool = False
    require_mixed_case: bool = False
    min_strength: int = 3  # zxcvbn score: 0 (guessed at once) .. 4 (very hard to guess)
    max_length: int = 1024

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value, wanted = getattr(self, field.name), type(field.default)
            if type(value) is not wanted:  # exact type: True is not a length, 12.0 is not a count
                raise ConfigError(
                    f"auth option {_OPTION_OF[field.name]} must be {wanted.__name__}, got {type(value).__name__}"
                )
        if self.min_length < NIST_MIN_LENGTH:
            raise ConfigError(
                f"min_password_length {self.min_length} is below {NIST_MIN_LENGTH}, "
                "the least NIST SP 800-63B allows for a user-chosen password"
            )
        if self.max_length < max(self.min_length, NIST_MIN_MAX_LENGTH):
            raise ConfigError(
                f"max_password_length {self.max_length} must be at least min_password_length and at least "
                f"{NIST_MIN_MAX_LENGTH} (NIST SP 800-63B: allow passwords of 64 characters)"
            )
        if not 0 <= self.min_strength <= MAX_SCORE:
            raise ConfigError(
                f"min_strength must be a zxcvbn score from 0 to {MAX_SCORE}, got {self.min_strength}"
            )

    @classmethod
    def from_auth(cls, auth):
        """The policy from the ``auth`` option, e.g. ``{"min_password_length": 14, "session_timeout": 3600}``.

        Unknown keys that look like password rules (containing "password", starting with "require_",
        or close to a known name) raise ConfigError, so a misspelt rule is never silently ignored.
        """
        if auth is None:
            return cls()
        if not isinstance(auth, dict):
            raise ConfigError(f"the auth option must be an object, got {type(auth).__name__}")
        chosen = {}
        for key, value in auth.items():
            if not isinstance(key, str):
                raise ConfigError(f"auth option names must be strings, got {type(key).__name__}")
            if key in AUTH_OPTIONS:
                chosen[AUTH_OPTIONS[key]] = value
                continue
            import difflib  # only for this error message: it costs ~30 ms to import in the browser

            close = difflib.get_close_matches(key, AUTH_OPTIONS, n=1, cutoff=0.75)
            if close or "password" in key or key.startswith("require_"):
                hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(AUTH_OPTIONS)
                raise ConfigError(f"unknown password option {key!r}; {hint}")
        return cls(**chosen)

    def check(self, password, user_inputs=()):
        """Return None if ``password`` passes; else raise WeakPasswordError listing every rule it breaks."""
        _check_password_type(password)
        if not password:
            raise WeakPasswordError(["the password is empty"])
        reasons = []
        if len(password) < self.min_length:
            reasons.append(f"shorter than {self.min_length} characters")
        if len(password) > self.max_length:
            reasons.append(f"longer than {self.max_length} characters")
        # Special: anything but a letter or digit, space included (as in OWASP's list).
        if self.require_special_chars and password.isalnum():
            reasons.append("needs a special character (anything but a letter or digit)")
        if self.require_digits and not any(c.isdecimal() for c in password):
            reasons.append("needs a digit")
        if self.require_mixed_case and (password.lower() == password or password.upper() == password):
            reasons.append("needs both upper-case and lower-case letters")
        rating = self.strength(password, user_inputs)
        if rating["score"] < self.min_strength:
            reason = f"too easy to guess (strength {rating['score']} of {MAX_SCORE})"
            reasons.append(f"{reason}: {rating['feedback']}" if rating["feedback"] else reason)
        if reasons:
            raise WeakPasswordError(reasons)

    def strength(self, password, user_inputs=()):
        """``{"score": 0..4, "feedback": str}``: zxcvbn's rating of the first 72 characters.

        ``user_inputs`` (username, e-mail, app name) count as known words, so reusing them rates lower.
        """
        _check_password_type(password)
        if not isinstance(user_inputs, (list, tuple)) or not all(isinstance(word, str) for word in user_inputs):
            raise InvalidInputError("user_inputs must be a list or tuple of strings")
        if not password:  # zxcvbn itself fails on ""
            return {"score": 0, "feedback": "The password is empty."}
        from zxcvbn import zxcvbn  # imported late: the import costs about half a second in the browser

        result = zxcvbn(password[:ZXCVBN_PREFIX], user_inputs=[word for word in user_inputs if word])
        sentences = [result["feedback"]["warning"], *result["feedback"]["suggestions"]]
        return {"score": result["score"], "feedback": " ".join(s for s in sentences if s)}


def _check_password_type(password):
    if not isinstance(password, str):
        raise InvalidInputError(f"the password must be a str, got {type(password).__name__}")
