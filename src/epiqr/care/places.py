"""Where communes are: the latitude and longitude of each commune, ward and special zone since 1 July
2025, read from the data the `vietnamadminunits` package ships (its `data/dataset.db`, table
`admin_units`, columns `wardCode`, `wardLat`, `wardLon`; the package the geo domain already loads former
names from). Nothing is fetched from a map service. No Django import.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from importlib import resources


@cache
def commune_points() -> dict[int, tuple[float, float]]:
    """{commune code: (latitude, longitude)} for every commune the package places."""
    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    with resources.as_file(path) as file:
        connection = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT wardCode, wardLat, wardLon FROM admin_units WHERE wardLat IS NOT NULL"
            ).fetchall()
        finally:
            connection.close()
    return {int(code): (float(lat), float(lon)) for code, lat, lon in rows if code and str(code).isdigit()}


def commune_point(code: int | None) -> tuple[float, float] | None:
    """The commune's point, or None when unknown."""
    return commune_points().get(code) if code is not None else None
