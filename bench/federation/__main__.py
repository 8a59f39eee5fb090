"""`python -m bench.federation --duration 20 --rounds 3 --connections 32`."""

from .runner import main

raise SystemExit(main())
