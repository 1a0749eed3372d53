from .calendar import CalendarDay
from .case import Case, CaseCategory, CaseEvent, CaseEventAttachment, CaseNumberCounter, CaseQuerySet, MediationSession
from .reminders import (
    Delivery,
    LookupCode,
    NotificationPreference,
    PetitionerNotice,
    Reminder,
    SmsQuietHours,
    SmsTemplate,
    SubmissionCode,
    UnitWebhook,
)

__all__ = [
    "CalendarDay", "Case", "CaseCategory", "CaseEvent", "CaseEventAttachment", "CaseNumberCounter", "CaseQuerySet", "Delivery", "LookupCode", "MediationSession",
    "NotificationPreference", "PetitionerNotice", "Reminder", "SmsQuietHours", "SmsTemplate", "SubmissionCode", "UnitWebhook",
]
