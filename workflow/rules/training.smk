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
        mem_mb=job_mem_mb("train"),
        runtime=job_runtime("train"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
