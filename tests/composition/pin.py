"""Refresh the pinned Apollo results in the corpus: `python -m tests.composition.pin`.

Writes `corpus/<case>/apollo.graphql` (Apollo's supergraph) or `corpus/<case>/apollo-errors.json`
(Apollo's error codes and messages), so the corpus tests mean something on machines without Node.
"""

from __future__ import annotations

import json

from .corpus import CORPUS, case_names, oracle_results


def main() -> None:
    results = oracle_results()
    for name in case_names():
        result = results[name]
        sdl_file = CORPUS / name / "apollo.graphql"
        errors_file = CORPUS / name / "apollo-errors.json"
        sdl_file.unlink(missing_ok=True)
        errors_file.unlink(missing_ok=True)
        if result["supergraph"] is not None:
            sdl_file.write_text(result["supergraph"])
        else:
            errors_file.write_text(json.dumps(result["errors"], indent=2) + "\n")
    print(f"pinned {len(case_names())} cases")


if __name__ == "__main__":
    main()
