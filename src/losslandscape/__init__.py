"""Exact and fast loss landscapes of a small sigmoid MLP on MNIST (no Snakemake dependency).

The Python API (losslandscape.api) is available from here, loaded on first use so that
importing the package costs a workflow job nothing:

    import losslandscape as ll
    grid = ll.grid(n=100)                      # the article's landscape, N = 100
    sgd = ll.train("sgd")                      # a run that learns
    ll.sharpness(sgd)["lambda_1"].max()
"""

__version__ = "0.1.0"

#: Public name -> the API module that defines it.
API = {
    "read": "files",
    "workspace": "session",
    "set_workspace": "session",
    "mnist_files": "session",
    "load_mnist": "data",
    "grid": "pairs",
    "trajectory": "pairs",
    "critical_points": "pairs",
    "plateaus": "pairs",
    "basins": "pairs",
    "Run": "network",
    "train": "network",
    "heldout": "network",
    "sharpness": "network",
    "spectrum": "network",
    "Plane": "planes",
    "plane": "planes",
    "line": "planes",
    "surface_figure": "figures",
    "contour_figure": "figures",
    "descent_animation": "figures",
    "interactive_figure": "figures",
    "training_figure": "figures",
    "plane_contour_figure": "figures",
    "plane_distance_figure": "figures",
    "line_figure": "figures",
    "sharpness_figure": "figures",
    "spectrum_figure": "figures",
}

__all__ = ["__version__", *API]


def __getattr__(name: str) -> object:
    """The API's names, imported from their module when first asked for."""
    module = API.get(name)
    if module is None:
        raise AttributeError(f"module 'losslandscape' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"losslandscape.api.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The API's names with the module's own."""
    return sorted([*globals(), *API])
