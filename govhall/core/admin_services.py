"""The Django admin writes through the services (STYLE 4: one function per
state change, whoever calls it).

``ServiceAdminMixin`` makes a ModelAdmin's add/change form call a service
instead of saving the model: the service runs while the form is validated
(inside the admin's transaction), so a refusal (DomainError) is shown as
the form's error on the field it names — never a 500 — and nothing is
written; once it succeeds, the admin only records its own log entry.

``RefusalsAsMessagesMixin`` does the same for deletions and bulk actions
that call services: a refusal rolls the whole request back (a bulk action
is all or nothing) and comes back as an admin message naming the field.
"""

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.core.errors import DomainError


def refusal_text(model, error: DomainError) -> str:
    """The refusal for a person: its message, led by the label of the field
    it names (where the page cannot point at the field itself)."""
    if not error.field:
        return error.message
    try:
        label = model._meta.get_field(error.field).verbose_name
    except FieldDoesNotExist:
        label = error.field
    return _("%(field)s：%(message)s") % {"field": label, "message": error.message}


class RefusalsAsMessagesMixin:
    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # the admin's own transaction is rolled back by now
            self.message_user(request, refusal_text(self.model, error), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist",
                                                current_app=self.admin_site.name))

    def response_action(self, request, queryset):
        try:
            # Django runs actions outside a transaction: without this, a
            # refusal at the third of five records would leave two changed.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset)
        except DomainError as error:
            self.message_user(request, refusal_text(self.model, error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ServiceAdminMixin(RefusalsAsMessagesMixin):
    """Subclasses implement ``save_through_service(request, obj, data, change)``
    returning the saved object; ``obj`` is the record as stored (on a change)
    or as the form filled it (on an add), ``data`` holds the form's cleaned
    values of the fields that changed."""

    def save_through_service(self, request, obj, data: dict, change: bool):
        raise NotImplementedError(f"{type(self).__name__} must say which service saves its records")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin = self

        class ThroughService(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                # The form filled self.instance with the new values; the
                # service gets the record as stored and the values changed.
                data = {field: self.cleaned_data[field] for field in self.changed_data if field in self.cleaned_data}
                record = type(self.instance)._default_manager.get(pk=self.instance.pk) if change else self.instance
                try:
                    with transaction.atomic():
                        self.saved = admin.save_through_service(request, record, data, change)
                except DomainError as error:
                    if error.field in self.fields:
                        self.add_error(error.field, error.message)
                    else:
                        self.add_error(None, refusal_text(admin.model, error))

        return ThroughService

    def save_form(self, request, form, change):
        return form.saved

    def save_model(self, request, obj, form, change):
        pass  # saved by the service

    def save_related(self, request, form, formsets, change):
        # Inlines are read-only where a service saves: nothing to write, but
        # the admin's change message reads what each formset would have saved.
        for formset in formsets:
            formset.save(commit=False)
