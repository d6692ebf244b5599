"""The `epiqr` command: Django's management commands without manage.py paths.

`epiqr migrate`, `epiqr runserver`, `epiqr demo`, `epiqr createuser`, `epiqr token`, `epiqr trace`, ...
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["epiqr", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
