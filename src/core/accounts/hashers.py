"""How passwords are stored."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB of memory, 2 passes, 1 lane).

    Memory-hard, so a GPU or ASIC gains far less on it than on PBKDF2, and about 30 ms of one
    core per hash instead of PBKDF2's 300 ms at Django's 1,000,000 iterations: registration
    and login no longer queue every other page of a small server behind them. Django's own
    Argon2 defaults (100 MiB, 8 lanes) cost 220 ms here for no gain in a web server that
    hashes one password per request. Hashes made with other parameters (or by PBKDF2) are
    checked, then re-hashed with these at the next login.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
