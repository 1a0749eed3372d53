from .calendar import CalendarDay
from .case import Case, CaseCategory, CaseEvent, CaseEventAttachment, CaseNumberCounter, CaseQuerySet, MediationSession
from .reminders import Delivery, NotificationPreference, Reminder, SmsQuietHours, SmsTemplate, UnitWebhook

__all__ = [
    "CalendarDay", "Case", "CaseCategory", "CaseEvent", "CaseEventAttachment", "CaseNumberCounter", "CaseQuerySet", "Delivery", "MediationSession",
    "NotificationPreference", "Reminder", "SmsQuietHours", "SmsTemplate", "UnitWebhook",
]
