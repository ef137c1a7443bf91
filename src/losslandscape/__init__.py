"""Exact and fast loss landscapes of a small sigmoid MLP on MNIST (no Snakemake dependency)."""

__version__ = "0.1.0"
