# Analysis (issue 7): critical points and plateaus per landscape, basin maps per optimizer,
# one summary table, and the basin-map figures. Inputs and targets: common.smk, "analysis".


rule critical_points:
    input:
        **MNIST_INPUT,
    output:
        critical=f"{ANALYSIS_DIR}/critical_points.parquet",
    params:
        **GRID_PARAMS,
    log:
        "logs/analysis/{seed}/{n}/{pair}/critical_points.log",
    benchmark:
        "benchmarks/analysis/{seed}/{n}/{pair}/critical_points.tsv"
    threads: 1
    resources:
        mem_mb=landscape_analysis_mem_mb,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/critical_points.py"


rule plateaus:
    input:
        **MNIST_INPUT,
    output:
        plateaus=f"{ANALYSIS_DIR}/plateaus.parquet",
    params:
        **PLATEAU_PARAMS,
    log:
        "logs/analysis/{seed}/{n}/{pair}/plateaus.log",
    benchmark:
        "benchmarks/analysis/{seed}/{n}/{pair}/plateaus.tsv"
    threads: 1
    resources:
        mem_mb=landscape_analysis_mem_mb,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/plateaus.py"


rule basins:
    input:
        **MNIST_INPUT,
        critical=rules.critical_points.output.critical,
    output:
        basins=f"{ANALYSIS_DIR}/basins_{{optimizer}}.parquet",
    params:
        **BASIN_PARAMS,
        constants=optimizer_params,
    log:
        "logs/analysis/{seed}/{n}/{pair}/basins_{optimizer}.log",
    benchmark:
        "benchmarks/analysis/{seed}/{n}/{pair}/basins_{optimizer}.tsv"
    threads: 2
    resources:
        mem_mb=basins_mem_mb,
    conda:
        "../../environment.yml"
    script:
        "../../scripts/basins.py"


rule analysis_summary:
    input:
        grids=summary_grids(),
        critical=all_critical_points(),
        plateaus=all_plateaus(),
        trajectories=all_trajectories(),
        basins=all_basins(),
    output:
        parquet="results/analysis/summary.parquet",
        csv=report(
            "results/analysis/summary.csv",
            caption="../report/summary.rst",
            category="Analysis",
            labels={"table": "summary"},
        ),
    params:
        code_version=CODE_VERSION,
    log:
        "logs/analysis/summary.log",
    benchmark:
        "benchmarks/analysis/summary.tsv"
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../../scripts/analysis_summary.py"


rule basin_map:
    input:
        basins=rules.basins.output.basins,
        critical=rules.critical_points.output.critical,
        grid=grid_of,
    output:
        png=report(
            "results/figures/{seed}/{n}/{pair}/basins_{optimizer}.png",
            caption="../report/basins.rst",
            category="Analysis",
            labels={
                "figure": "basin map",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "optimizer": "{optimizer}",
            },
        ),
    params:
        **figure_params("basins", "basins", "critical"),
    log:
        "logs/figures/{seed}/{n}/{pair}/basins_{optimizer}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/basins_{optimizer}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_basins.py"
