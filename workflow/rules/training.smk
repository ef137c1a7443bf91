# Whole-network training runs: one job per (seed, n, run), and the held-out record of each, its
# sharpness at every snapshot and its Hessian spectrum at some.


rule train:
    input:
        **MNIST_INPUT,
    output:
        training=paths.TRAINING,
        snapshots=paths.SNAPSHOTS,
    params:
        **TRAIN_PARAMS,
        optimizer=run_optimizer,
        constants=run_constants,
        batch=run_batch,
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


# J and accuracy of every snapshot of a run on the held-out images (training.heldout).
rule heldout:
    input:
        **HELDOUT_INPUT,
        snapshots=snapshots_of_run,
    output:
        heldout=paths.HELDOUT,
    params:
        **HELDOUT_PARAMS,
    log:
        log_of("heldout", paths.HELDOUT),
    benchmark:
        benchmark_of("heldout", paths.HELDOUT)
    threads: 1
    priority: 1
    resources:
        mem_mb=job_mem_mb("heldout"),
        runtime=job_runtime("heldout"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The Hessian of J/2 on the run's N images: its largest eigenvalues at every snapshot.
rule sharpness:
    input:
        **MNIST_INPUT,
        snapshots=snapshots_of_run,
    output:
        sharpness=paths.SHARPNESS,
    params:
        **SHARPNESS_PARAMS,
        threshold=run_threshold,
    log:
        log_of("sharpness", paths.SHARPNESS),
    benchmark:
        benchmark_of("sharpness", paths.SHARPNESS)
    threads: 1
    priority: 1
    resources:
        mem_mb=job_mem_mb("sharpness"),
        runtime=job_runtime("sharpness"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"


# The Hessian of J/2 on the run's N images: eigenvalue density and trace at training.spectrum.at.
rule spectrum:
    input:
        **MNIST_INPUT,
        snapshots=snapshots_of_run,
    output:
        spectrum=paths.SPECTRUM,
    params:
        **SPECTRUM_PARAMS,
    log:
        log_of("spectrum", paths.SPECTRUM),
    benchmark:
        benchmark_of("spectrum", paths.SPECTRUM)
    threads: 1
    priority: 1
    resources:
        mem_mb=job_mem_mb("spectrum"),
        runtime=job_runtime("spectrum"),
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
