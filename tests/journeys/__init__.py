"""Journey tests: whole repairs through the public surfaces only (issue 10, point 7)."""

import pytest

pytest.register_assert_rewrite("tests.journeys.cast", "tests.journeys.harness")
