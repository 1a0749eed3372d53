"""The scale city's cases: petitions, disputes and demands raised on visits, each walked through the
workflow towards a fate (events, handlers, mediation sessions included) and COPYed in."""

import datetime

from django.utils import timezone

from campaigns.models import Visit
from grievances import deadlines
from grievances.categories import ensure_default_categories
from grievances.models import Case, CaseCategory, CaseEvent, MediationSession

from . import names
from .phrases import DEMANDS, OFFICE_MATTERS
from .scale_base import CASE_PREFIX, BuilderBase, Village, copy_rows, weighted

# County bureaus that take the county-level cases of each category.
BUREAU_FOR_CATEGORY = {
    "农村土地征用": "县自然资源局", "城市拆迁": "县住房和城乡建设局", "环境污染": "县生态环境局", "安全事故": "县应急管理局",
    "权属纠纷": "县司法局", "山林土地流转": "县林业局", "低保分配": "县民政局", "村务财务": "县农业农村局",
    "劳资": "县人力资源和社会保障局", "其他": "县信访局",
}
MATTERS = OFFICE_MATTERS + [
    ("邻里噪音纠纷，多次协商未果", Case.Type.DISPUTE, "其他"), ("土地承包经营权界线不清", Case.Type.DISPUTE, "权属纠纷"),
    ("企业废气扰民", Case.Type.PETITION, "环境污染"), ("拆迁安置房迟迟未交付", Case.Type.PETITION, "城市拆迁"),
    ("自来水水压不足", Case.Type.LIVELIHOOD, "其他"), ("村小学校舍漏雨", Case.Type.LIVELIHOOD, "安全事故"),
]
OFFICE_SOURCES = [Case.Source.IN_PERSON, Case.Source.LETTER, Case.Source.PHONE, Case.Source.PHONE, Case.Source.ONLINE, Case.Source.SURVEY]
# Where each office case ends up (weights), before the ones registered lately are cut short at today.
FATES = {"registered": 2, "rejected": 1, "accepted": 1, "assigned": 1, "in_progress": 4, "resolved": 2, "evaluated": 3, "closed": 12}
# The move (CaseEvent.action) that leads to each status.
ACTIONS = {"rejected": "reject", "accepted": "accept", "assigned": "assign", "in_progress": "start", "resolved": "resolve",
           "evaluated": "evaluate", "closed": "close"}
SATISFACTION = [Case.Satisfaction.SATISFIED] * 6 + [Case.Satisfaction.FAIRLY_SATISFIED] * 3 + [Case.Satisfaction.DISSATISFIED]


