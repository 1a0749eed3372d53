"""Shares and how every page shows them."""


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction; None when nothing is counted yet (shown as —, never a division by zero)."""
    return None if not whole else part / whole


def percent(value: float | None) -> str:
    """A share as the pages show it: 83.4%, or — when nothing is counted yet."""
    return "—" if value is None else f"{value * 100:.1f}%"
