# Optimizer trajectories: one job per (seed, n, pair, optimizer, start).


rule trajectory:
    input:
        **MNIST_INPUT,
        script=TRAJECTORY_SCRIPT,
    output:
        trajectory="results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet",
    params:
        job=trajectory_job,
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
    shell:
        "python {input.script:q} {params.job:q}"
        " {input.images:q} {input.labels:q} {output.trajectory:q} {log:q}"
