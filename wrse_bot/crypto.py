"""Protection at rest for personal data (UU PDP Ps. 4, 35): Fernet under a key
derived from ``WRSE_SECRET_KEY``, and a keyed hash of the NIK (HMAC-SHA256) so a
duplicate is found without decrypting every row. During a rotation
``WRSE_PREVIOUS_SECRET_KEY`` still opens the old rows until ``bot.py rekey``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_MIN_BYTES = 32
# 32 random bytes hold ~30 distinct values; fewer than 16 is not random.
_MIN_DISTINCT_BYTES = 16
_HEX = re.compile(r"[0-9a-fA-F]+")
_CANARY = b"wrse-key-canary-v1"
KEY_HELP = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'


class WeakKeyError(ValueError):
    """The key is not at least 32 random bytes written as base64 or hex."""


def key_bytes(text: str) -> bytes:
    """The random bytes a key is written as: hex, or base64 (standard or
    URL-safe, padding optional). Raises WeakKeyError; never echoes the key."""
    s = text.strip()
    raw: bytes | None = None
    if _HEX.fullmatch(s) and len(s) % 2 == 0:
        raw = bytes.fromhex(s)
    else:
        b64 = s.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) < KEY_MIN_BYTES:
        raise WeakKeyError(
            f"must be at least {KEY_MIN_BYTES} random bytes, base64 or hex; {KEY_HELP}"
        )
    if len(set(raw)) < _MIN_DISTINCT_BYTES:
        raise WeakKeyError(f"does not look random; {KEY_HELP}")
    return raw


def _derive(secret: str, purpose: bytes) -> bytes:
    # The key text as written is the HKDF input, so data encrypted before keys
    # were validated stays readable under the same key.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wrse-bot", info=purpose).derive(
        secret.encode()
    )


class _Key:
    def __init__(self, secret: str) -> None:
        self.fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"fernet")))
        self.hash_key = _derive(secret, b"nik-hash")
        # Names the key in the database without revealing anything about it.
        self.id = _derive(secret, b"key-id").hex()[:16]


class Protector:
    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._current = _Key(secret)
        self._previous = _Key(previous) if previous else None
        self._keys = [self._current] + ([self._previous] if self._previous else [])
        self._fernet = MultiFernet([k.fernet for k in self._keys])

    @property
    def key_id(self) -> str:
        return self._current.id

    @property
    def previous_key_id(self) -> str | None:
        return self._previous.id if self._previous else None

    def encrypt(self, plain: str) -> str:
        return self._current.fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:  # wrong WRSE_SECRET_KEY or tampered row
            raise ValueError("cannot decrypt: wrong WRSE_SECRET_KEY?") from exc

    def rotate(self, token: str) -> str:
        """The same value, encrypted under the current key (rekey)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong WRSE_SECRET_KEY?") from exc

    def opens(self, token: str, *, previous: bool = True) -> bool:
        """Whether the current key (or, with ``previous``, the previous one) decrypts it."""
        return _opened(self._fernet if previous else self._current.fernet, token) is not None

    def nik_hash(self, nik: str) -> str:
        return hmac.new(self._current.hash_key, nik.encode(), hashlib.sha256).hexdigest()

    def nik_hashes(self, nik: str) -> list[str]:
        """Her NIK's hash under every key in use: during a rotation a row may
        still carry the previous key's hash until rekey recomputes it."""
        return [hmac.new(k.hash_key, nik.encode(), hashlib.sha256).hexdigest() for k in self._keys]

    def canary(self) -> str:
        return self.encrypt(_CANARY.decode())

    def is_canary(self, token: str, *, previous: bool = False) -> bool:
        """Whether ``token`` is the canary of the current (or previous) key."""
        key = self._previous if previous else self._current
        return key is not None and _opened(key.fernet, token) == _CANARY


def _opened(fernet: Fernet | MultiFernet, token: str) -> bytes | None:
    try:
        return fernet.decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return None


_protector: Protector | None = None


def configure(secret: str, previous: str | None = None) -> Protector:
    """Install the process-wide protector the encrypted columns use."""
    global _protector
    _protector = Protector(secret, previous)
    return _protector


def protector() -> Protector:
    if _protector is None:
        raise RuntimeError("crypto.configure() was not called (WRSE_SECRET_KEY)")
    return _protector


def configured() -> Protector | None:
    return _protector
