from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

    Django's defaults (100 MiB, 8 lanes) cost ~130 ms and 100 MiB of memory per
    sign-in here: a few concurrent logins would fill a web pod's memory, and the
    8 lanes gain nothing on 2 cores. Hashes made with other parameters still
    verify and are upgraded on the next successful sign-in.
    """

    memory_cost = 19 * 1024
    time_cost = 2
    parallelism = 1
