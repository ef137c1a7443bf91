# Target lists: every file a target rule of the Snakefile asks for, from the config.


def all_grids():
    """Every grid of the landscapes cross product."""
    return expand(
        paths.GRID,
        seed=LANDSCAPES["seeds"],
        n=LANDSCAPES["n"],
        pair=LANDSCAPES["pairs"],
    )


def all_trajectories():
    """Every trajectory of the trajectories cross product."""
    return expand(
        paths.TRAJECTORY,
        seed=TRAJECTORIES["seeds"],
        n=TRAJECTORIES["n"],
        pair=TRAJECTORIES["pairs"],
        optimizer=OPTIMIZERS,
        start=STARTS,
    )


def figure_files(kind, **wildcards):
    """Every output file of a figure kind over the given wildcard values."""
    return [
        path
        for template in REGISTRY[kind].outputs().values()
        for path in expand(template, **wildcards)
    ]


def all_figures():
    """Every figure of the config: per landscape, per optimizer and per start."""
    out = figure_files("surfaces", seed=LANDSCAPES["seeds"], pair=LANDSCAPES["pairs"])
    out += figure_files(
        "rotation",
        seed=LANDSCAPES["seeds"],
        n=LANDSCAPES["n"],
        pair=LANDSCAPES["pairs"],
    )
    sets = dict(
        seed=TRAJECTORIES["seeds"], n=TRAJECTORIES["n"], pair=TRAJECTORIES["pairs"]
    )
    for kind in ("contour", "descent3d", "descent2d"):
        out += figure_files(kind, optimizer=OPTIMIZERS, **sets)
    for kind in ("compare3d", "compare2d", "interactive"):
        out += figure_files(kind, start=STARTS, **sets)
    return out


def all_gallery(wildcards=None):
    """Contact-sheet pages, rotating GIFs, summary and browser of the gallery sweep.

    The `gallery` target's input function: the sweep's lists are built only when it runs.
    """
    out = gallery_sheets()
    out += gallery_files(REGISTRY["rotation"].outputs()["gif"])
    out += [paths.GALLERY_SUMMARY, paths.GALLERY_BROWSER]
    return out


def paper_figures():
    """Exactly the figures of the two source documents, from the default config's values."""
    gif = {
        kind: REGISTRY[kind].outputs()["gif"]
        for kind in REGISTRY
        if "gif" in REGISTRY[kind].extensions
    }
    land = dict(seed=135, n=100, pair="w2-5-250_w2-5-251")
    return [
        REGISTRY["surfaces"]
        .outputs()["png"]
        .format(**land),  # article Fig. 3 (N = 100, 10,000)
        gif["descent3d"].format(optimizer="sgd", **land),  # article Fig. 5
        gif["descent2d"].format(optimizer="sgd", **land),  # article Fig. 6
        gif["rotation"].format(
            seed=135, n=500, pair="w1-200-30_w1-200-31"
        ),  # article Fig. 7
        gif["rotation"].format(
            seed=135, n=1000, pair="w1-5-5_w1-5-6"
        ),  # article Fig. 8
        REGISTRY["interactive"]
        .outputs()["html"]
        .format(start="a-9_b15", **land),  # notebook
        gif["compare3d"].format(start="a-9_b15", **land),  # notebook comparison, 3D
        gif["compare2d"].format(start="a-9_b15", **land),  # notebook comparison, 2D
    ]


def _combos(section):
    """(seed, n, pair) of a config section's cross product."""
    return {
        (int(seed), int(n), str(pair))
        for seed in section["seeds"]
        for n in section["n"]
        for pair in section["pairs"]
    }


#: Every landscape the default run computes a grid of, sorted: both cross products.
ANALYSIS_COMBOS = sorted(_combos(LANDSCAPES) | _combos(TRAJECTORIES))
TRAJECTORY_COMBOS = sorted(_combos(TRAJECTORIES))


def per_landscape(template, combos=ANALYSIS_COMBOS, **more):
    """`template` (with {seed}, {n}, {pair}) for every combo, in combo order."""
    return [
        path
        for seed, n, pair in combos
        for path in expand(template, seed=seed, n=n, pair=pair, **more)
    ]


def all_critical_points():
    """Critical points of every grid."""
    return per_landscape(paths.CRITICAL_POINTS)


