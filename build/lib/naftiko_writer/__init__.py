"""naftiko-writer: draft Technology Investment Impact Reports from signal data."""

__version__ = "0.1.0"
