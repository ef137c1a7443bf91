# Whole-network figures: one rule per figure kind of losslandscape.render.registry drawn by
# losslandscape.render.planes (planes through all weights, training curves, lines); every rule
# runs scripts/job.py. Input functions are in common.smk.


# Filled contours of J and accuracy on a plane, every run's projected path on both; the
# critical points of an analysed plane (analysis.planes) marked.
rule plane_contour:
    input:
        unpack(plane_critical_of),
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
    output:
        **figure_outputs("plane_contour"),
    params:
        **figure_params("plane_contour", runs=RUNS),
    log:
        figure_log("plane_contour"),
    benchmark:
        figure_benchmark("plane_contour")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# 3D surfaces of J and accuracy on a plane, paths at the snapshots' true J and accuracy.
rule plane_surfaces:
    input:
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
        training=training_of_runs,
    output:
        **figure_outputs("plane_surfaces"),
    params:
        **figure_params("plane_surfaces", runs=RUNS),
    log:
        figure_log("plane_surfaces"),
    benchmark:
        figure_benchmark("plane_surfaces")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every run's path growing on a plane's J surface, one frame per snapshot.
rule plane_descent3d:
    input:
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
    output:
        **figure_outputs("plane_descent3d"),
    params:
        **figure_params("plane_descent3d", runs=RUNS),
    log:
        figure_log("plane_descent3d"),
    benchmark:
        figure_benchmark("plane_descent3d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every run's path growing on a plane's contour, true J per epoch below.
rule plane_descent2d:
    input:
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
    output:
        **figure_outputs("plane_descent2d"),
    params:
        **figure_params("plane_descent2d", runs=RUNS),
    log:
        figure_log("plane_descent2d"),
    benchmark:
        figure_benchmark("plane_descent2d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Plotly page: a plane's surface and contour with every run's path.
rule plane_interactive:
    input:
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
        plotly_js=paths.PLOTLY_JS,
    output:
        **figure_outputs("plane_interactive"),
    params:
        **figure_params("plane_interactive", runs=RUNS),
    log:
        figure_log("plane_interactive"),
    benchmark:
        figure_benchmark("plane_interactive")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The report's self-contained copy of a plane's page (plotly.js inline).
rule plane_interactive_report:
    input:
        page=REGISTRY["plane_interactive"].outputs()["html"],
        plotly_js=paths.PLOTLY_JS,
    output:
        html=report_copy_output("plane_interactive"),
    params:
        code_version=CODE_VERSION,
    log:
        log_of("plane_interactive_report", REGISTRY["plane_interactive"].report_copy()),
    benchmark:
        benchmark_of(
            "plane_interactive_report", REGISTRY["plane_interactive"].report_copy()
        )
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# How far each run's snapshots lie from a plane; true J next to J at the projected point.
rule plane_distance:
    input:
        grid=plane_grid_of,
        paths=plane_paths_of,
        directions=directions_of,
    output:
        **figure_outputs("plane_distance"),
    params:
        **figure_params("plane_distance", runs=RUNS),
    log:
        figure_log("plane_distance"),
    benchmark:
        figure_benchmark("plane_distance")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Cost and accuracy per epoch of every training run of one (seed, n).
rule training_curves:
    input:
        unpack(heldout_of_runs),
        training=training_of_runs,
    output:
        **figure_outputs("training_curves"),
    params:
        **figure_params("training_curves", runs=RUNS),
    log:
        figure_log("training_curves"),
    benchmark:
        figure_benchmark("training_curves")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# J and accuracy along a line: on the training images and the held-out ones.
rule line_plot:
    input:
        line=line_of,
    output:
        **figure_outputs("line_plot"),
    params:
        **figure_params("line_plot"),
    log:
        figure_log("line_plot"),
    benchmark:
        figure_benchmark("line_plot")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Sharpness of every training run of one (seed, n) against its threshold, over its cost.
rule sharpness_plot:
    input:
        sharpness=sharpness_of_runs,
        training=training_of_runs,
    output:
        **figure_outputs("sharpness_plot"),
    params:
        **figure_params("sharpness_plot", runs=RUNS),
    log:
        figure_log("sharpness_plot"),
    benchmark:
        figure_benchmark("sharpness_plot")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# One run's Hessian eigenvalue density at the snapshots of training.spectrum.at.
rule spectrum_plot:
    input:
        spectrum=spectrum_of_run,
    output:
        **figure_outputs("spectrum_plot"),
    params:
        **figure_params("spectrum_plot"),
    log:
        figure_log("spectrum_plot"),
    benchmark:
        figure_benchmark("spectrum_plot")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
