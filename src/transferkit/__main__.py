"""`python -m transferkit` runs the command-line interface."""

from .cli import main

main()
