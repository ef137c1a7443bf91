"""Nothing changed for users: this checkout's outputs equal the baseline commit's, file by file.

The baseline (`BASELINE`, the last commit before the restructuring into a job layer and a figure
registry) is exported with `git archive` into a temporary directory, and its workflow (its own
Snakefile, scripts, src/ and config files) runs beside this checkout's on the same configs, each
in an empty run directory, offline (MNIST_MIRROR, see conftest.py). Every output file the
baseline makes under results/ and resources/mnist must then be byte-identical, except that
figures (PNG, GIF, HTML) may differ in their embedded provenance record by the known renames
below, and two figure paths may carry their new names; the whole-network views and their figures
(NEW_VIEWS: training curves, sharpness and spectrum plots, planes, lines) are
new files this checkout may add. logs/, benchmarks/ and .snakemake/ are not compared.

"This checkout" is the working tree this file lies in, uncommitted changes included. Each tree
runs its own code: the baseline's Snakefile and every script put its own src/ first on sys.path
(editable installs add theirs at the end), and this checkout's package is the installed one
(pip install -e .). That is not taken on trust: every Python process of each run records, at exit,
where `losslandscape` was imported from (a sitecustomize module on PYTHONPATH), and
test_each_tree_runs_its_own_package checks it.

Configs (each with its own tree's copy of the file):
  default   the README's offline command, default target `all`:
            `snakemake -c 2 --configfile workflow/configs/test-split.yaml` (merged into config.yaml)
  small     tests/configs/small.yaml, as tests/test_workflow.py runs it
  figures   tests/configs/figures.yaml, as tests/test_figures_workflow.py runs it (+ `gallery`)
  analysis  tests/configs/analysis.yaml, as tests/test_analysis_workflow.py runs it
Together they make every figure kind at least once (test_every_figure_kind_is_covered).
"""

from __future__ import annotations

import contextlib
import copy
import html
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import MNIST_DIR
from PIL import Image

# The renamed option sections of the restructuring (baseline name -> new name): figure kinds
# (the provenance's "figure" and "params.figure") and render-option sections (the keys of the
# provenance's "params.render", the config's `render:` sections). "critical" and "styles" keep
# their names. Applied to the baseline's records only, and only to those three places.
RENAMED_SECTIONS: dict[str, str] = {
    "descent_3d": "descent3d",
    "descent_2d": "descent2d",
    "compare_3d": "compare3d",
    "compare_2d": "compare2d",
    "html": "interactive",
    "gallery": "contact_sheet",
    "basins": "basin_map",
}

# The renamed figure paths of the restructuring (baseline -> new), relative to the run directory.
# The Parquet files results/analysis/.../basins_{optimizer}.parquet keep their names.
PATH_RENAMES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"results/figures/gallery/(?P<n>\d+)/(?P<pair>[^/]+)\.png"),
        r"results/figures/gallery/\g<n>/\g<pair>/contact_sheet_1.png",
    ),
    (
        re.compile(
            r"results/figures/(?P<seed>\d+)/(?P<n>\d+)/(?P<pair>[^/]+)/basins_(?P<o>[^/]+)\.png"
        ),
        r"results/figures/\g<seed>/\g<n>/\g<pair>/basin_map_\g<o>.png",
    ),
]

#: Outputs the new tree may add: the whole-network views (training runs, planes, lines and their
#: figures) and the sweep's outputs (the gallery's analysis files, summary and browser page; the
#: shared plotly.js) came after the baseline; everything the baseline made must be unchanged.
NEW_VIEWS = re.compile(
    r"results/(?:training|planes|lines)/"
    r"|results/figures/\d+/\d+/(?:planes/|lines/|training_curves\.png$|sharpness_plot\.png$"
    r"|spectrum_plot_[a-z][a-z0-9]*\.png$)"
    r"|results/figures/plotly\.min\.js$|results/figures/gallery/index\.html$"
    r"|results/analysis/gallery/|results/analysis/\d+/\d+/[^/]+/(?:critical_points|plateaus)\."
)

