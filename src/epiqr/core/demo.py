"""The demo world: each domain adds its part in `<domain>/demo.py` with `populate(world)`.

`world` is a dict passed along in DOMAIN_ORDER so later domains can use what earlier ones made
(world["province"], world["communes"], world["users"], world["people"], world["venues"], ...), and
`world["logins"]` collects (username, password, what to try) rows printed at the end.
"""

import random

from .domains import domain_modules

DEMO_PASSWORD = "epiqr-2021-tour"  # passes the staff password rules (12+ characters)
DOMAIN_ORDER = ("accounts", "people", "venues", "checkins", "cases", "tracing", "testing", "notify")


def demo_populate(*, seed: int = 2021, scale: float = 1.0, out=print) -> dict:
    world: dict = {"rng": random.Random(seed), "scale": scale, "logins": [], "password": DEMO_PASSWORD}
    for domain, module in domain_modules("demo", DOMAIN_ORDER):
        out(f"demo: {domain} ...")
        module.populate(world)
    return world
