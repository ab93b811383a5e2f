"""Signals groups sends for the layers above it (DESIGN: a lower layer never imports a higher one).

`group_retired(group, by, now)` is sent inside the retirement's transaction (G2, G7): meetings cancels
the group's future meetings and ends its series, so nothing of a retired group shows as valid.
"""

from django.dispatch import Signal

group_retired = Signal()
