"""The pip set-up (pyproject.toml) and the conda environment (environment.yml) list the same set."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO

# conda-forge/bioconda names of PyPI packages whose names differ there
CONDA_NAME = {
    "matplotlib": "matplotlib-base",
    "snakemake": "snakemake-minimal",
    "mkdocstrings": "mkdocstrings-python",  # pip's mkdocstrings[python] is this conda package
}


def _split(requirement: str) -> tuple[str, str]:
    """('name', 'version spec without spaces') of a requirement string."""
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", requirement)
    assert m, requirement
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip = dict(_split(r) for r in project["dependencies"])
    for extra in ("test", "docs", "cluster"):
        pip.update(_split(r) for r in project["optional-dependencies"][extra])
    want = {CONDA_NAME.get(name, name): spec for name, spec in pip.items()}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    conda.pop("python")
    conda.pop("pip")
    assert conda == want
