"""One buddy against many incoming students: the requests a buddy may take, best fit first.

For the sections where buddies choose whom they welcome. The same scores and hard constraints
as a run (`score_edges`), and the rules the solver adds: capacity, forbidden pairs and the
nationality quota. Without a solver: the buddy decides, one student at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np

from matching.engine.policy import Policy
from matching.engine.profiles import Buddy, Incoming
from matching.engine.scoring import score_edges


def rank_for_buddy(
    buddy: Buddy,
    incoming: Sequence[Incoming],
    policy: Policy,
    reference_date: dt.date,
    *,
    forbidden: Collection[str] = (),
    nationality_quota: int | None = None,
) -> list[tuple[int, int]]:
    """(index in `incoming`, score) of every student `buddy` may take, best score first.

    Left out: any student when the buddy has no free place (`capacity` is what is left), a
    student a hard constraint rules out, one whose pair with the buddy is forbidden (ids in
    `forbidden`), one of a nationality the buddy already has `nationality_quota` students of
    (counting `assigned_nationalities`). Equal scores keep the input order.
    """
    if buddy.capacity <= 0 or not incoming:
        return []
    edges = score_edges(incoming, [buddy], policy, reference_date)
    rows, scores = edges.incoming, edges.score
    keep = np.ones(len(rows), dtype=bool)
    if forbidden:
        forbidden = set(forbidden)
        keep &= np.array([incoming[i].id not in forbidden for i in rows], dtype=bool)
    if nationality_quota is not None:
        full = {
            nat for nat, count in buddy.assigned_nationalities.items() if count >= nationality_quota
        }
        if full:
            keep &= np.array([incoming[i].nationality not in full for i in rows], dtype=bool)
    rows, scores = rows[keep], scores[keep]
    # stable: among equal scores, the caller's order (e.g. earliest arrival first) stands
    order = np.argsort(-scores.astype(np.int64), kind="stable")
    return [(int(rows[k]), int(scores[k])) for k in order]
