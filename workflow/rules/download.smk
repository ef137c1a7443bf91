# MNIST download: one job per canonical file, verified against its canonical MD5.
# The mirror list (config mnist.mirrors, and MNIST_MIRROR from the environment) is deliberately
# not a param: the output is fixed by its checksum, so changing mirrors must not trigger reruns.


rule mnist_download:
    output:
        gz="resources/mnist/{mnist_file}",
    wildcard_constraints:
        mnist_file=r"(?:train|t10k)-(?:images-idx3|labels-idx1)-ubyte\.gz",
    log:
        "logs/mnist_download/{mnist_file}.log",
    benchmark:
        "benchmarks/mnist_download/{mnist_file}.tsv"
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../../scripts/download_mnist.py"
