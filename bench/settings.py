"""Settings of the benchmark server: the product's settings, production-like (DEBUG off),
with the floor view added to the URLs and the appeal-filing limits raised so that the
concurrent submitters measure the write path rather than the rate limit."""

from sanxian.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"

_UNLIMITED = "100000/m"
SANXIAN_APPEAL_RATES = {
    "resident": _UNLIMITED,
    "resident_ip": _UNLIMITED,
    "staff": _UNLIMITED,
    "staff_ip": _UNLIMITED,
}
