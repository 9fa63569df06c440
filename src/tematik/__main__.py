"""`python -m tematik` runs the command line."""

from tematik.cli import main

main()
