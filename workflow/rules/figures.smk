# Figures: one rule per figure kind of losslandscape.render.registry, which names its output
# files, render-options section and caption; every rule runs scripts/job.py.


# One 3D panel per configured N side by side (article Fig. 3).
rule surfaces:
    input:
        grids=surfaces_grids,
    output:
        **figure_outputs("surfaces"),
    params:
        **figure_params("surfaces", ns=LANDSCAPES["n"]),
    log:
        figure_log("surfaces"),
    benchmark:
        figure_benchmark("surfaces")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The landscape turning in azimuth (article Figs. 7 and 8).
rule rotation:
    input:
        grid=grid_of,
    output:
        **figure_outputs("rotation"),
    params:
        **figure_params("rotation"),
    log:
        figure_log("rotation"),
    benchmark:
        figure_benchmark("rotation")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Contour with every start of one optimizer, critical points marked.
rule contour:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
        critical=critical_of,
    output:
        **figure_outputs("contour"),
    params:
        **figure_params("contour", style="starts"),
    log:
        figure_log("contour"),
    benchmark:
        figure_benchmark("contour")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every start of one optimizer descending the surface (article Fig. 5).
rule descent3d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
    output:
        **figure_outputs("descent3d"),
    params:
        **figure_params("descent3d", style="starts"),
    log:
        figure_log("descent3d"),
    benchmark:
        figure_benchmark("descent3d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every start of one optimizer on the contour, cost below (article Fig. 6).
rule descent2d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
    output:
        **figure_outputs("descent2d"),
    params:
        **figure_params("descent2d", style="starts"),
    log:
        figure_log("descent2d"),
    benchmark:
        figure_benchmark("descent2d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every optimizer from one start on the surface (German notebook).
rule compare3d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
    output:
        **figure_outputs("compare3d"),
    params:
        **figure_params("compare3d"),
    log:
        figure_log("compare3d"),
    benchmark:
        figure_benchmark("compare3d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Every optimizer from one start on the contour, cost below (German notebook).
rule compare2d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
    output:
        **figure_outputs("compare2d"),
    params:
        **figure_params("compare2d"),
    log:
        figure_log("compare2d"),
    benchmark:
        figure_benchmark("compare2d")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Plotly page: surface and contour, every optimizer from one start (German notebook).
rule interactive:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
        critical=critical_of,
        plotly_js=paths.PLOTLY_JS,
    output:
        **figure_outputs("interactive"),
    params:
        **figure_params("interactive", style="optimizers"),
    log:
        figure_log("interactive"),
    benchmark:
        figure_benchmark("interactive")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The one offline copy of plotly.js that every interactive page under results/ loads.
rule plotly_js:
    output:
        js=paths.PLOTLY_JS,
    params:
        plotly_version=PLOTLY_VERSION,
    log:
        log_of("plotly_js", paths.PLOTLY_JS),
    benchmark:
        benchmark_of("plotly_js", paths.PLOTLY_JS)
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The report's self-contained copy of an interactive page (plotly.js inline).
rule interactive_report:
    input:
        page=REGISTRY["interactive"].outputs()["html"],
        plotly_js=paths.PLOTLY_JS,
    output:
        html=report_copy_output("interactive"),
    params:
        code_version=CODE_VERSION,
    log:
        log_of("interactive_report", REGISTRY["interactive"].report_copy()),
    benchmark:
        benchmark_of("interactive_report", REGISTRY["interactive"].report_copy())
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Small surfaces of the gallery's seeds, a page of render.contact_sheet.per_page seeds each.
rule contact_sheet:
    input:
        grids=gallery_grids,
        summary=gallery_summary_if_ordered,
    output:
        **figure_outputs("contact_sheet"),
    params:
        **figure_params("contact_sheet"),
        seeds=gallery_seeds,
    log:
        figure_log("contact_sheet"),
    benchmark:
        figure_benchmark("contact_sheet")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
