/** @odoo-module */
import { registry } from "@web/core/registry";

/**
 * Convert to Contact from the lead form: pick the account, Yes, land on the
 * new contact. Data: see tests/test_convert_contact.py (TestConvertContactUi).
 */
registry.category("web_tour.tours").add("crm_sync_convert_contact_tour", {
    url: "/odoo/action-crm.crm_lead_all_leads",
    steps: () => [
        {
            content: "Open the lead from the Leads list",
            trigger: ".o_list_view .o_data_row td[name='name']:contains('Tour: pricing request')",
            run: "click",
        },
        {
            content: "Convert it to a contact",
            trigger: ".o_form_view .o_form_statusbar button:contains('Convert to Contact')",
            run: "click",
        },
        {
            content: "No account is suggested for a free mail address",
            trigger: ".modal .o_field_widget[name='account_reason']:contains('free mail provider')",
        },
        {
            content: "Pick the account",
            trigger: ".modal .o_field_widget[name='account_id'] input",
            run: "edit Tour Dansk Design",
        },
        {
            content: "Choose it in the dropdown",
            trigger: ".o-autocomplete--dropdown-menu li:contains('Tour Dansk Design ApS')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button[name='action_convert']:contains('Yes')",
            run: "click",
        },
        {
            content: "The new contact is shown, under the account",
            trigger:
                ".o_form_view:not(.o_lead_opportunity_form) .o_field_widget[name='parent_id'] input:value('Tour Dansk Design ApS')",
        },
        {
            content: "It carries the lead's person data",
            trigger: ".o_form_view .o_field_widget[name='email'] input:value('mette.tour@gmail.com')",
        },
    ],
});

/** The converted lead left the Leads list; the "Converted" filter finds it. */
registry.category("web_tour.tours").add("crm_sync_converted_filter_tour", {
    url: "/odoo/action-crm.crm_lead_all_leads",
    steps: () => [
        {
            content: "The Leads list hides converted leads by default",
            trigger: ".o_searchview_facet:contains('Not converted')",
        },
        {
            content: "The unconverted lead is listed...",
            trigger: ".o_list_view .o_data_row td[name='name']:contains('Tour: still open')",
        },
        {
            content: "... the converted one is not",
            trigger: ".o_list_view:not(:has(.o_data_row td[name='name']:contains('Tour: already converted')))",
        },
        {
            content: "Drop the default filter",
            trigger: ".o_searchview_facet:contains('Not converted') .o_facet_remove",
            run: "click",
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Apply Converted",
            trigger: ".o_filter_menu .o_menu_item:contains('Converted'):not(:contains('Not'))",
            run: "click",
        },
        {
            content: "The converted lead is found",
            trigger: ".o_list_view .o_data_row td[name='name']:contains('Tour: already converted')",
        },
        {
            content: "and only converted leads are listed",
            trigger: ".o_list_view:not(:has(.o_data_row td[name='name']:contains('Tour: still open')))",
        },
    ],
});
