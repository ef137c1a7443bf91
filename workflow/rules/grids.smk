# Loss-landscape grids: one job per (seed, n, pair).


rule grid:
    input:
        **MNIST_INPUT,
    output:
        grid="results/grids/{seed}/{n}/{pair}.parquet",
    params:
        **GRID_PARAMS,
    log:
        "logs/grid/{seed}/{n}/{pair}.log",
    benchmark:
        "benchmarks/grid/{seed}/{n}/{pair}.tsv"
    threads: 2
    resources:
        mem_mb=grid_mem_mb,
        runtime=grid_runtime,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/grid.py"
