"""The demo world: each domain adds its part in `<domain>/demo.py` with `populate(world)`.

`world` is a dict passed along the domains in their order (`core.domains.DOMAINS`) so later domains
can use what earlier ones made (world["province"], world["communes"], world["users"], world["people"],
world["venues"], ...), and `world["logins"]` collects (username, password, what to try) rows printed at
the end.
"""

import random

from .domains import DOMAINS, domain_modules

DEMO_PASSWORD = "epiqr-2021-tour"  # passes the staff password rules (12+ characters)


def demo_populate(*, seed: int = 2021, scale: float = 1.0, out=print) -> dict:
    world: dict = {"rng": random.Random(seed), "scale": scale, "logins": [], "password": DEMO_PASSWORD}
    # This module is core's demo (the orchestrator, no `populate`): the domains above core take part.
    for domain, module in domain_modules("demo", DOMAINS[1:]):
        out(f"demo: {domain} ...")
        module.populate(world)
    return world
