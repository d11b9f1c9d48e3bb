"""Distances on the Earth's surface, enough for "the nearest pop-up shop" in a city."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_KM = 6371.0088
# Beyond this, no residence is "near": the resident is told so instead of a far-away list.
NEAR_KM = 25.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_KM * asin(min(1.0, sqrt(a)))