# Changed on purpose after the baseline, and what the comparison allows for it:
# - Animations' default `frames` became null ("the source documents' selection, scaled to the
#   run's length"); at the article's 10,000 epochs descent3d/descent2d draw exactly the frames
#   they drew, so their records may say null where the baseline spelled out its default list.
#   The notebook-style kinds (compare3d, compare2d, interactive) scale the notebook's 1,000-epoch
#   selection to the run: with the default config's 10,000 epochs they show other epochs, so
#   those files are only required to exist (FRAMES_CHANGED).
# - Interactive pages load one shared plotly.js instead of inlining it: compared with plotly.js
#   taken out of both pages; their records name the extra input `plotly_js`.
# - Contact sheets come in pages (contact_sheet_{page}.png) and have three new options.
OLD_DEFAULT_FRAMES: dict[str, list[list[int]]] = {
    "descent3d": [[0, 200, 20], [200, 9000, 100]],
    "descent2d": [[0, 9000, 100]],
    "compare3d": [[0, 1000, 20]],
    "compare2d": [[0, 1000, 20]],
    "interactive": [[0, 1000, 20]],
}
NEW_CONTACT_SHEET_OPTIONS = {"per_page": 48, "order_by": None, "descending": True}
# - Interactive pages thin paths to 200 points a frame by default (was 400): the same page for
#   paths of at most 200 points (the test configs' 30-40 epochs), which the HTML body check
#   proves; the records may say 200 where the baseline said 400.
CHANGED_DEFAULTS: dict[tuple[str, str], tuple[Any, Any]] = {
    ("interactive", "max_path_points"): (400, 200),
}
#: Per case, the animations whose default frames now scale to its run length (small.yaml leaves
#: every animation's frames at the default and runs 30 epochs; the default config 10,000).
FRAMES_CHANGED = {
    "default": re.compile(r"results/figures/\d+/\d+/[^/]+/(?:compare[23]d_|interactive_)"),
    "small": re.compile(
        r"results/figures/\d+/\d+/[^/]+/(?:compare[23]d_|descent[23]d_|interactive_)"
    ),
}
INLINE_PLOTLY = re.compile(
    r"<script>window\.PlotlyConfig = \{MathJaxConfig: 'local'\};</script>\s*"
    r"<script>/\*\*\n\* plotly\.js v.*?</script>",
    re.S,
)
BETWEEN_TAGS = re.compile(r">\s+<")
SHARED_PLOTLY = re.compile(r'<script charset="utf-8" src="[^"]*plotly\.min\.js"></script>\n')

REPO = Path(__file__).resolve().parents[1]
#: The last commit before the restructuring.
BASELINE = "e881492"
#: Output trees that are compared (relative to a run directory); everything else is not.
COMPARED = ("results", "resources/mnist")
PROVENANCE_CHUNK = "Description"  # PNG text chunk of the provenance record
META_RE = re.compile(r'<meta name="losslandscape-provenance" content="([^"]*)">')
RUN_TIMEOUT = 1800  # seconds per Snakemake run (the default config takes about 50 s cold)


@dataclass(frozen=True)
class Case:
    """One config, run the same way in both trees."""

    name: str
    config: str  # relative to the tree: each run uses its own tree's copy
    targets: tuple[str, ...]  # () = Snakemake's default target `all`, as the user runs it
    replace: bool  # --replace-workflow-config (the tests' configs spell out every key)


CASES = [
    # README "Offline, with a local mirror": merged key by key into the tree's config.yaml.
    Case("default", "workflow/configs/test-split.yaml", (), replace=False),
    # tests/test_workflow.py runs `grids trajectories` (both part of `all`).
    Case("small", "tests/configs/small.yaml", ("all", "grids", "trajectories"), replace=True),
    # tests/test_figures_workflow.py runs `figures` and `gallery` (the contact sheet).
    Case("figures", "tests/configs/figures.yaml", ("all", "figures", "gallery"), replace=True),
    # tests/test_analysis_workflow.py runs the default target.
    Case("analysis", "tests/configs/analysis.yaml", (), replace=True),
]

pytestmark = [
    pytest.mark.slow,
    # Whichever test comes first runs its config's two workflows in its set-up; the figure-kind
    # test may run all eight (about 5 minutes here), more than the suite's 600 s on a slow day.
    pytest.mark.timeout(3600),
    pytest.mark.skipif(
        not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file()
        or not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
        reason=f"offline MNIST test split not found at {MNIST_DIR} (this machine has no "
        "internet; the workflow tests need a local mirror)",
    ),
]


# --------------------------------------------------------------------------------------------
# Import audit: where each Python process of a run imported losslandscape from
# --------------------------------------------------------------------------------------------

#: sitecustomize.py put on PYTHONPATH for the runs: at exit, every Python process writes its argv
#: and the files of its losslandscape modules to $LOSSLANDSCAPE_IMPORT_AUDIT/<pid>.json. It first
#: runs any sitecustomize it shadows, so the environment is otherwise unchanged.
AUDIT_SITECUSTOMIZE = """\
import atexit, importlib.machinery, importlib.util, json, os, sys

_here = os.path.dirname(os.path.abspath(__file__))
_rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
_spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _rest)
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)


def _record():
    modules = {
        name: getattr(module, "__file__", None)
        for name, module in list(sys.modules.items())
        if name == "losslandscape" or name.startswith("losslandscape.")
    }
    record = {"argv": sys.argv, "executable": sys.executable, "modules": modules}
    path = os.path.join(os.environ["LOSSLANDSCAPE_IMPORT_AUDIT"], f"{os.getpid()}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh)


atexit.register(_record)
"""


