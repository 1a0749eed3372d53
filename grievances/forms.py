from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Unit, User, phone_validator
from accounts.regions import prefix_of
from accounts.roles import Role
from core import pii
from core.forms import MultipleFileField, StyledFormMixin

from . import online
from .models import Case, CaseCategory, MediationSession, NotificationPreference
from .workflow import INTAKE_UNIT_KINDS


class CaseRegisterForm(StyledFormMixin, forms.ModelForm):
    """登记: what the petition office writes down when a matter comes in."""

    village = forms.ModelChoiceField(label=_("Village"), queryset=Region.objects.none())
    petitioner_phone = forms.CharField(label=_("Petitioner's phone"), max_length=11, required=False, validators=[phone_validator])

    petitioner_id_number = forms.CharField(label=_("Petitioner's ID number (optional)"), max_length=18, required=False,
                                           help_text=_("Kept only as a keyed hash, to recognise the same petitioner."))

    class Meta:
        model = Case
        fields = ["type", "source", "category", "summary", "petitioner_name", "petitioner_phone", "petitioner_id_number", "head_count",
                  "skipped_level", "abnormal", "village"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True)
        self.fields["category"].required = True
        villages = Region.objects.villages().select_related("parent")
        if not user.is_superuser:
            # Where the user is the intake office; nowhere otherwise.
            intake = user.unit_id and user.has_role(Role.HANDLER) and user.unit.kind in INTAKE_UNIT_KINDS
            villages = villages.in_region(user.unit.region_id) if intake else villages.none()
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.parent.name} · {v.name}"
        self.fields["head_count"].help_text = _("Five or more people make a collective petition (集体访).")

    def clean_petitioner_id_number(self):
        value = pii.normalise_id_number(self.cleaned_data["petitioner_id_number"])
        if value and not pii.is_valid_id_number(value):
            raise forms.ValidationError(_("This is not a valid 18-digit ID number."))
        return value


class RepeatChoiceForm(forms.Form):
    """The registrar's answer when the case looks like one registered before (grievances/repeats.py): link it as the
    repeat of one of the matches shown, or register it as a new matter."""

    repeat_of = forms.TypedChoiceField(coerce=int, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repeat_of"].choices = [("", _("A new matter: register it")), *[(m.case.pk, m.case.number) for m in matches]]
        self.fields["repeat_of"].empty_value = None


class NoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (the petitioner is told)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CaseAssignForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    leader = forms.ModelChoiceField(label=_("Responsible leader"), queryset=User.objects.none())
    handlers = forms.ModelMultipleChoiceField(label=_("Handlers"), queryset=User.objects.none(), required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 4}))
    level = forms.ChoiceField(label=_("Handling level"), choices=Case.Level.choices)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        # Units of the village, its township and its county: the region codes that prefix the village's.
        ancestors = [case.village_id[:n].ljust(12, "0") for n in (6, 9, 12)]
        units = Unit.objects.filter(region_id__in=ancestors).select_related("region")
        self.fields["unit"].queryset = units
        self.fields["leader"].queryset = User.objects.filter(is_active=True, groups__name=Role.LEADER.value, unit__in=units).distinct()
        self.fields["handlers"].queryset = User.objects.filter(is_active=True, groups__name=Role.HANDLER.value, unit__in=units).select_related("unit")
        self.fields["handlers"].label_from_instance = lambda u: f"{u.real_name}（{u.unit}）"
        self.initial.setdefault("level", case.level)


class ResolveForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Case.Outcome.choices)
    reply = forms.CharField(label=_("Reply to the petitioner"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class EvaluateForm(StyledFormMixin, forms.Form):
    satisfaction = forms.ChoiceField(label=_("Petitioner's rating"), choices=Case.Satisfaction.choices)
    callback = forms.BooleanField(label=_("Recorded on a return call (回访)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ExtendForm(StyledFormMixin, forms.Form):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("Reason (the petitioner is told)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionRequestForm(ExtendForm):
    pass


class TransferForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Transfer to"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("Why"), max_length=2000)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        ancestors = [case.village_id[:n].ljust(12, "0") for n in (6, 9, 12)]
        self.fields["unit"].queryset = Unit.objects.filter(region_id__in=ancestors).exclude(pk=case.unit_id)


class MediationForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of mediation"), choices=MediationSession.Kind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    mediator = forms.CharField(label=_("Mediator"), max_length=100)
    result = forms.ChoiceField(label=_("Result"), choices=MediationSession.Result.choices)
    agreement = forms.CharField(label=_("Agreement"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


# Which form each move takes, and how its cleaned data becomes the service's arguments.
MOVE_FORMS = {
    "accept": NoteForm, "start": NoteForm, "close": NoteForm, "escalate": NoteForm, "accept_transfer": NoteForm,
    "reopen": NoteForm, "reject": RejectForm, "assign": CaseAssignForm, "resolve": ResolveForm,
    "evaluate": EvaluateForm, "extend": ExtendForm, "request_extension": ExtensionRequestForm, "transfer": TransferForm,
    "supervise": NoteForm, "mediate": MediationForm,
}
NEEDS_CASE = {CaseAssignForm, TransferForm}


def move_form(action: str, case: Case, data=None, files=None):
    form_class = MOVE_FORMS[action]
    kwargs = {"case": case} if form_class in NEEDS_CASE else {}
    if action == "extend" and case.extension_requested_days:
        kwargs["initial"] = {"days": case.extension_requested_days, "reason": case.extension_reason}  # approve what was asked
    form = form_class(data, files, prefix=action, **kwargs)
    # Any move may carry a document (a written reply, an agreement): it stays with the timeline entry.
    form.fields["attachment"] = forms.FileField(
        label=_("Attachment (PDF, JPEG or PNG, optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "application/pdf,image/jpeg,image/png"}),
    )
    return form


class LookupForm(StyledFormMixin, forms.Form):
    number = forms.RegexField(label=_("Case number"), regex=r"^[Xx][Ff]-\d{4}-\d{6}$", max_length=20,
                              error_messages={"invalid": _("A case number looks like XF-2026-000123.")})
    phone_last4 = forms.RegexField(label=_("Last 4 digits of your phone"), regex=r"^\d{4}$", max_length=4,
                                   error_messages={"invalid": _("Enter 4 digits.")})



class SelfRatingForm(StyledFormMixin, forms.Form):
    """The petitioner's own rating on the lookup page, with the code texted to their phone (grievances/petitioner.py)."""

    code = forms.RegexField(label=_("Code from the text message"), regex=r"^\d{6}$", max_length=6,
                            error_messages={"invalid": _("Enter the 6 digits of the code.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    satisfaction = forms.ChoiceField(label=_("Your rating"), choices=Case.Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OnlineSubmissionForm(StyledFormMixin, forms.Form):
    """网上信访: what a petitioner fills in on the public form (grievances/online.py), the village from its county's list."""

    type = forms.ChoiceField(label=_("What is it?"), choices=[(t.value, t.label) for t in online.TYPES], widget=forms.RadioSelect,
                             initial=Case.Type.LIVELIHOOD)
    county = forms.ChoiceField(label=_("County / district"))
    village = forms.ChoiceField(label=_("Village / community"))
    summary = forms.CharField(label=_("What you ask for"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What happened, where, and what you would like done."))
    petitioner_name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Your mobile number"), max_length=11, validators=[phone_validator],
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))
    code = forms.RegexField(label=_("Code from the text message"), regex=r"^\d{6}$", max_length=6,
                            error_messages={"invalid": _("Enter the 6 digits of the code.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    photos = MultipleFileField(label=_("Photos (JPEG or PNG, up to 3, 5 MB each, optional)"), required=False)

    def __init__(self, *args, county: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code").values_list("code", "name"))
        self.fields["county"].choices = [("", _("Choose…")), *counties]
        county = county or (counties[0][0] if len(counties) == 1 else "")
        self.initial.setdefault("county", county)
        groups: dict[str, list] = {}
        if county in dict(counties):
            villages = Region.objects.villages().filter(code__startswith=prefix_of(county)).select_related("parent").order_by("code")
            for village in villages:
                groups.setdefault(village.parent.name, []).append((village.code, village.name))
        self.fields["village"].choices = [("", _("Choose…")), *groups.items()]


class CallbackForm(StyledFormMixin, forms.Form):
    """A 回访 call (services.case_callback): reached or not, how it went, and the rating given on it, if any."""

    reached = forms.BooleanField(label=_("The petitioner was reached"), required=False)
    satisfaction = forms.ChoiceField(label=_("Rating given on the call"), required=False,
                                     choices=[("", _("None given")), *Case.Satisfaction.choices])
    note = forms.CharField(label=_("How the call went"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class NotificationPreferenceForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "webhook", "sms", "daily_digest"]
