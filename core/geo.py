"""Distances on the earth, computed by the database (PostgreSQL, and SQLite through Django's functions)."""

import math

from django.db.models import F, FloatField
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt

EARTH_RADIUS_M = 6_371_008.8  # the mean radius


def _float(name):
    return Cast(F(name) if isinstance(name, str) else name, FloatField())


def distance_m(lat_a, lon_a, lat_b, lon_b):
    """The great-circle (haversine) distance in metres between two points given as field names or expressions;
    NULL when either point is missing."""
    lat_a, lon_a, lat_b, lon_b = (Radians(_float(value)) for value in (lat_a, lon_a, lat_b, lon_b))
    half = Power(Sin((lat_b - lat_a) / 2), 2) + Cos(lat_a) * Cos(lat_b) * Power(Sin((lon_b - lon_a) / 2), 2)
    return 2 * EARTH_RADIUS_M * ASin(Sqrt(half))


def distance_between_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The same in Python, for points already read (the same-spot rule groups a day's few visits)."""
    lat_a, lon_a, lat_b, lon_b = map(math.radians, (*a, *b))
    half = math.sin((lat_b - lat_a) / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin((lon_b - lon_a) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(half))
