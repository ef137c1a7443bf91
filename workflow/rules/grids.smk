# Loss-landscape grids: one job per (seed, n, pair).


rule grid:
    input:
        **MNIST_INPUT,
    output:
        grid=paths.GRID,
    params:
        **GRID_PARAMS,
    log:
        log_of("grid", paths.GRID),
    benchmark:
        benchmark_of("grid", paths.GRID)
    threads: 2
    priority: 1
    resources:
        mem_mb=job_mem_mb("grid"),
        runtime=job_runtime("grid"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