# --------------------------------------------------------------------------------------------
# The two trees and their runs (each run happens once per session)
# --------------------------------------------------------------------------------------------


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def old_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline commit's files, exported with `git archive` (no worktree to clean up)."""
    try:
        inside = git("rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:
        pytest.skip("git is not installed: cannot check out the baseline commit")
    if inside.returncode != 0:
        pytest.skip(f"{REPO} is not a git checkout: cannot check out the baseline {BASELINE}")
    found = git("rev-parse", "--verify", "--quiet", f"{BASELINE}^{{commit}}")
    if found.returncode != 0:
        shallow = git("rev-parse", "--is-shallow-repository").stdout.decode().strip() == "true"
        pytest.skip(
            f"baseline commit {BASELINE} (the last commit before the restructuring) is not in "
            f"this clone's history{' (a shallow clone: fetch with --unshallow)' if shallow else ''}"
        )
    sha = found.stdout.decode().strip()
    archive = git("archive", "--format=tar", sha)
    assert archive.returncode == 0, archive.stderr.decode()
    dest = tmp_path_factory.mktemp("baseline") / "tree"
    dest.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            tar.extractall(dest)
    assert (dest / "Snakefile").is_file(), f"git archive {sha} has no Snakefile"
    print(f"baseline {BASELINE} = {sha}, exported to {dest}")
    return dest


@dataclass
class Run:
    tree: Path
    workdir: Path
    audit: Path
    seconds: float
    command: list[str]


@dataclass
class CaseRuns:
    old: Run
    new: Run


@dataclass
class Runs:
    """Runs each case's old and new workflow on first use (session cache)."""

    factory: pytest.TempPathFactory
    old_tree: Path
    done: dict[str, CaseRuns] = field(default_factory=dict)
    failed: dict[str, BaseException] = field(default_factory=dict)

    def get(self, case: Case) -> CaseRuns:
        if case.name in self.failed:  # never rerun a failed config for the next test
            pytest.fail(
                f"[{case.name}] not run again: it failed earlier in this session:\n"
                f"{self.failed[case.name]}",
                pytrace=False,
            )
        if case.name not in self.done:
            base = self.factory.mktemp(f"unchanged-{case.name}")
            try:
                old = run_workflow(self.old_tree, base / "old", case)
                new = run_workflow(REPO, base / "new", case)
            except Exception as exc:
                self.failed[case.name] = exc
                raise
            self.done[case.name] = CaseRuns(old, new)
        return self.done[case.name]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory, old_tree: Path) -> Iterator[Runs]:
    cache = Runs(tmp_path_factory, old_tree)
    start = time.perf_counter()
    yield cache
    total = sum(r.old.seconds + r.new.seconds for r in cache.done.values())
    print(
        f"\n[test_unchanged] {len(cache.done)} configs, {2 * len(cache.done)} Snakemake runs: "
        f"{total:.1f} s in Snakemake, {time.perf_counter() - start:.1f} s in all"
    )


def run_workflow(tree: Path, base: Path, case: Case) -> Run:
    """`snakemake -c 2 [targets]` of `tree`'s Snakefile on `tree`'s copy of the config."""
    workdir = base / "run"
    audit = base / "import-audit"
    site = base / "site"
    for folder in (workdir, audit, site):
        folder.mkdir(parents=True)
    (site / "sitecustomize.py").write_text(AUDIT_SITECUSTOMIZE)
    config = tree / case.config
    assert config.is_file(), f"{tree} has no {case.config}"
    # An empty run directory: the Snakefile then loads its own tree's config.yaml.
    assert not (workdir / "config.yaml").exists()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(tree / "Snakefile")]
    cmd += ["--directory", str(workdir), "-c", "2", *case.targets]
    cmd += ["--replace-workflow-config"] if case.replace else []
    cmd += ["--configfile", str(config)]
    pythonpath = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {
        **os.environ,
        "MNIST_MIRROR": str(MNIST_DIR),
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "LOSSLANDSCAPE_IMPORT_AUDIT": str(audit),
    }
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
    seconds = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    (base / "snakemake.out").write_text(out)
    side = "baseline" if tree != REPO else "this checkout"
    assert proc.returncode == 0, (
        f"[{case.name}] the workflow of {side} ({tree}) failed; output in "
        f"{base / 'snakemake.out'}; command: {' '.join(cmd)}\n{out[-5000:]}"
    )
    print(f"[{case.name}] {side}: {seconds:.1f} s: {' '.join(cmd)}")
    return Run(tree, workdir, audit, seconds, cmd)


