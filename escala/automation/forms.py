"""The admin's trigger form: conditions and actions as rows of choices, checked row by row.

Triggers are stored as JSON (`Trigger.conditions`, `Trigger.actions`); admins never type it.
Each row is a field/operator/value (or action/value) triple; every value is checked against
what it names (a status, a team, an agent...) and stored in the canonical form the trigger
engine compares with, so a bad definition is refused at its field, never at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escala.core.inputs import parse_id
from escala.people.models import Agent, Organization
from escala.tickets.choices import Channel, Status
from escala.tiers.choices import Priority
from escala.tiers.models import Category, SupportTier, Team

from .actions import PLACEHOLDERS, unknown_placeholders
from .choices import ActionKind, ConditionField, Operator
from .models import Macro, Trigger

BLANK_ROWS = 2  # empty rows offered beyond the ones in use ("Save and continue" for more)
MIN_ROWS = 4


def _choice(choices_cls: Any, raw: str) -> str:
    """A TextChoices code, given as its code or its label (admin's language, any case)."""
    wanted = raw.strip().casefold()
    for value, label in choices_cls.choices:
        if wanted in (value.casefold(), str(label).casefold()):
            return value
    raise ValidationError(
        _("“%(value)s” is not one of: %(choices)s.")
        % {"value": raw.strip(), "choices": ", ".join(choices_cls.values)}
    )


def _by_id_or_name(model: Any, raw: str, name_field: str, missing: str) -> Any:
    """A row named by its id or its name; `missing` is the refusal (with %(value)s)."""
    raw = raw.strip()
    found = None
    if (pk := parse_id(raw)) is not None:
        found = model.objects.filter(pk=pk).first()
    if found is None:
        found = model.objects.filter(**{f"{name_field}__iexact": raw}).first()
    if found is None:
        raise ValidationError(missing % {"value": raw})
    return found


def _team(raw: str) -> int:
    return _by_id_or_name(Team, raw, "name", _("There is no team “%(value)s”.")).pk


def _organization(raw: str) -> int:
    missing = _("There is no organization “%(value)s”.")
    return _by_id_or_name(Organization, raw, "name", missing).pk


def _agent(raw: str) -> int:
    return _by_id_or_name(Agent, raw, "user__username", _("There is no agent “%(value)s”.")).pk


def _category(raw: str) -> str:
    missing = _("There is no category “%(value)s”.")
    return _by_id_or_name(Category, raw, "code", missing).code


def _tier_level(raw: str) -> str:
    levels = [str(level) for level in SupportTier.objects.values_list("level", flat=True)]
    value = raw.strip().upper().removeprefix("L")
    if value not in levels:
        raise ValidationError(
            _("“%(value)s” is not a tier level (%(levels)s).")
            % {"value": raw.strip(), "levels": ", ".join(levels)}
        )
    return value


def _yes_no(raw: str) -> str:
    value = raw.strip().casefold()
    if value in ("true", "yes", "sí", "si", "1"):
        return "true"
    if value in ("false", "no", "0"):
        return "false"
    raise ValidationError(_("Write true or false."))


def _tag(raw: str) -> str:
    name = slugify(raw)[:50]
    if not name:
        raise ValidationError(_("A tag needs letters or digits."))
    return name


# How each condition's value is checked and stored (the engine compares strings).
CONDITION_VALUES: dict[str, Callable[[str], Any]] = {
    ConditionField.STATUS: lambda raw: _choice(Status, raw),
    ConditionField.PRIORITY: lambda raw: _choice(Priority, raw),
    ConditionField.CHANNEL: lambda raw: _choice(Channel, raw),
    ConditionField.TIER_LEVEL: _tier_level,
    ConditionField.TEAM: lambda raw: str(_team(raw)),
    ConditionField.CATEGORY: _category,
    ConditionField.ORGANIZATION: lambda raw: str(_organization(raw)),
    ConditionField.ASSIGNED: _yes_no,
    ConditionField.TAG: _tag,
}


def _notify_target(raw: str) -> str | int:
    value = raw.strip().casefold()
    if value in ("assignee", "supervisors"):
        return value
    try:
        return _agent(raw)
    except ValidationError:
        raise ValidationError(
            _("Write “assignee”, “supervisors” or an agent (id or user name).")
        ) from None


ACTION_VALUES: dict[str, Callable[[str], Any]] = {
    ActionKind.SET_TEAM: _team,
    ActionKind.SET_PRIORITY: lambda raw: _choice(Priority, raw),
    ActionKind.SET_STATUS: lambda raw: _choice(Status, raw),
    ActionKind.ADD_TAG: _tag,
    ActionKind.ASSIGN: _agent,
    ActionKind.NOTIFY: _notify_target,
}


def _shown(kind: str, value: Any) -> str:
    """A stored value as the form shows it (names rather than ids where there is one)."""
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if kind in (ConditionField.TEAM, ActionKind.SET_TEAM):
            out.append(Team.objects.filter(pk=v).values_list("name", flat=True).first() or str(v))
        elif kind in (ActionKind.ASSIGN, ActionKind.NOTIFY) and parse_id(v) is not None:
            name = Agent.objects.filter(pk=v).values_list("user__username", flat=True).first()
            out.append(name or str(v))
        elif kind == ConditionField.ORGANIZATION:
            org = Organization.objects.filter(pk=v).values_list("name", flat=True).first()
            out.append(org or str(v))
        else:
            out.append(str(v))
    return ", ".join(out)


CONDITION_HELP = gettext_lazy(
    "Each row: a ticket field, how to compare, and the value. “is one of” takes values "
    "separated by commas. Status: new, open, pending_customer, pending_vendor, resolved, "
    "closed, reopened. Priority: critical, high, medium, low. Channel: portal, email, phone, "
    "api. Tier level: 1 to 4. Team and organization: name or id. Category: code. Has an "
    "assignee: true or false. Every condition must hold; none means always."
)
ACTION_HELP = gettext_lazy(
    "Each row: what to do, and its value. Set team: team name or id. Set priority or status: "
    "as above. Add tag: a word. Assign: agent user name or id. Notify: “assignee”, "
    "“supervisors” or an agent. Escalate: the value is the reason (optional). Actions run in "
    "this order; events they cause never fire triggers, so triggers cannot loop."
)


class TriggerForm(forms.ModelForm):
    """The admin form. `n_conditions`/`n_actions` rows are declared by `trigger_form()`."""

    n_conditions = MIN_ROWS
    n_actions = MIN_ROWS

    class Meta:
        model = Trigger
        fields = ["name", "event", "order", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the rows stood for before this edit: parts the form has no field for (an
        # escalation's handover text, written through the API or a fixture) are kept.
        self.stored_actions = list(self.instance.actions or [])
        if self.instance.pk is None:
            return
        for i, cond in enumerate(self.instance.conditions or []):
            if i >= self.n_conditions:
                break
            self.initial[f"condition_{i}_field"] = cond.get("field", "")
            self.initial[f"condition_{i}_op"] = cond.get("op", Operator.IS)
            self.initial[f"condition_{i}_value"] = _shown(cond.get("field"), cond.get("value"))
        for i, act in enumerate(self.instance.actions or []):
            if i >= self.n_actions:
                break
            kind = act.get("action", "")
            self.initial[f"action_{i}_action"] = kind
            shown = act.get("reason", "") if kind == ActionKind.ESCALATE else act.get("value")
            self.initial[f"action_{i}_value"] = _shown(kind, shown) if shown else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        conditions = [c for i in range(self.n_conditions) if (c := self._condition(i, data))]
        actions = [a for i in range(self.n_actions) if (a := self._action(i, data))]
        if not actions and not self.has_error("action_0_action"):
            self.add_error("action_0_action", _("A trigger needs at least one action."))
        self.instance.conditions = conditions
        self.instance.actions = actions
        return data

    def _condition(self, i: int, data: dict[str, Any]) -> dict[str, Any] | None:
        field = data.get(f"condition_{i}_field") or ""
        op = data.get(f"condition_{i}_op") or Operator.IS
        raw = (data.get(f"condition_{i}_value") or "").strip()
        if not field and not raw:
            return None
        if not field:
            self.add_error(f"condition_{i}_field", _("Choose the field this value is for."))
            return None
        if not raw:
            self.add_error(f"condition_{i}_value", _("Write the value to compare with."))
            return None
        check = CONDITION_VALUES[field]
        try:
            if op == Operator.IN:
                parts = [p for p in raw.split(",") if p.strip()]
                value: Any = [check(p) for p in parts]
            else:
                value = check(raw)
        except ValidationError as error:
            self.add_error(f"condition_{i}_value", error)
            return None
        return {"field": field, "op": op, "value": value}

    def _action(self, i: int, data: dict[str, Any]) -> dict[str, Any] | None:
        kind = data.get(f"action_{i}_action") or ""
        raw = (data.get(f"action_{i}_value") or "").strip()
        if not kind and not raw:
            return None
        if not kind:
            self.add_error(f"action_{i}_action", _("Choose what to do with this value."))
            return None
        if kind == ActionKind.ESCALATE:
            action = {"action": kind, "reason": raw} if raw else {"action": kind}
            before = self.stored_actions[i] if i < len(self.stored_actions) else {}
            if before.get("action") == ActionKind.ESCALATE and before.get("handover"):
                action["handover"] = before["handover"]
            return action
        if not raw:
            self.add_error(f"action_{i}_value", _("This action needs a value."))
            return None
        try:
            value = ACTION_VALUES[kind](raw)
        except ValidationError as error:
            self.add_error(f"action_{i}_value", error)
            return None
        return {"action": kind, "value": value}


def _row_fields(n_conditions: int, n_actions: int) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for i in range(n_conditions):
        number = i + 1
        fields[f"condition_{i}_field"] = forms.ChoiceField(
            label=format_lazy(gettext_lazy("Condition {}: field"), number),
            choices=[("", "—"), *ConditionField.choices],
            required=False,
        )
        fields[f"condition_{i}_op"] = forms.ChoiceField(
            label=gettext_lazy("operator"), choices=Operator.choices, required=False
        )
        fields[f"condition_{i}_value"] = forms.CharField(
            label=gettext_lazy("value"), required=False, max_length=500
        )
    for i in range(n_actions):
        number = i + 1
        fields[f"action_{i}_action"] = forms.ChoiceField(
            label=format_lazy(gettext_lazy("Action {}"), number),
            choices=[("", "—"), *ActionKind.choices],
            required=False,
        )
        fields[f"action_{i}_value"] = forms.CharField(
            label=gettext_lazy("value"), required=False, max_length=500
        )
    return fields


def rows_for(trigger: Trigger | None) -> tuple[int, int]:
    """How many condition and action rows to offer for a trigger (those in use, plus blanks)."""
    conditions = len(trigger.conditions or []) if trigger else 0
    actions = len(trigger.actions or []) if trigger else 0
    return max(conditions + BLANK_ROWS, MIN_ROWS), max(actions + BLANK_ROWS, MIN_ROWS)


def trigger_form(n_conditions: int, n_actions: int) -> type[TriggerForm]:
    attrs: dict[str, Any] = {
        **_row_fields(n_conditions, n_actions),
        "n_conditions": n_conditions,
        "n_actions": n_actions,
        "__module__": __name__,
    }
    return type("TriggerRowsForm", (TriggerForm,), attrs)


class MacroForm(forms.ModelForm):
    """The admin's macro form: a placeholder the macro cannot fill is refused at its field,
    rather than reaching the requester as "{{ ... }}"."""

    class Meta:
        model = Macro
        fields = [
            "name_en",
            "name_es",
            "is_active",
            "body_en",
            "body_es",
            "set_status",
            "set_priority",
            "add_tag",
        ]

    def _checked(self, name: str) -> str:
        text = self.cleaned_data.get(name) or ""
        unknown = unknown_placeholders(text)
        if unknown:
            raise ValidationError(
                _("Unknown placeholder %(found)s. Use: %(known)s.")
                % {
                    "found": ", ".join(unknown),
                    "known": ", ".join(f"{{{{ {p} }}}}" for p in PLACEHOLDERS),
                }
            )
        return text

    def clean_body_en(self) -> str:
        return self._checked("body_en")

    def clean_body_es(self) -> str:
        return self._checked("body_es")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_body = data.get("body_en") or data.get("body_es")
        sets = data.get("set_status") or data.get("set_priority") or data.get("add_tag")
        if not has_body and not sets and not self.errors:
            raise ValidationError(_("A macro needs a reply or a field to set."))
        return data


MACRO_HELP = format_lazy(
    gettext_lazy(
        "Placeholders are filled in when the macro is applied: {}. The reply goes out in the "
        "requester's language (the English one when the Spanish one is empty, and the other "
        "way round)."
    ),
    ", ".join(f"{{{{ {p} }}}}" for p in PLACEHOLDERS),
)
