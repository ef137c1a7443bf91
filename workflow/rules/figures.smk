# Figures: surfaces, contours, animated descents, optimizer comparisons, rotations, HTML.
# Names: results/figures/{seed}/{pair}/surfaces.png and results/figures/{seed}/{n}/{pair}/...


rule surfaces:
    input:
        grids=surfaces_grids,
    output:
        png=report(
            "results/figures/{seed}/{pair}/surfaces.png",
            caption="../report/surfaces.rst",
            category="Landscapes",
            labels={"figure": "surfaces", "seed": "{seed}", "pair": "{pair}"},
        ),
    params:
        **figure_params("surfaces", "surfaces"),
        ns=LANDSCAPES["n"],
    log:
        "logs/figures/{seed}/{pair}/surfaces.log",
    benchmark:
        "benchmarks/figures/{seed}/{pair}/surfaces.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_surfaces.py"


rule rotation:
    input:
        grid=grid_of,
    output:
        gif="results/figures/{seed}/{n}/{pair}/rotation.gif",
        png=report(
            "results/figures/{seed}/{n}/{pair}/rotation.png",
            caption="../report/rotation.rst",
            category="Landscapes",
            labels={
                "figure": "rotation",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
            },
        ),
    params:
        **figure_params("rotation", "rotation"),
    log:
        "logs/figures/{seed}/{n}/{pair}/rotation.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/rotation.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_rotation.py"


rule contour:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
        critical=critical_of,
    output:
        png=report(
            "results/figures/{seed}/{n}/{pair}/contour_{optimizer}.png",
            caption="../report/contour.rst",
            category="Trajectories",
            labels={
                "figure": "contour",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "optimizer": "{optimizer}",
            },
        ),
    params:
        **figure_params("contour", "contour", "critical"),
        style="starts",
    log:
        "logs/figures/{seed}/{n}/{pair}/contour_{optimizer}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/contour_{optimizer}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_contour.py"


rule descent3d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
    output:
        gif="results/figures/{seed}/{n}/{pair}/descent3d_{optimizer}.gif",
        png=report(
            "results/figures/{seed}/{n}/{pair}/descent3d_{optimizer}.png",
            caption="../report/descent3d.rst",
            category="Trajectories",
            labels={
                "figure": "descent 3D",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "optimizer": "{optimizer}",
            },
        ),
    params:
        **figure_params("descent_3d", "descent_3d"),
        style="starts",
    log:
        "logs/figures/{seed}/{n}/{pair}/descent3d_{optimizer}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/descent3d_{optimizer}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_animation.py"


rule descent2d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_optimizer,
    output:
        gif="results/figures/{seed}/{n}/{pair}/descent2d_{optimizer}.gif",
        png=report(
            "results/figures/{seed}/{n}/{pair}/descent2d_{optimizer}.png",
            caption="../report/descent2d.rst",
            category="Trajectories",
            labels={
                "figure": "descent 2D",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "optimizer": "{optimizer}",
            },
        ),
    params:
        **figure_params("descent_2d", "descent_2d"),
        style="starts",
    log:
        "logs/figures/{seed}/{n}/{pair}/descent2d_{optimizer}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/descent2d_{optimizer}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_animation.py"


rule compare3d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
    output:
        gif="results/figures/{seed}/{n}/{pair}/compare3d_{start}.gif",
        png=report(
            "results/figures/{seed}/{n}/{pair}/compare3d_{start}.png",
            caption="../report/compare3d.rst",
            category="Optimizer comparison",
            labels={
                "figure": "compare 3D",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "start": "{start}",
            },
        ),
    params:
        **figure_params("compare_3d", "compare_3d"),
    log:
        "logs/figures/{seed}/{n}/{pair}/compare3d_{start}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/compare3d_{start}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_animation.py"


rule compare2d:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
    output:
        gif="results/figures/{seed}/{n}/{pair}/compare2d_{start}.gif",
        png=report(
            "results/figures/{seed}/{n}/{pair}/compare2d_{start}.png",
            caption="../report/compare2d.rst",
            category="Optimizer comparison",
            labels={
                "figure": "compare 2D",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "start": "{start}",
            },
        ),
    params:
        **figure_params("compare_2d", "compare_2d"),
    log:
        "logs/figures/{seed}/{n}/{pair}/compare2d_{start}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/compare2d_{start}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_animation.py"


rule interactive:
    input:
        grid=grid_of,
        trajectories=trajectories_of_start,
        critical=critical_of,
    output:
        html=report(
            "results/figures/{seed}/{n}/{pair}/interactive_{start}.html",
            caption="../report/interactive.rst",
            category="Optimizer comparison",
            labels={
                "figure": "interactive",
                "seed": "{seed}",
                "N": "{n}",
                "pair": "{pair}",
                "start": "{start}",
            },
        ),
    params:
        **figure_params("html", "html", "critical"),
        style="optimizers",
    log:
        "logs/figures/{seed}/{n}/{pair}/interactive_{start}.log",
    benchmark:
        "benchmarks/figures/{seed}/{n}/{pair}/interactive_{start}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_html.py"


rule gallery_sheet:
    input:
        grids=gallery_grids,
    output:
        png=report(
            "results/figures/gallery/{n}/{pair}.png",
            caption="../report/gallery.rst",
            category="Gallery",
            labels={"figure": "gallery", "N": "{n}", "pair": "{pair}"},
        ),
    params:
        **figure_params("gallery", "gallery"),
        seeds=GALLERY_SEEDS,
    log:
        "logs/figures/gallery/{n}/{pair}.log",
    benchmark:
        "benchmarks/figures/gallery/{n}/{pair}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../../scripts/render_gallery.py"
