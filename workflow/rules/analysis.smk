# Analysis: critical points and plateaus per landscape (and per analysed plane), basin maps per
# optimizer, one summary table, and the basin-map figures.


rule critical_points:
    input:
        **MNIST_INPUT,
    output:
        critical=paths.CRITICAL_POINTS,
    params:
        **GRID_PARAMS,
    log:
        log_of("critical_points", paths.CRITICAL_POINTS),
    benchmark:
        benchmark_of("critical_points", paths.CRITICAL_POINTS)
    threads: 1
    resources:
        mem_mb=job_mem_mb("critical_points"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plateaus:
    input:
        **MNIST_INPUT,
    output:
        plateaus=paths.PLATEAUS,
    params:
        **PLATEAU_PARAMS,
    log:
        log_of("plateaus", paths.PLATEAUS),
    benchmark:
        benchmark_of("plateaus", paths.PLATEAUS)
    threads: 1
    resources:
        mem_mb=job_mem_mb("plateaus"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plane_gradient:
    input:
        unpack(plane_ranges_of),
        **MNIST_INPUT,
        directions=directions_of,
    output:
        gradient=paths.PLANE_GRADIENT,
    params:
        **PLANE_GRID_PARAMS,
    log:
        log_of("plane_gradient", paths.PLANE_GRADIENT),
    benchmark:
        benchmark_of("plane_gradient", paths.PLANE_GRADIENT)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("plane_gradient"),
        runtime=job_runtime("plane_gradient"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plane_critical_points:
    input:
        unpack(plane_ranges_of),
        **MNIST_INPUT,
        directions=directions_of,
        gradient=rules.plane_gradient.output.gradient,
    output:
        critical=paths.PLANE_CRITICAL_POINTS,
    params:
        **PLANE_GRID_PARAMS,
    log:
        log_of("plane_critical_points", paths.PLANE_CRITICAL_POINTS),
    benchmark:
        benchmark_of("plane_critical_points", paths.PLANE_CRITICAL_POINTS)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("plane_critical_points"),
        runtime=job_runtime("plane_critical_points"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plane_plateaus:
    input:
        unpack(plane_ranges_of),
        **MNIST_INPUT,
        directions=directions_of,
        gradient=rules.plane_gradient.output.gradient,
    output:
        plateaus=paths.PLANE_PLATEAUS,
    params:
        **PLANE_PLATEAU_PARAMS,
    log:
        log_of("plane_plateaus", paths.PLANE_PLATEAUS),
    benchmark:
        benchmark_of("plane_plateaus", paths.PLANE_PLATEAUS)
    threads: 1
    resources:
        mem_mb=job_mem_mb("plane_plateaus"),
        runtime=5,
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule basins:
    input:
        **MNIST_INPUT,
        critical=rules.critical_points.output.critical,
    output:
        basins=paths.BASINS,
    params:
        **BASIN_PARAMS,
        constants=optimizer_params,
    log:
        log_of("basins", paths.BASINS),
    benchmark:
        benchmark_of("basins", paths.BASINS)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("basins"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule analysis_summary:
    input:
        grids=summary_grids(),
        critical=all_critical_points(),
        plateaus=all_plateaus(),
        trajectories=all_trajectories(),
        basins=all_basins(),
    output:
        parquet=paths.SUMMARY,
        csv=report(
            paths.SUMMARY_CSV,
            caption="../report/summary.rst",
            category="Analysis",
            labels={"table": "summary"},
        ),
    params:
        code_version=CODE_VERSION,
    log:
        log_of("analysis_summary", paths.SUMMARY),
    benchmark:
        benchmark_of("analysis_summary", paths.SUMMARY)
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The gallery sweep's summary: one row per (seed, n, pair) of the gallery.
rule gallery_summary:
    input:
        grids=gallery_input(paths.GRID),
        critical=gallery_input(paths.CRITICAL_POINTS),
        plateaus=gallery_input(paths.PLATEAUS),
    output:
        parquet=paths.GALLERY_SUMMARY,
        csv=paths.GALLERY_SUMMARY_CSV,
    params:
        code_version=CODE_VERSION,
    log:
        log_of("gallery_summary", paths.GALLERY_SUMMARY),
    benchmark:
        benchmark_of("gallery_summary", paths.GALLERY_SUMMARY)
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The sweep browser: the gallery summary as a sortable, filterable page with thumbnails.
rule gallery_browser:
    input:
        summary=paths.GALLERY_SUMMARY,
        # what the page shows and links to, so that it never points at a missing file
        rotations=gallery_input(REGISTRY["rotation"].outputs()["gif"]),
        thumbnails=gallery_input(REGISTRY["rotation"].outputs()["png"]),
        sheets=gallery_sheets,
    output:
        html=paths.GALLERY_BROWSER,
    params:
        sheet=SHEET_ORDER,
        seeds=gallery_seeds,
        code_version=CODE_VERSION,
    log:
        log_of("gallery_browser", paths.GALLERY_BROWSER),
    benchmark:
        benchmark_of("gallery_browser", paths.GALLERY_BROWSER)
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# Basin map: every start coloured by the minimum its optimizer reached (a figure kind).
rule basin_map:
    input:
        basins=rules.basins.output.basins,
        critical=rules.critical_points.output.critical,
        grid=grid_of,
    output:
        **figure_outputs("basin_map"),
    params:
        **figure_params("basin_map"),
    log:
        figure_log("basin_map"),
    benchmark:
        figure_benchmark("basin_map")
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
