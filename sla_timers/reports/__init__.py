"""Reports over timer states and ticket events: compliance, two-tier service
levels, contact-centre figures, availability, service credits and periodic
review, with CSV, JSON and table output. Pure functions over iterables of
plain records, each read once, in memory bounded by the number of groups (and,
for availability, of outages). No I/O here."""

from .availability import AvailabilityRow as AvailabilityRow
from .availability import availability as availability
from .compliance import ComplianceRow as ComplianceRow
from .compliance import compliance as compliance
from .contact import ContactRow as ContactRow
from .contact import contact_figures as contact_figures
from .contracts import BreachCredit as BreachCredit
from .contracts import Contract as Contract
from .contracts import Tier as Tier
from .credits import CreditLine as CreditLine
from .credits import CreditStatement as CreditStatement
from .credits import service_credits as service_credits
from .formatting import format_duration as format_duration
from .formatting import to_csv as to_csv
from .formatting import to_json as to_json
from .formatting import to_table as to_table
from .periods import PERIOD_KINDS as PERIOD_KINDS
from .periods import Period as Period
from .periods import period_of as period_of
from .periods import periods_between as periods_between
from .records import DIMENSIONS as DIMENSIONS
from .records import OutageRecord as OutageRecord
from .records import TicketRecord as TicketRecord
from .records import TimerLike as TimerLike
from .records import TimerRecord as TimerRecord
from .records import TimerRow as TimerRow
from .records import is_excused as is_excused
from .records import provider_elapsed as provider_elapsed
from .records import ticket_record as ticket_record
from .records import timer_records as timer_records
from .records import timer_row_from_dict as timer_row_from_dict
from .review import ReviewRow as ReviewRow
from .review import TrendPoint as TrendPoint
from .review import review as review
from .service_levels import Goal as Goal
from .service_levels import ServiceLevelRow as ServiceLevelRow
from .service_levels import ServiceLevels as ServiceLevels
from .service_levels import service_levels as service_levels

__all__ = [
    "DIMENSIONS",
    "PERIOD_KINDS",
    "AvailabilityRow",
    "BreachCredit",
    "ComplianceRow",
    "ContactRow",
    "Contract",
    "CreditLine",
    "CreditStatement",
    "Goal",
    "OutageRecord",
    "Period",
    "ReviewRow",
    "ServiceLevelRow",
    "ServiceLevels",
    "TicketRecord",
    "Tier",
    "TimerLike",
    "TimerRecord",
    "TimerRow",
    "TrendPoint",
    "availability",
    "compliance",
    "contact_figures",
    "format_duration",
    "is_excused",
    "period_of",
    "periods_between",
    "provider_elapsed",
    "review",
    "service_credits",
    "service_levels",
    "ticket_record",
    "timer_records",
    "timer_row_from_dict",
    "to_csv",
    "to_json",
    "to_table",
]
