from .case import Case, CaseCategory, CaseEvent, CaseEventAttachment, CaseNumberCounter, CaseQuerySet, MediationSession
from .reminders import Delivery, NotificationPreference, Reminder, UnitWebhook

__all__ = [
    "Case", "CaseCategory", "CaseEvent", "CaseEventAttachment", "CaseNumberCounter", "CaseQuerySet", "Delivery", "MediationSession",
    "NotificationPreference", "Reminder", "UnitWebhook",
]
