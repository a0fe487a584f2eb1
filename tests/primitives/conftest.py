from collections.abc import Iterator

import pytest

from tests.primitives import support


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Make the interpreter switch threads very often for the test's duration."""
    with support.frequent_thread_switches():
        yield
