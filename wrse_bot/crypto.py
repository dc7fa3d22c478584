"""Protection at rest for NIK, income and phone numbers (UU PDP Ps. 4, 35).

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived
from ``WRSE_SECRET_KEY``; the NIK also gets a keyed hash (HMAC-SHA256) so a
duplicate can be found without decrypting every row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wrse-bot", info=purpose).derive(
        secret.encode()
    )


class Protector:
    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"fernet")))
        self._hash_key = _derive(secret, b"nik-hash")

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:  # wrong WRSE_SECRET_KEY or tampered row
            raise ValueError("cannot decrypt: wrong WRSE_SECRET_KEY?") from exc

    def nik_hash(self, nik: str) -> str:
        return hmac.new(self._hash_key, nik.encode(), hashlib.sha256).hexdigest()


_protector: Protector | None = None


def configure(secret: str) -> Protector:
    """Install the process-wide protector the encrypted columns use."""
    global _protector
    _protector = Protector(secret)
    return _protector


def protector() -> Protector:
    if _protector is None:
        raise RuntimeError("crypto.configure() was not called (WRSE_SECRET_KEY)")
    return _protector