# --------------------------------------------------------------------------------------------
# Renames
# --------------------------------------------------------------------------------------------


def rename_record(record: Any) -> Any:
    """The baseline's provenance record with RENAMED_SECTIONS applied (a copy).

    Only the figure kind ("figure", "params.figure") and the keys of "params.render" change.
    """
    if not isinstance(record, dict):
        return record
    out = copy.deepcopy(record)
    if isinstance(out.get("figure"), str):
        out["figure"] = RENAMED_SECTIONS.get(out["figure"], out["figure"])
    params = out.get("params")
    if isinstance(params, dict):
        if isinstance(params.get("figure"), str):
            params["figure"] = RENAMED_SECTIONS.get(params["figure"], params["figure"])
        if isinstance(params.get("render"), dict):
            params["render"] = {RENAMED_SECTIONS.get(k, k): v for k, v in params["render"].items()}
            for kind, frames in OLD_DEFAULT_FRAMES.items():
                section = params["render"].get(kind)
                if isinstance(section, dict) and section.get("frames") == frames:
                    section["frames"] = None
            for (kind, key), (old_value, new_value) in CHANGED_DEFAULTS.items():
                section = params["render"].get(kind)
                if isinstance(section, dict) and section.get(key) == old_value:
                    section[key] = new_value
            sheet = params["render"].get("contact_sheet")
            if isinstance(sheet, dict):
                sheet.update(NEW_CONTACT_SHEET_OPTIONS)
    return out


def without_new_inputs(record: Any) -> Any:
    """A new provenance record without the inputs added on purpose (a copy): a page's
    `plotly_js`, a contact sheet's `summary` (empty unless it is ordered by a column)."""
    if not isinstance(record, dict) or not isinstance(record.get("inputs"), dict):
        return record
    out = copy.deepcopy(record)
    out["inputs"].pop("plotly_js", None)
    if out["inputs"].get("summary") == []:
        del out["inputs"]["summary"]
    return out


def rename_path(rel: str) -> str:
    """The new name of a baseline output path (itself when it was not renamed)."""
    for pattern, replacement in PATH_RENAMES:
        if pattern.fullmatch(rel):
            return pattern.sub(replacement, rel)
    return rel


def canonical(value: Any) -> str:
    """Key-sorted compact JSON: equal only for equal types and values (1 != 1.0 != true)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_diff(a: Any, b: Any, path: str = "$", out: list[str] | None = None) -> list[str]:
    """Where two JSON values differ, as one line per differing leaf or key."""
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in b:
                out.append(f"{path}.{key}: only in the baseline record (after the renames)")
            elif key not in a:
                out.append(f"{path}.{key}: only in the new record")
            else:
                json_diff(a[key], b[key], f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            json_diff(x, y, f"{path}[{i}]", out)
    elif canonical(a) != canonical(b):
        out.append(f"{path}: baseline {canonical(a)[:300]} != new {canonical(b)[:300]}")
    return out


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


@dataclass
class Report:
    """Differences found (one precise line each) and which rename branch each figure matched."""

    problems: list[str] = field(default_factory=list)
    branches: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def branch(self, name: str, where: str) -> None:
        self.branches[name] += 1
        self.examples.setdefault(name, where)


def compare_provenance(where: str, old_text: str, new_text: str, report: Report) -> None:
    """The new record must equal the baseline's after the renames (or, before the
    restructuring lands, the baseline's unchanged)."""
    try:
        old = json.loads(old_text)
    except ValueError as exc:
        report.problems.append(f"{where}: the baseline's provenance is not JSON ({exc})")
        return
    try:
        new = json.loads(new_text)
    except ValueError as exc:
        report.problems.append(f"{where}: the new provenance is not JSON ({exc})")
        return
    if (old_text == canonical(old)) != (new_text == canonical(new)):
        report.problems.append(
            f"{where}: provenance serialised differently (baseline key-sorted compact JSON: "
            f"{old_text == canonical(old)}, new: {new_text == canonical(new)})"
        )
    renamed = rename_record(old)
    new = without_new_inputs(new)
    if canonical(new) == canonical(renamed):
        if canonical(renamed) == canonical(old):
            report.branch("provenance: no renamed name in the record", where)
        else:
            report.branch("provenance: new == renamed baseline (restructuring landed)", where)
    elif canonical(new) == canonical(old):
        # This branch exists only because the comparison must hold both before and after the
        # restructuring lands: today the new tree still writes the baseline's names.
        report.branch("provenance: new == baseline unrenamed (restructuring not landed)", where)
    else:
        diff = json_diff(renamed, new)
        shown = "; ".join(diff[:8]) + (f"; ... {len(diff) - 8} more" if len(diff) > 8 else "")
        report.problems.append(
            f"{where}: provenance differs from the baseline's after the renames "
            f"(and from the baseline's unrenamed): {shown}"
        )


