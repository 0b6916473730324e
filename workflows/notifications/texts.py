"""The words of each kind of notification, written when they are read (in
the reader's language) or e-mailed (in the site's language).

``params`` holds facts only: names, titles, ISO dates, stage codes, counts.
"""
from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _, ngettext

from workflows.campaigns.flows import Stage

from .kinds import NotificationKind

#: How many tasks or campaigns a grouped notification lists; it counts them all.
LISTED = 20


def _date(value: str | None) -> str:
    try:
        return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
    except (TypeError, ValueError):
        return ""


def _stage(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def _step(value: str | None) -> str:
    return str({"verify": _("verification"), "correct": _("correction and resubmission"),
                "decide": _("decision on recognition")}.get(value or "", value or ""))


def _task_line(item: dict) -> str:
    line = f"- {item.get('enterprise', '')}: {item.get('title', '')} ({_date(item.get('due_on'))})"
    if item.get("who"):
        line += f" — {item['who']}"
    return line


def _more(count: int, listed: int) -> list[str]:
    if count <= listed:
        return []
    return [ngettext("… and %(count)d more", "… and %(count)d more", count - listed) % {"count": count - listed}]


def title_of(notification) -> str:
    p, kind = notification.params or {}, notification.kind
    if kind == NotificationKind.TASK_ASSIGNED:
        return _("%(count)d task(s) assigned to you") % {"count": p.get("count", 0)}
    if kind == NotificationKind.CAMPAIGN_ASSIGNED:
        return _("New campaign for your working group: %(enterprise)s") % {"enterprise": p.get("enterprise", "")}
    if kind == NotificationKind.STAGE_CHANGED:
        return _("%(enterprise)s: %(stage)s") % {"enterprise": p.get("enterprise", ""), "stage": _stage(p.get("to"))}
    if kind == NotificationKind.BEFORE_DUE:
        days = p.get("days", 0)
        return ngettext("Due in %(days)d working day: %(title)s", "Due in %(days)d working days: %(title)s",
                        days) % {"days": days, "title": p.get("task", {}).get("title", "")}
    if kind == NotificationKind.DUE_TODAY:
        task = p.get("task", {})
        if task.get("due_on") == p.get("day"):
            return _("Due today: %(title)s") % {"title": task.get("title", "")}
        return _("Due on %(date)s: %(title)s") % {"date": _date(task.get("due_on")), "title": task.get("title", "")}
    if kind == NotificationKind.OVERDUE_DIGEST:
        count = p.get("count", 0)
        return ngettext("%(count)d overdue task", "%(count)d overdue tasks", count) % {"count": count}
    if kind == NotificationKind.ESCALATION_OVERDUE:
        count = p.get("count", 0)
        return ngettext("Escalation: %(count)d task is %(days)d working days overdue",
                        "Escalation: %(count)d tasks are %(days)d working days overdue",
                        count) % {"count": count, "days": p.get("days", 0)}
    if kind == NotificationKind.ESCALATION_STALLED:
        count = p.get("count", 0)
        return ngettext("Escalation: %(count)d campaign has stalled", "Escalation: %(count)d campaigns have stalled",
                        count) % {"count": count}
    if kind == NotificationKind.REVIEW_WAITING:
        return _("%(enterprise)s: %(step)s") % {"enterprise": p.get("enterprise", ""), "step": _step(p.get("step"))}
    if kind == NotificationKind.REVIEW_RETURNED:
        return _("%(enterprise)s: the recognition dossier was returned for correction") % {
            "enterprise": p.get("enterprise", "")}
    if kind == NotificationKind.REVIEW_ESCALATED:
        return _("Escalation: %(enterprise)s — %(step)s is overdue") % {
            "enterprise": p.get("enterprise", ""), "step": _step(p.get("step"))}
    return str(NotificationKind(kind).label) if kind in NotificationKind.values else kind


def body_of(notification) -> str:
    p, kind = notification.params or {}, notification.kind
    if kind == NotificationKind.TASK_ASSIGNED:
        tasks = p.get("tasks", [])
        return "\n".join([_task_line(item) for item in tasks] + _more(p.get("count", 0), len(tasks)))
    if kind == NotificationKind.CAMPAIGN_ASSIGNED:
        return _("The campaign at %(enterprise)s was assigned to %(group)s.") % {
            "enterprise": p.get("enterprise", ""), "group": p.get("group", "")}
    if kind == NotificationKind.STAGE_CHANGED:
        body = _("The campaign at %(enterprise)s moved from “%(from)s” to “%(to)s”.") % {
            "enterprise": p.get("enterprise", ""), "from": _stage(p.get("from")), "to": _stage(p.get("to"))}
        return body + ("\n\n" + p["note"] if p.get("note") else "")
    if kind in (NotificationKind.BEFORE_DUE, NotificationKind.DUE_TODAY):
        task = p.get("task", {})
        return _("%(enterprise)s — %(title)s, due on %(date)s.") % {
            "enterprise": task.get("enterprise", ""), "title": task.get("title", ""), "date": _date(task.get("due_on"))}
    if kind in (NotificationKind.OVERDUE_DIGEST, NotificationKind.ESCALATION_OVERDUE):
        tasks = p.get("tasks", [])
        return "\n".join([_task_line(item) for item in tasks] + _more(p.get("count", 0), len(tasks)))
    if kind == NotificationKind.ESCALATION_STALLED:
        campaigns = p.get("campaigns", [])
        lines = [_("- %(enterprise)s: “%(stage)s” since %(date)s (limit: %(limit)d working days)") % {
            "enterprise": c.get("enterprise", ""), "stage": _stage(c.get("stage")), "date": _date(c.get("since")),
            "limit": c.get("limit", 0)} for c in campaigns]
        return "\n".join(lines + _more(p.get("count", 0), len(campaigns)))
    if kind == NotificationKind.REVIEW_WAITING:
        body = _("The recognition dossier of %(enterprise)s waits for you: %(step)s.") % {
            "enterprise": p.get("enterprise", ""), "step": _step(p.get("step"))}
        if p.get("due_on"):
            body += " " + _("Due on %(date)s.") % {"date": _date(p.get("due_on"))}
        return body
    if kind == NotificationKind.REVIEW_RETURNED:
        return _("Correct the dossier and submit it again. The reviewer's comments:") + "\n" + p.get("comments", "")
    if kind == NotificationKind.REVIEW_ESCALATED:
        body = _("The step “%(step)s” of the recognition dossier of %(enterprise)s was due on %(date)s and "
                 "still waits.") % {"step": _step(p.get("step")), "enterprise": p.get("enterprise", ""),
                                    "date": _date(p.get("due_on"))}
        if p.get("owner"):
            body += " " + _("It is with %(name)s.") % {"name": p["owner"]}
        return body
    return ""
