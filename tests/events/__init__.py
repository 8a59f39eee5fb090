import pytest

# The harness is imported by the test modules before pytest loads it as a plugin.
pytest.register_assert_rewrite("tests.events.harness")
