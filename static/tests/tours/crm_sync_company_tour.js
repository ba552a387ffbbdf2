/** @odoo-module */
import { registry } from "@web/core/registry";

// Started on the form of a company partner named "Tour Account" (see tests/test_sync_company.py).
registry.category("web_tour.tours").add("crm_sync_company_tour", {
    steps: () => [
        {
            content: "The account is not synced: no Company smart button",
            trigger: ".o_form_view:not(:has(button[name=action_crm_sync_company_open]))",
        },
        {
            content: "Click Sync Company",
            trigger: ".o_form_view button[name=action_crm_sync_company]",
            run: "click",
        },
        {
            content: "The confirmation window asks before creating anything",
            trigger: ".modal .o_crm_sync_company_confirm:contains(Tour Account)",
        },
        {
            content: "Cancel",
            trigger: ".modal .modal-footer button:contains(Cancel)",
            run: "click",
        },
        {
            content: "The window is closed and the account is still not synced",
            trigger:
                "body:not(:has(.modal)) .o_form_view:not(:has(button[name=action_crm_sync_company_open]))",
        },
        {
            content: "Click Sync Company again",
            trigger: ".o_form_view button[name=action_crm_sync_company]",
            run: "click",
        },
        {
            content: "Confirm with Yes",
            trigger: ".modal .modal-footer button:contains(Yes)",
            run: "click",
        },
        {
            content: "The Company smart button shows the new company",
            trigger:
                "body:not(:has(.modal)) .o_form_view button[name=action_crm_sync_company_open]:contains(Tour Account)",
        },
        {
            content: "The Sync Company button is gone",
            trigger: ".o_form_view:not(:has(button[name=action_crm_sync_company]))",
        },
        {
            content: "The smart button opens the company",
            trigger: ".o_form_view button[name=action_crm_sync_company_open]",
            run: "click",
        },
        {
            content: "The company form is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour Account)",
        },
    ],
});