def all_plateaus():
    """Plateau maps of every grid."""
    return per_landscape(paths.PLATEAUS)


def all_basins():
    """Basin maps of every (seed, n, pair) of the trajectories cross product."""
    return per_landscape(paths.BASINS, TRAJECTORY_COMBOS, optimizer=BASIN_OPTIMIZERS)


def all_basin_figures():
    """One basin-map PNG per basin map."""
    return per_landscape(
        REGISTRY["basin_map"].outputs()["png"],
        TRAJECTORY_COMBOS,
        optimizer=BASIN_OPTIMIZERS,
    )


def summary_grids():
    """The grid of every analysed landscape (the summary's cost range)."""
    return per_landscape(paths.GRID)


def all_plane_analysis():
    """Gradient grid, critical points and plateaus of every analysed plane (analysis.planes)."""
    sets = dict(seed=TRAINING["seeds"], n=TRAINING["n"], plane=ANALYSED_PLANES)
    templates = (
        paths.PLANE_GRADIENT,
        paths.PLANE_CRITICAL_POINTS,
        paths.PLANE_PLATEAUS,
    )
    return [path for template in templates for path in expand(template, **sets)]


def all_analysis():
    """Everything of the analysis target: per-landscape and per-plane files, the summary, basin
    figures."""
    return [
        *all_critical_points(),
        *all_plateaus(),
        *all_basins(),
        paths.SUMMARY,
        paths.SUMMARY_CSV,
        *all_basin_figures(),
        *all_plane_analysis(),
    ]


def all_training():
    """Every training run, its snapshots, its held-out record, sharpness and spectrum."""
    sets = dict(seed=TRAINING["seeds"], n=TRAINING["n"], run=RUNS)
    out = expand(paths.TRAINING, **sets) + expand(paths.SNAPSHOTS, **sets)
    optional = (
        (HELDOUT, paths.HELDOUT),
        (SHARPNESS, paths.SHARPNESS),
        (SPECTRUM, paths.SPECTRUM),
    )
    return out + [
        f
        for on, template in optional
        if on is not None
        for f in expand(template, **sets)
    ]


def all_planes():
    """Every plane's directions and grid, every run's path on it, the analysed planes' analysis."""
    sets = dict(seed=TRAINING["seeds"], n=TRAINING["n"], plane=PLANE_NAMES)
    out = expand(paths.DIRECTIONS, **sets) + expand(paths.PLANE_GRID, **sets)
    return out + expand(paths.PLANE_PATH, run=RUNS, **sets) + all_plane_analysis()


def all_lines():
    """Every line."""
    return expand(paths.LINE, seed=TRAINING["seeds"], n=TRAINING["n"], line=LINE_NAMES)


def all_training_figures():
    """The training curves (and sharpness) of every (seed, n) of training, every run's spectrum."""
    sets = dict(seed=TRAINING["seeds"], n=TRAINING["n"])
    out = figure_files("training_curves", **sets)
    if SHARPNESS is not None:
        out += figure_files("sharpness_plot", **sets)
    if SPECTRUM is not None:
        out += figure_files("spectrum_plot", run=RUNS, **sets)
    return out


#: Figure kinds drawn for every plane.
PLANE_FIGURES = (
    "plane_contour",
    "plane_surfaces",
    "plane_descent3d",
    "plane_descent2d",
    "plane_interactive",
    "plane_distance",
)


def all_plane_figures():
    """Every plane figure of every (seed, n) of training."""
    sets = dict(seed=TRAINING["seeds"], n=TRAINING["n"], plane=PLANE_NAMES)
    return [path for kind in PLANE_FIGURES for path in figure_files(kind, **sets)]


def all_line_figures():
    """The plot of every line of every (seed, n) of training."""
    return figure_files(
        "line_plot", seed=TRAINING["seeds"], n=TRAINING["n"], line=LINE_NAMES
    )


def all_report_pages():
    """The report's self-contained copy of every interactive page of the default target."""
    return expand(
        REGISTRY["interactive"].report_copy(),
        start=STARTS,
        seed=TRAJECTORIES["seeds"],
        n=TRAJECTORIES["n"],
        pair=TRAJECTORIES["pairs"],
    ) + expand(
        REGISTRY["plane_interactive"].report_copy(),
        seed=TRAINING["seeds"],
        n=TRAINING["n"],
        plane=PLANE_NAMES,
    )
