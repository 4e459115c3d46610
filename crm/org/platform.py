"""What the organisation app hands the platform (`crm.core.extensions.Organisation`)."""

from crm.org.models import OrgUnit, Team
from crm.org.permissions import permissions_of

__all__ = ["OrgUnit", "Team", "permissions_of"]
