"""MkDocs hooks: the course notebooks (notebooks/*.ipynb) as the site's "Notebooks" section.

The notebooks live in notebooks/ at the repository root, beside docs/. These hooks add each of
them to the site's files, read in place (nothing is copied or linked into docs/), and append a
section listing them, in file-name order, to the navigation; mkdocs-jupyter then runs and
renders them like any notebook under docs/. Without a notebooks/ folder the site simply has no
such section.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

SECTION = "Notebooks"
FOLDER = "notebooks"


def notebooks(config) -> list[Path]:
    """The notebooks beside the config file, in file-name order."""
    return sorted((Path(config.config_file_path).parent / FOLDER).glob("*.ipynb"))


def on_config(config):
    """Append the Notebooks section to the navigation (each page titled by its first heading);
    the notebooks' kernels, started from this process, show no progress bars."""
    os.environ["LOSSLANDSCAPE_PROGRESS"] = "0"
    pages = [f"{FOLDER}/{path.name}" for path in notebooks(config)]
    if pages and config.nav is not None:
        config.nav.append({SECTION: pages})
    return config


@event_priority(100)  # before mkdocs-jupyter's on_files, which makes .ipynb files into pages
def on_files(files, config):
    """Add every notebook to the site's files, as notebooks/NAME.ipynb read from the repository."""
    root = str(Path(config.config_file_path).parent)
    for path in notebooks(config):
        src_uri = f"{FOLDER}/{path.name}"
        if files.get_file_from_path(src_uri) is None:
            files.append(File(src_uri, root, config.site_dir, config.use_directory_urls))
    return files


def on_serve(server, config, builder):
    """`mkdocs serve` rebuilds when a notebook changes, too."""
    folder = Path(config.config_file_path).parent / FOLDER
    if folder.is_dir():
        server.watch(str(folder))
    return server
