"""`python -m losslandscape`: the package's command line (losslandscape.cli)."""

import sys

from .cli import main

sys.exit(main())
