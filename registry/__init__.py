"""Lumbung Inovasi: a public registry of public-service innovations."""

__version__ = "0.1.0"
