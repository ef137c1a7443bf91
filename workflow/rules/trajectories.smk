# Optimizer trajectories: one job per (seed, n, pair, optimizer, start).


rule trajectory:
    input:
        **MNIST_INPUT,
    output:
        trajectory="results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet",
    params:
        hidden=HIDDEN,
        split=SPLIT,
        epochs=int(TRAJECTORIES["epochs"]),
        constants=optimizer_params,
        start=start_params,
        code_version=CODE_VERSION,
    log:
        "logs/trajectory/{seed}/{n}/{pair}/{optimizer}/{start}.log",
    benchmark:
        "benchmarks/trajectory/{seed}/{n}/{pair}/{optimizer}/{start}.tsv"
    threads: 1
    resources:
        mem_mb=trajectory_mem_mb,
        runtime=trajectory_runtime,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/trajectory.py"
