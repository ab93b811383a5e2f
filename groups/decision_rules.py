"""Who may do what with decisions (D1-D5) and quarterly reports (G8). Loaded by `groups.rules`."""

import rules

from portal.rules import is_core_maintainer

from .models import Group
from .rules import is_group_lead, is_group_member


@rules.predicate
def is_active_wg(user, group):
    """Decisions and reports are for active Working Groups; a retired group takes no proposals or votes."""
    return group is not None and group.kind == Group.Kind.WORKING and group.state == Group.State.ACTIVE


# D1: a lead of the WG opens a lazy-consensus proposal.
rules.add_rule("decisions.open_proposal", is_group_lead & is_active_wg)
# D2: any WG member (active, not emeritus; leads are members too) may block.
rules.add_rule("decisions.block", is_group_member & is_active_wg)
# D3: a lead's request opens a vote; members' requests count towards three.
rules.add_rule("decisions.request_vote", is_group_member & is_active_wg)
# D5: a lead may contest a vote's result; core maintainers designate one of themselves.
rules.add_rule("decisions.contest", is_group_lead & is_active_wg)
rules.add_rule("decisions.designate", is_core_maintainer)
# G8: the WG's leads write and publish its quarterly report.
rules.add_rule("decisions.write_report", is_group_lead & is_active_wg)
rules.add_rule("decisions.view_health", is_core_maintainer)
