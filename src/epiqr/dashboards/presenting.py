"""How levels and their reasons read on a page (translated sentences from the stored reason data)."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LEVEL_LABELS = {
    1: gettext_lazy("Level 1: low risk (new normal)"),
    2: gettext_lazy("Level 2: medium risk"),
    3: gettext_lazy("Level 3: high risk"),
    4: gettext_lazy("Level 4: very high risk"),
    None: gettext_lazy("No level"),
}
LEVEL_COLOURS = {1: "green", 2: "yellow", 3: "orange", 4: "red", None: "grey"}


def reason_text(reason: dict) -> str:
    code = reason.get("code")
    reason = {k: number_format(v, decimal_pos=1) if isinstance(v, float) else v for k, v in reason.items()}
    if code == "rate":
        return (
            _(
                "%(cases)s new cases in 7 days, %(rate)s per 100,000 people: criterion 1 gives level %(level)s."
            )
            % reason
        )
    if code == "coverage_low":
        return (
            _(
                "Adults with at least one dose: %(coverage)s%%, under %(threshold)s%%: raised to level %(level)s."
            )
            % reason
        )
    if code == "coverage_unknown":
        return (
            _(
                "Vaccination coverage not reported: counted as under %(threshold)s%%, raised to level %(level)s."
            )
            % reason
        )
    if code == "capacity_kept":
        return (
            _("Treatment capacity criteria not met: the level is not lowered (kept at %(level)s).") % reason
        )
    if code in ("capacity_met", "capacity_failed"):
        text = (
            _(
                "Treatment capacity of the province: %(icu)s intensive-care beds per 100,000 people and "
                "%(free)s%% of beds free, against %(icu_threshold)s and %(free_threshold)s%%"
            )
            % reason
        )
        if reason.get("set_by") == "deployment":
            text += " " + _("(thresholds set by this deployment, not from the decision's text)")
        return text + (_(": met.") if code == "capacity_met" else _(": not met."))
    if code == "capacity_unknown":
        return _(
            "Treatment capacity not reported (no bed on record in the province): not counted as failing."
        )
    if code == "no_population":
        return _("No population on record: the rate cannot be computed.")
    return str(code)
