from __future__ import annotations

import pytest

from .corpus import oracle_available


@pytest.fixture(scope="session")
def need_node() -> None:
    if not oracle_available():
        pytest.skip("node or tools/node/node_modules/@apollo/composition is absent")
