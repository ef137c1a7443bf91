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
        mem_mb=1024,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/grid.py"
