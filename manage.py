#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")
    from django.core.management import execute_from_command_line

    from outreach.startup import explain_configuration_errors

    with explain_configuration_errors():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
