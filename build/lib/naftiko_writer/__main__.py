"""Allow `python -m naftiko_writer`."""

from naftiko_writer.cli import main

main()
