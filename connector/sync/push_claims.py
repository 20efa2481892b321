"""What a push's lanes keep of their claims: where a backfill's lanes have got to, and how
often the last lane has sent each contact."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence

from .queue import contact_states_release

logger = logging.getLogger(__name__)

# How often one push sends a contact (a contact edited while its push is out goes again).
MAX_SENDS = 2


class ClaimCursor:
    """The highest contact id a backfill's lanes have claimed so far."""

    def __init__(self) -> None:
        self.after = -1
        self._lock = threading.Lock()

    def passed(self, ids: Sequence[int]) -> None:
        with self._lock:
            self.after = max(self.after, *ids)


class SendLimit:
    """The push's last lane claims from the start again and again: a contact edited while
    its push was out is due again and goes out again in the same push. One that went out
    MAX_SENDS times is given back, still due, for the next cycle: a contact due again after
    every push (edited each time, or always reading as newer than what went out) cannot
    hold the cycle."""

    def __init__(self) -> None:
        self._sent: Counter[int] = Counter()

    def kept(self, token: str, ids: list[int]) -> list[int]:
        """Of the contacts just claimed under ``token``, those to send now (the others are
        released); none left ends the lane."""
        again = [pk for pk in ids if self._sent[pk] >= MAX_SENDS]
        if again:
            contact_states_release(token=token, contact_ids=again)
            logger.warning(
                "%d contacts were due again after each of their %d pushes in this cycle; "
                "the next cycle pushes them",
                len(again),
                MAX_SENDS,
            )
            ids = [pk for pk in ids if self._sent[pk] < MAX_SENDS]
        self._sent.update(ids)
        return ids