def first_difference(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Index of the first element where two sequences differ (or the shorter length)."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG file, in order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt"}


def compare_png(where: str, a: bytes, b: bytes, report: Report) -> None:
    """Mode, size, pixels, every non-text chunk exactly; text chunks exactly but provenance."""
    with Image.open(io.BytesIO(a)) as old, Image.open(io.BytesIO(b)) as new:
        old.load()
        new.load()
        for what, x, y in (("mode", old.mode, new.mode), ("size", old.size, new.size)):
            if x != y:
                report.problems.append(f"{where}: PNG {what} {x} (baseline) != {y} (new)")
        if old.tobytes() != new.tobytes():
            report.problems.append(
                f"{where}: PNG pixels differ (first differing byte of the raw {old.mode} data: "
                f"{first_difference(old.tobytes(), new.tobytes())})"
            )
        old_text, new_text = dict(old.text), dict(new.text)  # type: ignore[attr-defined]
        if set(old_text) != set(new_text):
            report.problems.append(
                f"{where}: PNG text chunks {sorted(old_text)} (baseline) != {sorted(new_text)}"
            )
        for key in sorted(set(old_text) & set(new_text)):
            if key == PROVENANCE_CHUNK:
                compare_provenance(
                    f"{where} [PNG text {key!r}]", old_text[key], new_text[key], report
                )
            elif old_text[key] != new_text[key]:
                report.problems.append(f"{where}: PNG text chunk {key!r} differs")
        old_info = {k: v for k, v in old.info.items() if k not in old_text}
        new_info = {k: v for k, v in new.info.items() if k not in new_text}
        if old_info != new_info:
            report.problems.append(f"{where}: PNG info {old_info} (baseline) != {new_info}")
    old_chunks = [c for c in png_chunks(a) if c[0] not in TEXT_CHUNKS]
    new_chunks = [c for c in png_chunks(b) if c[0] not in TEXT_CHUNKS]
    if [t for t, _ in old_chunks] != [t for t, _ in new_chunks]:
        report.problems.append(
            f"{where}: PNG non-text chunk sequence {[t.decode() for t, _ in old_chunks]} "
            f"(baseline) != {[t.decode() for t, _ in new_chunks]}"
        )
    else:
        for i, ((kind, x), (_, y)) in enumerate(zip(old_chunks, new_chunks, strict=True)):
            if x != y:
                report.problems.append(f"{where}: PNG {kind.decode()} chunk #{i} differs")


def gif_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """The blocks of a GIF file in order, as (label, bytes); a comment as ("comment", its text).

    Labels name the frame a block belongs to, so a difference can be reported precisely.
    """
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF signature")
    out = [("header and logical screen descriptor", data[:13])]
    pos, frame = 13, 0
    if data[10] & 0x80:
        size = 3 * 2 ** ((data[10] & 7) + 1)
        out.append(("global colour table", data[pos : pos + size]))
        pos += size

    def sub_blocks(pos: int) -> tuple[bytes, int]:
        payload = bytearray()
        while data[pos]:
            payload += data[pos + 1 : pos + 1 + data[pos]]
            pos += 1 + data[pos]
        return bytes(payload), pos + 1

    while True:
        intro = data[pos]
        if intro == 0x3B:
            out.append(("trailer", data[pos:]))
            return out
        if intro == 0x21:
            label = data[pos + 1]
            payload, end = sub_blocks(pos + 2)
            if label == 0xFE:
                out.append(("comment", payload))
            elif label == 0xF9:
                out.append((f"frame {frame} graphic control extension", data[pos:end]))
            elif label == 0xFF:
                out.append(("application extension", data[pos:end]))
            else:
                out.append((f"extension 0x{label:02x}", data[pos:end]))
            pos = end
        elif intro == 0x2C:
            flags = data[pos + 9]
            out.append((f"frame {frame} image descriptor", data[pos : pos + 10]))
            pos += 10
            if flags & 0x80:
                size = 3 * 2 ** ((flags & 7) + 1)
                out.append((f"frame {frame} local colour table", data[pos : pos + size]))
                pos += size
            _, end = sub_blocks(pos + 1)  # after the LZW minimum code size
            out.append((f"frame {frame} image data", data[pos:end]))
            pos, frame = end, frame + 1
        else:
            raise ValueError(f"unexpected GIF block introducer 0x{intro:02x} at byte {pos}")


