"""Fetching an object through the permission module: a forbidden object
answers 404 like a missing one, and the refusal is audited."""
from django.http import Http404

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record


def visible_or_404(visible, pk, *, request):
    """``visible``: the queryset of what the user may see (with the
    select_related the view needs)."""
    obj = visible.filter(pk=pk).first()
    if obj is not None:
        return obj
    if visible.model._base_manager.filter(pk=pk).exists():
        audit_record(kind=AuditKind.ACCESS_REFUSED, request=request,
                     detail=f"{visible.model._meta.label} {pk} is outside the user's scope")
    raise Http404
