"""Every write to groups that changes state (DESIGN convention 1), one module per section:

- `memberships`: T2 join / change tier / leave; T4 emeritus; tiers set by core maintainers; restore
- `nominations`: T3 open, object, withdraw, close at the deadline
- `charters`: G5/G6 amend, edit a section, submit, decide; `mission_summary`
- `lifecycle`: G2/G3/G4 sponsorship and activation; G7 retirement

Each transition checks the allowed source state and the actor's right, locks the row, saves with
`update_fields`, records an event in the same transaction and sends mail after commit.
Read helpers and rule checks (`current_charter`, `current_tier`, `participation_check`,
`*_refusal`) live in `groups.selectors`; they are re-exported here so `from groups.services
import X` keeps working for every name this module ever had.
"""

from ..selectors import (
    activation_refusal,
    charter_decision_refusal,
    current_charter,
    current_tier,
    lead_refusal,
    participation_check,
    sponsorship_refusal,
)
from .base import SELF_SERVICE_TIERS, article
from .charters import (
    charter_decide,
    charter_edit_section,
    charter_edit_sections,
    charter_start_amendment,
    charter_submit,
    mission_summary,
)
from .lifecycle import group_activate, retirement_decide, retirement_propose, sponsorship_record, sponsorship_withdraw
from .memberships import (
    membership_end,
    membership_join,
    membership_leave,
    membership_mark_emeritus,
    membership_restore,
    membership_set_tier,
)
from .nominations import nomination_close, nomination_object, nomination_open, nomination_withdraw

# Old names (they returned "" where the new ones return None), kept while branches written against
# them merge; use the *_refusal names in new code.
activation_problem = activation_refusal
decision_problem = charter_decision_refusal
lead_problem = lead_refusal
sponsorship_problem = sponsorship_refusal

__all__ = [
    "SELF_SERVICE_TIERS",
    "activation_problem",
    "activation_refusal",
    "article",
    "charter_decide",
    "charter_decision_refusal",
    "charter_edit_section",
    "charter_edit_sections",
    "charter_start_amendment",
    "charter_submit",
    "current_charter",
    "current_tier",
    "decision_problem",
    "group_activate",
    "lead_problem",
    "lead_refusal",
    "membership_end",
    "membership_join",
    "membership_leave",
    "membership_mark_emeritus",
    "membership_restore",
    "membership_set_tier",
    "mission_summary",
    "nomination_close",
    "nomination_object",
    "nomination_open",
    "nomination_withdraw",
    "participation_check",
    "retirement_decide",
    "retirement_propose",
    "sponsorship_problem",
    "sponsorship_refusal",
    "sponsorship_record",
    "sponsorship_withdraw",
]