def describe_gif_block(label: str, a: bytes, b: bytes) -> str:
    """What differs in two versions of a GIF block (delays and loop counts decoded)."""
    if "graphic control" in label and len(a) >= 8 and len(b) >= 8:
        delay_a, delay_b = int.from_bytes(a[4:6], "little"), int.from_bytes(b[4:6], "little")
        disposal_a, disposal_b = (a[3] >> 2) & 7, (b[3] >> 2) & 7
        return (
            f"{label}: duration {10 * delay_a} ms, disposal {disposal_a} (baseline) != "
            f"{10 * delay_b} ms, disposal {disposal_b} (new) or transparency differs"
        )
    if label == "application extension" and a[3:14] == b[3:14] == b"NETSCAPE2.0":
        loop_a, loop_b = int.from_bytes(a[16:18], "little"), int.from_bytes(b[16:18], "little")
        return f"{label}: loop {loop_a} (baseline) != {loop_b} (new)"
    i = first_difference(a, b)
    return f"{label} differs ({len(a)} bytes in the baseline, {len(b)} new; first at byte {i})"


def compare_gif(where: str, a: bytes, b: bytes, report: Report) -> None:
    """Every block exactly but the comment (provenance), then the decoded frames.

    The blocks: header, global and local palettes, each frame's graphic control (duration,
    disposal), image descriptor and pixel indices, the loop count; the comment is compared as a
    provenance record. Decoded with Pillow: number of frames, each frame's mode, size, pixels
    (frames after the first as Pillow composites them, in RGB), palette and info (duration,
    loop, ...).
    """
    old_blocks, new_blocks = gif_blocks(a), gif_blocks(b)
    old_labels, new_labels = [x for x, _ in old_blocks], [x for x, _ in new_blocks]
    if old_labels != new_labels:
        i = first_difference(old_labels, new_labels)
        report.problems.append(
            f"{where}: GIF block sequence differs from block {i}: baseline "
            f"{old_labels[i : i + 3]} != new {new_labels[i : i + 3]} ({len(old_labels)} vs "
            f"{len(new_labels)} blocks)"
        )
    else:
        for (label, x), (_, y) in zip(old_blocks, new_blocks, strict=True):
            if label == "comment":
                compare_provenance(
                    f"{where} [GIF comment]", x.decode("utf-8"), y.decode("utf-8"), report
                )
            elif x != y:
                report.problems.append(f"{where}: {describe_gif_block(label, x, y)}")
    with Image.open(io.BytesIO(a)) as old, Image.open(io.BytesIO(b)) as new:
        n_old, n_new = getattr(old, "n_frames", 1), getattr(new, "n_frames", 1)
        if n_old != n_new:
            report.problems.append(f"{where}: GIF has {n_old} frames (baseline) != {n_new} (new)")
        for i in range(min(n_old, n_new)):
            old.seek(i)
            new.seek(i)
            old.load()
            new.load()
            frame = f"{where} frame {i} (decoded)"
            for what, x, y in (("mode", old.mode, new.mode), ("size", old.size, new.size)):
                if x != y:
                    report.problems.append(f"{frame}: {what} {x} (baseline) != {y} (new)")
            if old.getpalette() != new.getpalette():
                report.problems.append(f"{frame}: palette differs")
            if old.tobytes() != new.tobytes():
                report.problems.append(
                    f"{frame}: pixels differ (first differing byte of the raw {old.mode} data: "
                    f"{first_difference(old.tobytes(), new.tobytes())})"
                )
            # duration, loop, background, version, ...; Pillow's "extension" holds the file
            # offset of the application extension, which moves with the comment's length.
            old_info, new_info = (
                {k: v[0] if k == "extension" else v for k, v in im.info.items() if k != "comment"}
                for im in (old, new)
            )
            if old_info != new_info:
                report.problems.append(f"{frame}: info {old_info} (baseline) != {new_info} (new)")
            if (old.info.get("comment") is None) != (new.info.get("comment") is None):
                report.problems.append(f"{frame}: a comment in only one of the two files")


