"""Run the command line as ``python -m commlog``."""

from commlog.cli.app import main

main()
