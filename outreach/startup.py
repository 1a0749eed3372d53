"""Turn start-up configuration errors into one clear line instead of a traceback wall."""

import sys
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db.utils import OperationalError


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


@contextmanager
def explain_configuration_errors():
    try:
        yield
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {_one_line(exc)}")
    except OperationalError as exc:
        sys.exit(f"Database unreachable (check DATABASE_URL): {_one_line(exc)}")
