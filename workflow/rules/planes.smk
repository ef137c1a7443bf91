# Planes and lines through all weights: directions, grids, every run's path on each plane,
# and lines; one job per (seed, n) of training's cross product and name. With auto ranges a
# plane's grid (and analysis) reads every run's path on it.


rule directions:
    input:
        unpack(centre_of),
        **MNIST_INPUT,
    output:
        directions=paths.DIRECTIONS,
    params:
        **NETWORK_PARAMS,
    log:
        log_of("directions", paths.DIRECTIONS),
    benchmark:
        benchmark_of("directions", paths.DIRECTIONS)
    threads: 1
    priority: 1
    resources:
        mem_mb=job_mem_mb("directions"),
        runtime=job_runtime("directions"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plane_grid:
    input:
        unpack(plane_ranges_of),
        **MNIST_INPUT,
        directions=directions_of,
    output:
        grid=paths.PLANE_GRID,
    params:
        **PLANE_GRID_PARAMS,
    log:
        log_of("plane_grid", paths.PLANE_GRID),
    benchmark:
        benchmark_of("plane_grid", paths.PLANE_GRID)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("plane_grid"),
        runtime=job_runtime("plane_grid"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule plane_path:
    input:
        **MNIST_INPUT,
        directions=directions_of,
        snapshots=snapshots_of_run,
        training=training_of_run,
    output:
        path=paths.PLANE_PATH,
    params:
        **NETWORK_PARAMS,
    log:
        log_of("plane_path", paths.PLANE_PATH),
    benchmark:
        benchmark_of("plane_path", paths.PLANE_PATH)
    threads: 1
    resources:
        mem_mb=job_mem_mb("plane_path"),
        runtime=job_runtime("plane_path"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


rule line:
    input:
        unpack(line_ends),
        **MNIST_INPUT,
        **HELDOUT_INPUT,
    output:
        line=paths.LINE,
    params:
        **LINE_PARAMS,
    log:
        log_of("line", paths.LINE),
    benchmark:
        benchmark_of("line", paths.LINE)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("line"),
        runtime=job_runtime("line"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
