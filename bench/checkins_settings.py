"""Bench-only settings: the product settings with the bench urlconf (adds the bare insert view)."""

from epiqr.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