def compare_html(where: str, a: bytes, b: bytes, report: Report) -> None:
    """The whole page exactly, but the provenance <meta> compared as a record after renames."""
    old, new = a.decode("utf-8"), b.decode("utf-8")
    old_meta, new_meta = META_RE.findall(old), META_RE.findall(new)
    if len(old_meta) != 1 or len(new_meta) != 1:
        report.problems.append(
            f"{where}: {len(old_meta)} (baseline) and {len(new_meta)} (new) provenance <meta> "
            "tags; expected one each"
        )
        return
    compare_provenance(
        f"{where} [HTML meta provenance]",
        html.unescape(old_meta[0]),
        html.unescape(new_meta[0]),
        report,
    )
    placeholder = '<meta name="losslandscape-provenance" content="(compared as JSON)">'
    old_rest, new_rest = META_RE.sub(placeholder, old), META_RE.sub(placeholder, new)
    if SHARED_PLOTLY.search(new_rest):
        # the same page but for where plotly.js comes from (and the whitespace around it)
        old_rest = BETWEEN_TAGS.sub("><", INLINE_PLOTLY.sub("", old_rest, count=1))
        new_rest = BETWEEN_TAGS.sub("><", SHARED_PLOTLY.sub("", new_rest, count=1))
        report.branch("HTML: baseline's inline plotly.js == new shared plotly.js", where)
    if old_rest != new_rest:
        i = first_difference(old_rest, new_rest)
        line = old_rest.count("\n", 0, i) + 1
        report.problems.append(
            f"{where}: HTML differs outside the provenance <meta>, from line {line} (character "
            f"{i}): baseline {old_rest[i : i + 80]!r} != new {new_rest[i : i + 80]!r}"
        )


def describe_parquet(where: str, a: Path, b: Path) -> str:
    """Which part of two different Parquet files differs (schema, a metadata key, a column)."""
    try:
        import pyarrow.parquet as pq

        old, new = pq.read_table(a), pq.read_table(b)
    except Exception as exc:  # noqa: BLE001 - only for the message
        return f"{where}: bytes differ (not readable as Parquet: {exc})"
    parts = []
    if old.schema.remove_metadata() != new.schema.remove_metadata():
        parts.append(f"schema {old.schema.remove_metadata()} != {new.schema.remove_metadata()}")
    old_meta, new_meta = old.schema.metadata or {}, new.schema.metadata or {}
    for key in sorted(set(old_meta) | set(new_meta)):
        if old_meta.get(key) != new_meta.get(key):
            detail = ""
            if key == b"losslandscape" and key in old_meta and key in new_meta:
                with contextlib.suppress(ValueError):
                    detail = ": " + "; ".join(
                        json_diff(json.loads(old_meta[key]), json.loads(new_meta[key]))[:8]
                    )
            parts.append(f"metadata key {key.decode(errors='replace')!r} differs{detail}")
    for name in old.column_names:
        if name in new.column_names and not old.column(name).equals(new.column(name)):
            parts.append(f"column {name!r} differs")
    return f"{where}: Parquet bytes differ: " + ("; ".join(parts) or "same table and metadata")


def compare_file(old_rel: str, new_rel: str, old: Run, new: Run, report: Report) -> None:
    a_path, b_path = old.workdir / old_rel, new.workdir / new_rel
    where = old_rel if old_rel == new_rel else f"{old_rel} -> {new_rel}"
    a, b = a_path.read_bytes(), b_path.read_bytes()
    suffix = a_path.suffix.lower()
    if a == b:
        if suffix in (".png", ".gif", ".html"):
            report.branch("figure byte-identical", where)
        return
    decoders = {".png": compare_png, ".gif": compare_gif, ".html": compare_html}
    if suffix in decoders:
        try:
            decoders[suffix](where, a, b, report)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be decoded is a difference
            report.problems.append(
                f"{where}: bytes differ and the {suffix[1:].upper()} files could not be compared "
                f"decoded ({type(exc).__name__}: {exc})"
            )
    elif suffix == ".parquet":
        report.problems.append(describe_parquet(where, a_path, b_path))
    else:
        i = first_difference(a, b)
        report.problems.append(
            f"{where}: bytes differ ({len(a)} bytes in the baseline, {len(b)} new; first "
            f"difference at byte {i}: {a[i : i + 40]!r} != {b[i : i + 40]!r})"
        )


def output_files(workdir: Path) -> set[str]:
    """Every file under the compared trees, relative to the run directory (POSIX paths)."""
    files = set()
    for top in COMPARED:
        root = workdir / top
        if root.is_dir():
            files |= {p.relative_to(workdir).as_posix() for p in root.rglob("*") if p.is_file()}
    return files


def match_paths(old: set[str], new: set[str], report: Report) -> dict[str, str]:
    """Baseline path -> new path: the renamed path where the new run has it, else the same."""
    mapping = {}
    for rel in sorted(old):
        renamed = rename_path(rel)
        if renamed != rel and renamed in new:
            mapping[rel] = renamed
            report.branch("path: renamed (restructuring landed)", f"{rel} -> {renamed}")
        else:
            mapping[rel] = rel
            if renamed != rel:
                # As for the records: only so that the test holds before the restructuring too.
                report.branch("path: baseline name kept (restructuring not landed)", rel)
    return mapping


