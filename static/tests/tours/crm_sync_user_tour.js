/** @odoo-module */
import { registry } from "@web/core/registry";

// Started on the form of the person contact "Tina Tour" <tina.tour@example.com>,
// as a CRM Sync manager (see tests/test_sync_user.py).
registry.category("web_tour.tours").add("crm_sync_user_tour", {
    steps: () => [
        {
            content: "The form of the contact is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tina Tour)",
        },
        {
            content: "No User smart button yet",
            trigger: ".o_form_view:not(:has(button[name=action_crm_sync_user_open]))",
        },
        {
            content: "Click Sync User",
            trigger: ".o_form_view button[name=action_crm_sync_user]",
            run: "click",
        },
        {
            content: "The confirmation window names the contact and the login",
            trigger: ".modal .o_form_view:contains(Tina Tour):contains(tina.tour@example.com)",
        },
        {
            content: "A portal user will be created",
            trigger: ".modal .o_form_view:contains(A portal user will be created)",
        },
        {
            content: "Confirm with Yes",
            trigger: ".modal .modal-footer button:contains(Yes)",
            run: "click",
        },
        {
            content: "The User smart button shows the new user",
            trigger:
                "body:not(:has(.modal)) .o_form_view button[name=action_crm_sync_user_open]:contains(User):contains(Tina Tour)",
        },
        {
            content: "The Sync User button is gone",
            trigger: ".o_form_view:not(:has(button[name=action_crm_sync_user]))",
        },
        {
            content: "The smart button opens the user",
            trigger: ".o_form_view button[name=action_crm_sync_user_open]",
            run: "click",
        },
        {
            content: "The user form is open on the new login",
            trigger:
                ".o_form_view .o_field_widget[name=login]:contains(tina.tour@example.com), .o_form_view .o_field_widget[name=login] input:value(tina.tour@example.com)",
        },
    ],
});
