# MNIST download: one job per canonical file, verified against its canonical MD5.
# The mirror list (config mnist.mirrors, and MNIST_MIRROR from the environment) is deliberately
# not a param: the output is fixed by its checksum, so changing mirrors must not trigger reruns.


rule mnist_download:
    output:
        gz=paths.MNIST,
    wildcard_constraints:
        mnist_file=r"(?:train|t10k)-(?:images-idx3|labels-idx1)-ubyte\.gz",
    log:
        log_of("mnist_download", paths.MNIST),
    benchmark:
        benchmark_of("mnist_download", paths.MNIST)
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/job.py"
