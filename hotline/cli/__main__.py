"""`python -m hotline.cli` runs the `hotline` command (used to start child processes)."""

from hotline.cli import main

main()
