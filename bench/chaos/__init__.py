"""The chaos benchmark: bounded load through the ams gateway of `charter up --regions ams,sin`,
one fault at a time, then recovery (see bench/README.md, "Chaos benchmark")."""
