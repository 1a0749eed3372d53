"""Personal information: resident ID numbers encrypted at rest, keyed hashes, masking.

ID numbers are sensitive personal information under PIPL. They are stored as
Fernet tokens (AES-128-CBC + HMAC) under PII_ENCRYPTION_KEYS; the first key
encrypts, every key decrypts, so a key is rotated by putting a new one first
and re-encrypting. Beside each token sits an HMAC-SHA256 of the normalised
number under PII_HASH_KEY, for exact lookup and duplicate detection without
decrypting anything.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    """An 18-character resident ID (GB 11643-1999) with a correct check digit."""
    value = normalise_id_number(value)
    return len(value) == 18 and value[:17].isdigit() and id_number_check_digit(value[:17]) == value[17]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same ID number encrypted under the first key (manage.py rotate_pii_key)."""
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS)).rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised ID number: equal numbers, equal hashes; no way back without the key."""
    return hmac.new(settings.PII_HASH_KEY.encode(), normalise_id_number(value).encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """110101********1234"""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}" if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """138****5678"""
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 8 else "*" * len(value)