def short(lines: list[str], limit: int = 40) -> str:
    more = f"\n  ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n  " + "\n  ".join(lines[:limit]) + more


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_outputs_unchanged(runs: Runs, case: Case) -> None:
    pair = runs.get(case)
    old_files, new_files = output_files(pair.old.workdir), output_files(pair.new.workdir)
    assert any(f.startswith("results/") for f in old_files), f"[{case.name}] no baseline results"
    assert any(f.startswith("resources/mnist/") for f in old_files), old_files

    report = Report()
    mapping = match_paths(old_files, new_files, report)
    missing = sorted(f"{o} (expected as {n})" if o != n else o for o, n in mapping.items()
                     if n not in new_files)  # fmt: skip
    extra = sorted(f for f in new_files - set(mapping.values()) if not NEW_VIEWS.match(f))
    assert not missing and not extra, (
        f"[{case.name}] the output files differ (paths relative to the run directory):\n"
        f"baseline files the new run lacks:{short(missing) if missing else ' none'}\n"
        f"new files the baseline lacks:{short(extra) if extra else ' none'}"
    )
    for old_rel, new_rel in sorted(mapping.items()):
        if case.name in FRAMES_CHANGED and FRAMES_CHANGED[case.name].match(new_rel):
            report.branch("frames scaled to the run (changed on purpose; exists)", new_rel)
            continue
        compare_file(old_rel, new_rel, pair.old, pair.new, report)

    print(f"[{case.name}] {len(mapping)} files compared; rename branches matched:")
    for name, count in sorted(report.branches.items()):
        print(f"  {name}: {count} (e.g. {report.examples[name]})")
    assert not report.problems, (
        f"[{case.name}] {len(report.problems)} differences between the baseline "
        f"({pair.old.workdir}) and this checkout ({pair.new.workdir}):{short(report.problems)}"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_tree_runs_its_own_package(runs: Runs, case: Case) -> None:
    """Every process of each run that imported losslandscape took it from its own tree's src/:
    the Snakemake process (which reads the rules) and the job processes (scripts)."""
    pair = runs.get(case)
    for side, run in (("baseline", pair.old), ("this checkout", pair.new)):
        own = (run.tree / "src" / "losslandscape").resolve()
        records = [json.loads(p.read_text()) for p in sorted(run.audit.glob("*.json"))]
        assert records, f"[{case.name}] {side}: no process wrote an import record"
        main, jobs, foreign = [], [], []
        for record in records:
            files = [f for f in record["modules"].values() if f]
            for f in files:
                if not Path(f).resolve().is_relative_to(own):
                    foreign.append(f"{' '.join(record['argv'])[:150]}: {f}")
            if not record["modules"]:
                continue
            argv0 = record["argv"][0] if record["argv"] else ""
            is_main = argv0.replace(os.sep, "/").endswith("snakemake/__main__.py")
            (main if is_main else jobs).append(record)
        assert not foreign, (
            f"[{case.name}] {side}: losslandscape imported from outside {own}:{short(foreign)}"
        )
        assert main, f"[{case.name}] {side}: the Snakemake process did not import losslandscape"
        assert jobs, f"[{case.name}] {side}: no job process imported losslandscape"
        print(
            f"[{case.name}] {side}: {len(main)} Snakemake and {len(jobs)} job processes "
            f"imported losslandscape, all from {own}"
        )


def test_every_figure_kind_is_covered(runs: Runs, old_tree: Path) -> None:
    """The configs above make every figure kind of the baseline at least once (so every kind's
    output is compared), and RENAMED_SECTIONS names only kinds the baseline has."""
    rules = "".join(p.read_text() for p in sorted((old_tree / "workflow" / "rules").glob("*.smk")))
    kinds = set(re.findall(r'figure_params\(\s*"(\w+)"', rules))
    assert len(kinds) >= 10, kinds
    assert set(RENAMED_SECTIONS) <= kinds, set(RENAMED_SECTIONS) - kinds
    seen: dict[str, set[str]] = {}
    for case in CASES:
        workdir = runs.get(case).old.workdir
        for path in sorted((workdir / "results" / "figures").rglob("*")):
            text = None
            if path.suffix == ".png":
                with Image.open(path) as im:
                    text = im.text.get(PROVENANCE_CHUNK)  # type: ignore[attr-defined]
            elif path.suffix == ".gif":
                with Image.open(path) as im:
                    text = im.info.get("comment", b"").decode("utf-8") or None
            elif path.suffix == ".html":
                found = META_RE.findall(path.read_text(encoding="utf-8"))
                text = html.unescape(found[0]) if found else None
            if text:
                seen.setdefault(json.loads(text)["figure"], set()).add(case.name)
    assert kinds <= set(seen), f"figure kinds no config makes: {sorted(kinds - set(seen))}"
    print(
        "figure kinds -> configs: "
        + ", ".join(f"{k}: {sorted(v)}" for k, v in sorted(seen.items()))
    )
