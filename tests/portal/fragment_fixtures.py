"""Fixtures shared by the fragment tests: pages render (response cache off, fragments on), and each
test starts a second into a minute with the clock running, so two requests never straddle a minute."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone


@pytest.fixture(autouse=True)
def _pages_render(settings):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}
    settings.FRAGMENT_CACHE = True


@pytest.fixture(autouse=True)
def _early_in_a_minute():
    start = timezone.now().replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        yield
