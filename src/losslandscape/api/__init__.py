"""The Python API for notebooks: read results, compute them, and draw the workflow's figures.

Its modules are imported by name (this file imports nothing, so that importing a subpackage
costs a job nothing), e.g. ``from losslandscape.api.figures import contour_figure``.
"""
