# Whole-network training runs: one job per (seed, n, run); a run is named by its optimizer.


rule train:
    input:
        **MNIST_INPUT,
    output:
        training=paths.TRAINING,
        snapshots=paths.SNAPSHOTS,
    params:
        **TRAIN_PARAMS,
        constants=run_constants,
    log:
        log_of("train", paths.TRAINING),
    benchmark:
        benchmark_of("train", paths.TRAINING)
    threads: 1
    priority: 2
    resources:
        mem_mb=train_mem_mb,
        runtime=train_runtime,
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
