import datetime
import uuid

from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.exports import ExportPurposeForm
from accounts.models import Region, Unit, User
from accounts.roles import Role
from core import pii
from core.forms import MultipleFileField, StyledFormMixin
from grievances.models import Case

from .models import Campaign, Evaluation, Flag, FlagRule, Household, HouseholdTag, ImportJob, TargetVillage, Visit, VisitKind
from .roster.files import FileProblem, check_upload

# What each kind of campaign starts from (seed 000: 三同四民 is one week, twice a year, one theme).
KIND_DEFAULTS = {
    Campaign.Kind.SANTONG_SIMIN: {"days": 7, "theme": "访民情、解民忧、办实事、促和谐", "households": 10, "nights": 3, "deeds": 2},
    Campaign.Kind.THOUSAND_CADRES: {"days": 60, "theme": "送政策、送温暖、送技术、送信息、送法律", "households": 30, "nights": 10, "deeds": 5},
    Campaign.Kind.TEN_THOUSAND_CADRES: {"days": 90, "theme": "下基层、办实事、解民忧、促和谐", "households": 30, "nights": 10, "deeds": 5},
    Campaign.Kind.URBAN: {"days": 30, "theme": "为市民解忧、促城区和谐", "households": 20, "nights": 0, "deeds": 3},
    Campaign.Kind.CUSTOM: {"days": 7, "theme": "", "households": 0, "nights": 0, "deeds": 0},
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def initial_for_kind(kind: str, today: datetime.date | None = None) -> dict:
    defaults = KIND_DEFAULTS[kind]
    start = (today or timezone.localdate()) + datetime.timedelta(days=7)
    return {
        "kind": kind,
        "name": str(Campaign.Kind(kind).label),
        "theme": defaults["theme"],
        "start_date": start,
        "end_date": start + datetime.timedelta(days=defaults["days"] - 1),
        "target_households_visited": defaults["households"],
        "target_nights_stayed": defaults["nights"],
        "target_deeds_done": defaults["deeds"],
    }


class CampaignForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "kind", "name", "theme", "organiser_region", "organiser_unit", "start_date", "end_date",
            "target_households_visited", "target_nights_stayed", "target_deeds_done",
        ]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Only regions at or above county level inside the user's jurisdiction can organise.
        regions = Region.objects.visible_to(user).filter(level__lte=Region.Level.TOWNSHIP)
        if not user.is_superuser and user.jurisdiction_id:
            regions = regions.in_region(user.jurisdiction_id)
        self.fields["organiser_region"].queryset = regions
        self.fields["organiser_unit"].queryset = Unit.objects.visible_to(user).select_related("region")
        if self.instance.pk and self.instance.status == Campaign.Status.ACTIVE:
            for name in ("kind", "organiser_region", "organiser_unit", "start_date"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        unit, region = data.get("organiser_unit"), data.get("organiser_region")
        if unit and region and not unit.region_id.startswith(region.prefix):
            self.add_error("organiser_unit", _("The organising unit must belong to the organising region."))
        return data


class TargetVillageForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = TargetVillage
        fields = [*TargetVillage.FLAGS, "helping_unit"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helping_unit"].queryset = Unit.objects.visible_to(user)


class AssignForm(StyledFormMixin, forms.Form):
    """Assign by unit (all its cadres), by ticking people, or by a pasted list of usernames or phones."""

    unit = forms.ModelChoiceField(label=_("All cadres of a unit"), queryset=Unit.objects.none(), required=False)
    cadres = forms.ModelMultipleChoiceField(
        label=_("Chosen cadres"), queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    pasted = forms.CharField(
        label=_("Usernames or phone numbers, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    start_date = forms.DateField(label=_("from"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("to"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        cadres = User.objects.visible_to(user).filter(is_active=True, groups__name=Role.CADRE.value)
        self.cadre_pool = cadres
        self.fields["cadres"].queryset = cadres.select_related("unit").order_by("unit__name", "real_name")
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(members__in=cadres).distinct()

    def clean(self):
        data = super().clean()
        ids = {c.pk for c in data.get("cadres") or []}
        if data.get("unit"):
            ids |= set(self.cadre_pool.filter(unit=data["unit"]).values_list("pk", flat=True))
        names = [line.strip() for line in (data.get("pasted") or "").splitlines() if line.strip()]
        if names:
            found = dict(self.cadre_pool.filter(username__in=names).values_list("username", "pk"))
            found |= dict(self.cadre_pool.filter(phone__in=names).values_list("phone", "pk"))
            unknown = [name for name in names if name not in found]
            if unknown:
                self.add_error("pasted", _("Not cadres of your jurisdiction: %(names)s") % {"names": "、".join(unknown)})
            ids |= set(found.values())
        if not ids and not self.errors:
            raise forms.ValidationError(_("Choose a unit, tick cadres or paste a list."))
        data["cadre_ids"] = sorted(ids)
        return data


class ReassignForm(StyledFormMixin, forms.Form):
    target = forms.ModelChoiceField(label=_("Move to"), queryset=TargetVillage.objects.none())

    def __init__(self, *args, assignment, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            TargetVillage.objects.visible_to(user).filter(campaign_id=assignment.target_village.campaign_id)
            .exclude(pk=assignment.target_village_id).select_related("village")
        )


MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    campaign = forms.ModelChoiceField(label=_("Campaign (for assignments)"), queryset=Campaign.objects.none(), required=False)
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.managed_by(user).exclude(status=Campaign.Status.CLOSED)

    def clean_campaign(self):
        # Only an assignment file belongs to a campaign.
        return self.cleaned_data["campaign"] if self.data.get("kind") == ImportJob.Kind.ASSIGNMENTS else None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel (.xlsx) or CSV (.csv) file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it into smaller files."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        try:
            check_upload(upload)  # a workbook declaring more rows than an import takes is refused here, at once
        except FileProblem as problem:
            raise forms.ValidationError(str(problem)) from None
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportJob.Kind.ASSIGNMENTS and not data.get("campaign"):
            self.add_error("campaign", _("Choose the campaign the assignments belong to."))
        return data


# --- Field work ---------------------------------------------------------------------------


class LocationFields(forms.Form):
    """Filled by static/js/fieldwork.js when the phone allows geolocation; empty otherwise."""

    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy = forms.IntegerField(required=False, min_value=0, max_value=1_000_000, widget=forms.HiddenInput)

    def clean_latitude(self):
        value = self.cleaned_data["latitude"]
        return round(value, 6) if value is not None else None

    def clean_longitude(self):
        value = self.cleaned_data["longitude"]
        return round(value, 6) if value is not None else None


class EnteredOnPhoneField(forms.Form):
    """Set by static/js/outbox.js as the cadre saves: the phone's time, which a kept entry sends later."""

    phone_recorded_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class CheckInForm(LocationFields, EnteredOnPhoneField):
    pass


class VisitForm(StyledFormMixin, LocationFields, EnteredOnPhoneField):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none(), required=False,
                                       empty_label=_("— village-level activity —"))
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_WIDGET)
    kinds = forms.MultipleChoiceField(label=_("Kinds of visit"), choices=VisitKind.choices, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    ate_together = forms.BooleanField(label=_("Ate together"), required=False)
    stayed_overnight = forms.BooleanField(label=_("Stayed overnight"), required=False)
    laboured_together = forms.BooleanField(label=_("Laboured together"), required=False)
    diary = forms.CharField(label=_("Diary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    deed = forms.CharField(label=_("Practical deed done"), max_length=300, required=False)
    deed_value = forms.DecimalField(label=_("Value of money or goods (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    pairing_progress = forms.CharField(label=_("Pairing progress"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultipleFileField(label=_("Photos (JPEG or PNG, up to 3, 5 MB each)"), required=False)

    def __init__(self, *args, households, **kwargs):
        """`households`: the queryset a posted choice is checked against (selectors.pickable_households). The page
        lists only a few of them (`offer`); the picker (static/js/household-picker.js) fetches the others."""
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.queryset = households
        self.offer([])

    def offer(self, households: list) -> None:
        """The households the drop-down lists (a village has hundreds: never all of them)."""
        field = self.fields["household"]
        field.choices = [("", field.empty_label)] + [(h.pk, household_label(h)) for h in households]


def household_label(household) -> str:
    """How the visit form's picker names a household, on the page and in its search results."""
    label = f"{household.head_name}（{household.number}）"
    return f"{label} {household.address}" if household.address else label


class DemandForm(StyledFormMixin, forms.Form):
    summary = forms.CharField(label=_("Demand raised"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    type = forms.ChoiceField(label=_("Type"), choices=[(Case.Type.LIVELIHOOD, Case.Type.LIVELIHOOD.label), (Case.Type.PETITION, Case.Type.PETITION.label)])
    head_count = forms.IntegerField(label=_("People"), min_value=1, max_value=10000, initial=1)


MAX_DEMANDS = 10  # what one household raises on one visit; more is a village meeting's worth, recorded as several


class BaseDemandFormSet(forms.BaseFormSet):
    """At most MAX_DEMANDS demands a visit. A form claiming more is refused without building more than
    MAX_DEMANDS forms (Django's own ceiling is max_num + 1,000, all built and shown again), and the page
    shown again counts only the rows it shows, so that sending it again can pass."""

    default_error_messages = {
        "too_many_forms": _("A visit registers at most %(num)d demands; record the others with another visit."),
    }

    @cached_property
    def management_form(self):
        form = super().management_form
        if self.is_bound and form.is_valid() and form.cleaned_data[TOTAL_FORM_COUNT] > self.absolute_max:
            # What the page shows again; the cleaned claim stays as sent, and full_clean refuses it.
            data = form.data.copy()
            data[form.add_prefix(TOTAL_FORM_COUNT)] = str(self.absolute_max)
            form.data = data
        return form


DemandFormSet = forms.formset_factory(
    DemandForm, formset=BaseDemandFormSet, extra=1, max_num=MAX_DEMANDS, absolute_max=MAX_DEMANDS, validate_max=True
)


class VisitEditForm(StyledFormMixin, forms.ModelForm):
    kinds = forms.MultipleChoiceField(label=_("Kinds of visit"), choices=VisitKind.choices, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    diary = forms.CharField(label=_("Diary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    deed_value = forms.DecimalField(label=_("Value of money or goods (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2)

    class Meta:
        model = Visit
        fields = ["kinds", "ate_together", "stayed_overnight", "laboured_together", "diary", "deed", "deed_value"]


class HouseholdForm(StyledFormMixin, EnteredOnPhoneField, forms.ModelForm):
    """A household's page; `version` is the one shown (an edit of an older one is not saved over a newer), and
    `client_id` names the edit when the phone keeps it without signal (services.household_sync)."""

    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18,
                                help_text=_("Stored encrypted. Leave empty to keep the stored number."))
    tags = forms.MultipleChoiceField(label=_("Tags"), choices=HouseholdTag.choices, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    class Meta:
        model = Household
        fields = ["number", "head_name", "id_number", "phone", "members", "address", "tags",
                  "family_situation", "state_of_mind", "hardship_cause", "help_needed"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in ["family_situation", "state_of_mind", "hardship_cause", "help_needed"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored phone is never put in the page (viewing it in full is recorded); empty keeps it.
        self.initial["phone"] = ""
        self.initial.setdefault("client_id", uuid.uuid4())
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        if self.instance.pk and self.instance.phone:
            self.fields["phone"].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {"masked": self.instance.masked_phone}

    def clean_id_number(self):
        value = pii.normalise_id_number(self.cleaned_data["id_number"])
        if value and not pii.is_valid_id_number(value):
            raise forms.ValidationError(_("Not a valid 18-digit ID number (check the last digit)."))
        return value


class RatingForm(StyledFormMixin, forms.Form):
    """群众评议: what a resident fills in on the public page."""

    household_number = forms.CharField(label=_("Household number"), max_length=20, help_text=_("On your rating card."))
    rating_code = forms.CharField(label=_("Rating code"), max_length=12, help_text=_("6 letters and digits, on your rating card."),
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))
    rating = forms.ChoiceField(label=_("How satisfied are you with the work team?"), choices=Evaluation.Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RatingCardsForm(ExportPurposeForm):
    """Printing the rating cards: names and codes leave the system on paper, with a stated purpose."""

    household_number = forms.CharField(
        label=_("Only for household number"), max_length=20, required=False,
        help_text=_("For a lost card. Empty: every household of the village that has not rated yet."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    field_order = ["household_number", "purpose", "detail"]


class FlagFilterForm(StyledFormMixin, forms.Form):
    """The flag queue's filters (GET): a bad value is ignored, not an error page."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *Flag.State.choices])
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[("", _("All rules")), *FlagRule.choices])
    township = forms.ModelChoiceField(label=_("Township"), required=False, queryset=Region.objects.none(), empty_label=_("All townships"))
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False, queryset=Campaign.objects.none(), empty_label=_("All campaigns"))
    cadre = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, initial={"state": Flag.State.OPEN}, **kwargs)  # what waits for review, unless asked otherwise
        self.fields["township"].queryset = Region.objects.in_jurisdiction_of(user).townships()
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("-start_date")

    @property
    def values(self) -> dict:
        """The filters asked for; one that is not valid (another jurisdiction's township, a stale campaign) is left
        out, not the others with it."""
        if not self.is_bound:
            return {"state": Flag.State.OPEN}
        self.is_valid()  # cleaned_data then holds the fields that are
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class FlagReviewForm(StyledFormMixin, forms.Form):
    verdict = forms.ChoiceField(label=_("The review found"), choices=[(Flag.State.CONFIRMED, Flag.State.CONFIRMED.label),
                                                                     (Flag.State.DISMISSED, Flag.State.DISMISSED.label)], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Review note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What was checked and how: kept in the audit trail."))


class FlagExplainForm(StyledFormMixin, forms.Form):
    explanation = forms.CharField(label=_("Your explanation (说明)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class VillagePointForm(forms.Form):
    """A village's reference point, as confirmed from the village points page."""

    village_code = forms.RegexField(regex=r"^[0-9]{12}$")
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)
