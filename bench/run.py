"""`python -m bench.run` (what `make bench` runs): the federation benchmark with its defaults."""

from __future__ import annotations

import sys

from bench.federation.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
