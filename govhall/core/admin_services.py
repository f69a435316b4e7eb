"""The Django admin writes through the services (STYLE 4: one function per
state change, whoever calls it).

``ServiceAdminMixin`` makes a ModelAdmin's add/change form call a service
instead of saving the model: the service runs while the form is validated
(inside the admin's transaction), so a refusal (DomainError) is shown as
the form's error on the field it names — never a 500 — and nothing is
written; once it succeeds, the admin only records its own log entry.
"""

from django.db import transaction

from govhall.core.errors import DomainError


class ServiceAdminMixin:
    """Subclasses implement ``save_through_service(request, obj, data, change)``
    returning the saved object; ``data`` holds the form's cleaned values of
    the fields the form shows."""

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
                    self.add_error(error.field if error.field in self.fields else None, error.message)

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