class CaseWork(BuilderBase):
    """The last phase: cases."""

    def cases(self) -> str:
        rng = self.rng
        ensure_default_categories(CaseCategory)
        categories = {c.name: c for c in CaseCategory.objects.all()}
        found = Visit.objects.filter(client_id__in=[v[0] for v in self.demand_visits.values()]).values_list("client_id", "pk")
        visit_ids = {client_id.hex: pk for client_id, pk in found}
        fate_of = weighted(FATES)
        objection_due: dict[tuple, datetime.date] = {}
        calendar = deadlines.WorkingCalendar.load()
        intake = {c: self.handlers[self.county_unit(c, "县信访局").pk] for c in range(len(self.counties))}
        cases = []
        demands = list(self.demand_visits.values())
        for n in range(self.sizes.cases):
            if n < len(demands):  # collected on a visit: the visit's village, household and cadre
                client_id, cadre, household_id, village, visited_at = demands[n]
                summary, kind, category = rng.choice(DEMANDS)
                fate = fate_of(rng)
                registered = min(self.now, visited_at + datetime.timedelta(minutes=rng.randrange(5, 3 * 24 * 60)))
                home = next((h for h in village.households if h[0] == household_id), None)
                case = dict(source=Case.Source.VISIT, visit=visit_ids[client_id], registered_by=cadre)
            else:
                summary, kind, category = rng.choice(MATTERS)
                village = rng.choice(self.villages)
                fate = fate_of(rng)
                registered = self.registration_time(fate)
                home = rng.choice(village.households) if village.households and rng.random() < 0.5 else None
                source = Case.Source.SURVEY if kind == Case.Type.DISPUTE and rng.random() < 0.5 else rng.choice(OFFICE_SOURCES)
                case = dict(source=source, visit=None, registered_by=intake[village.county])
            received = timezone.localtime(registered).date()
            category = categories[category]
            key = (received, category.objection_working_days)
            if key not in objection_due:
                objection_due[key] = calendar.add_working_days(*key).due
            case.update(
                type=kind, summary=summary, category=category.pk, village=village.code, household=home[0] if home else None,
                petitioner_name=home[1] if home else names.person_name(rng), petitioner_phone=(home[2] if home else names.phone(rng)),
                head_count=rng.choice((1, 1, 1, 1, 1, 1, 2, 3, 6)), registered_at=registered,
                accept_due=received + datetime.timedelta(days=category.accept_days), objection_due=objection_due[key],
            )
            self.work_case(case, fate, category, village)
            cases.append(case)
        cases.sort(key=lambda c: c["registered_at"])
        per_year: dict[int, int] = {}
        for case in cases:
            year = timezone.localtime(case["registered_at"]).year
            per_year[year] = per_year.get(year, 0) + 1
            case["number"] = f"{CASE_PREFIX}{year}-{per_year[year]:07d}"
        columns = ["number", "type", "source", "category", "status", "summary", "petitioner_name", "petitioner_phone", "head_count",
                   "village", "household", "visit", "level", "unit", "leader", "supervised", "supervising_leader", "registered_by",
                   "registered_at", "accept_due", "objection_due", "accepted_at", "responded_at", "resolve_due", "extension_days",
                   "extension_reason", "rejection_reason", "outcome", "reply", "resolved_at", "satisfaction", "evaluated_at", "closed_at",
                   "was_mediated", "mediation_agreed"]
        written = copy_rows(Case, columns, (tuple(case.get(name, _blank(name)) for name in columns) for case in cases))
        ids = dict(Case.objects.filter(number__startswith=CASE_PREFIX).values_list("number", "pk"))

        def events():
            for case in cases:
                for at, actor, action, before, after, note in case["events"]:
                    yield ids[case["number"]], actor, at, action, before, after, note, "{}"

        def mediations():
            for case in cases:
                for held_on, kind, result, actor, at in case["mediations"]:
                    yield ids[case["number"]], kind, held_on, "乡镇人民调解委员会", result, "双方自愿达成调解协议" if result != "failed" else "", actor, at

        handlers = copy_rows(Case.handlers.through, ["case", "user"], ((ids[c["number"]], c["handler"]) for c in cases if c.get("handler")))
        event_count = copy_rows(CaseEvent, ["case", "actor", "at", "action", "from_status", "to_status", "note", "data"], events())
        mediation_count = copy_rows(MediationSession, ["case", "kind", "held_on", "mediator", "result", "agreement", "recorded_by", "recorded_at"],
                                    mediations())
        statuses = {}
        for case in cases:
            statuses[case["status"]] = statuses.get(case["status"], 0) + 1
        self.counts.update(cases=written, case_events=event_count, mediations=mediation_count, case_handlers=handlers,
                           demands_from_visits=min(len(demands), written))
        self.counts.update({f"cases {status}": n for status, n in sorted(statuses.items())})
        return f"{written:,} cases, {event_count:,} events, {mediation_count:,} mediation sessions"

    def registration_time(self, fate: str) -> datetime.datetime:
        """Mostly any time in the year; most cases still open came in lately, so only some are overdue."""
        rng, last = self.rng, len(self.days) - 1
        recent = {"registered": 14, "accepted": 70, "assigned": 70, "in_progress": 70}.get(fate)
        day = last - rng.randrange(recent) if recent and rng.random() < 0.75 else rng.randrange(last + 1)
        return self.at(day, rng.randrange(8 * 60, 18 * 60))

    def work_case(self, case: dict, fate: str, category: CaseCategory, village: Village) -> None:
        """Walk the case through the workflow towards its fate, stopping at today; fills in its fields and events."""
        rng, now = self.rng, self.now
        days = datetime.timedelta(days=1)
        intake = case["registered_by"] if case["source"] != Case.Source.VISIT else self.handlers[self.county_unit(village.county, "县信访局").pk]
        leader = self.leaders[village.county]
        at = case["registered_at"]
        case.update(status="registered", events=[(at, case["registered_by"], "register", "", "registered", "")], mediations=[])

        def move(after: str, actor: int, when: datetime.datetime, note: str = "") -> bool:
            if when > now:
                return False
            case["events"].append((when, actor, ACTIONS.get(after, after), case["status"], after, note))
            case["status"] = after
            return True

        if fate == "registered":
            return
        # Answered within the 15 days mostly; some late.
        answered = at + days * (rng.randrange(16, 30) if rng.random() < 0.08 else rng.randrange(1, 14)) + datetime.timedelta(hours=rng.randrange(8))
        if fate == "rejected":
            reason = "不属于信访事项，已告知通过诉讼途径解决"
            if move("rejected", intake, answered, reason):
                case.update(responded_at=answered, rejection_reason=reason)
            return
        if not move("accepted", intake, answered):
            return
        case.update(accepted_at=answered, responded_at=answered,
                    resolve_due=timezone.localtime(answered).date() + datetime.timedelta(days=category.resolve_days))
        if rng.random() < 0.03 and answered + days <= now:
            case.update(supervised=True, supervising_leader=self.city_supervisor.pk)
            case["events"].append((answered + days, self.city_supervisor.pk, "supervise", case["status"], case["status"], "挂牌督办，限期化解"))
        if fate == "accepted":
            return
        level = rng.choice([Case.Level.VILLAGE, Case.Level.TOWNSHIP, Case.Level.TOWNSHIP, Case.Level.COUNTY])
        unit = (self.county_unit(village.county, BUREAU_FOR_CATEGORY[category.name]) if level == Case.Level.COUNTY
                else self.township_unit(village.code))
        handler = self.handlers[unit.pk]
        assigned = answered + days * rng.randrange(0, 3) + datetime.timedelta(hours=1)
        if not move("assigned", intake, assigned):
            return
        case.update(level=level, unit=unit.pk, leader=leader, handler=handler)
        if fate == "assigned":
            return
        started = assigned + days * rng.randrange(0, 3) + datetime.timedelta(hours=1)
        if not move("in_progress", handler, started):
            return
        extended = rng.random() < 0.1
        if extended:
            case.update(extension_days=30, extension_reason="需要进一步调查核实，已告知信访人",
                        resolve_due=case["resolve_due"] + datetime.timedelta(days=30))
        # Resolved within the limit mostly (after the extension, if any); some late.
        due = datetime.datetime.combine(case["resolve_due"], datetime.time(17), tzinfo=self.zone)
        if rng.random() < 0.1:
            resolved = due + days * rng.randrange(1, 20)
        else:
            resolved = started + (due - started) * rng.uniform(0.7 if extended else 0.1, 0.95)
        if case["type"] == Case.Type.DISPUTE:
            for _n in range(rng.choice((1, 1, 2))):
                held = started + (min(resolved, now) - started) * rng.random()
                result = rng.choice(["agreed"] * 7 + ["partial"] + ["failed"] * 2)
                case["mediations"].append((timezone.localtime(held).date(), rng.choice(MediationSession.Kind.values), result, handler, held))
                case["was_mediated"] = True
                case["mediation_agreed"] = case.get("mediation_agreed", False) or result == MediationSession.Result.AGREED
                case["events"].append((held, handler, "mediate", case["status"], case["status"], ""))
        if extended:
            if started + days * 40 > min(resolved, now):
                case.update(extension_days=0, extension_reason="", resolve_due=case["resolve_due"] - datetime.timedelta(days=30))
            else:
                case["events"].append((started + days * 40, leader, "extend", case["status"], case["status"], case["extension_reason"]))
        if fate == "in_progress" or not move("resolved", handler, resolved):
            return
        case.update(outcome=rng.choice(Case.Outcome.values), reply="经调查核实，已按政策处理并向信访人当面答复", resolved_at=resolved)
        if fate == "resolved":
            return
        evaluated = resolved + days * rng.randrange(1, 8)
        if not move("evaluated", intake, evaluated):
            return
        case.update(satisfaction=rng.choice(SATISFACTION), evaluated_at=evaluated)
        if fate == "evaluated":
            return
        closed = evaluated + days * rng.randrange(1, 10)
        if move("closed", leader, closed):
            case["closed_at"] = closed


def _blank(name: str):
    """The value of a case field the case's history did not set."""
    return {"level": Case.Level.VILLAGE, "supervised": False, "was_mediated": False, "mediation_agreed": False, "extension_days": 0, "extension_reason": "", "rejection_reason": "",
            "outcome": "", "reply": "", "satisfaction": ""}.get(name)
