"""The Python API for notebooks and scripts: the workflow's computations from plain values.

Every function returns what the workflow's job writes, as a pandas DataFrame whose `attrs` hold
the file's metadata (or a small object of such frames), computed by that very job into a
workspace folder (`losslandscape.api.session`). The names are re-exported by `losslandscape`
itself, e.g. `losslandscape.grid(...)`, `losslandscape.read(path)`.
"""
