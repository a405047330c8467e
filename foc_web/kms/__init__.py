"""``external_kms`` storage: secrets sealed under data keys that an external KMS (AWS KMS) wraps.

``AwsKms.from_config(storage)`` makes a client; ``seal_with_kms`` / ``open_with_kms`` do the envelope
encryption; ``sigv4`` signs the requests in pure Python, so the same code runs in CPython and Pyodide.
Browsers need the endpoint to allow CORS: see docs/KMS.md.
"""

from .aws import AwsKms
from .envelope import open_with_kms, seal_with_kms

__all__ = ["AwsKms", "open_with_kms", "seal_with_kms"]
