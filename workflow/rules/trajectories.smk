# Optimizer trajectories: one job per (seed, n, pair, optimizer, start).
# A plain command rather than `script:`: jobs this short would spend most of their time in
# Snakemake's script preamble (docs/performance.md).


rule trajectory:
    input:
        **MNIST_INPUT,
    output:
        trajectory=paths.TRAJECTORY,
    params:
        options=trajectory_options,
        code_version=CODE_VERSION,
    log:
        log_of("trajectory", paths.TRAJECTORY),
    benchmark:
        benchmark_of("trajectory", paths.TRAJECTORY)
    threads: 1
    resources:
        mem_mb=job_mem_mb("trajectory"),
        runtime=job_runtime("trajectory"),
    conda:
        CONDA_ENV
    shell:
        "python -m losslandscape trajectory --seed {wildcards.seed} --n {wildcards.n}"
        " --pair {wildcards.pair} --optimizer {wildcards.optimizer} {params.options}"
        " --images {input.images:q} --labels {input.labels:q}"
        " --output {output.trajectory:q} --log {log:q}"
