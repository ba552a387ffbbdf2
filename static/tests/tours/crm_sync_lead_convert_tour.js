/** @odoo-module */
import { registry } from "@web/core/registry";

// Started on the form of the lead "Tour lead" whose company matches the account
// "Tour Zylker" (see tests/test_lead_convert_http.py).
registry.category("web_tour.tours").add("crm_sync_lead_convert_tour", {
    steps: () => [
        {
            content: "Open the Convert window",
            trigger: ".o_form_view button[name=action_crm_sync_convert]",
            run: "click",
        },
        {
            content: "The existing account is suggested, with the reason",
            trigger:
                ".modal .o_crm_sync_convert_lines .o_data_row:contains(Tour Zylker):contains(Same company name as this account)",
        },
        {
            content: "A new contact is suggested",
            trigger:
                ".modal .o_crm_sync_convert_lines .o_data_row:contains(No matching contact: a new one is created)",
        },
        {
            content: "Decisions and reasons wrap in their cells: nothing is cut off",
            trigger: ".modal .o_crm_sync_convert_lines .o_data_row td[name=contact_reason]",
            run() {
                const columns = [
                    "lead_id",
                    "account_action",
                    "account_reason",
                    "contact_action",
                    "contact_reason",
                ];
                for (const name of columns) {
                    const cell = document.querySelector(
                        `.modal .o_crm_sync_convert_lines .o_data_row td[name=${name}]`
                    );
                    if (
                        !cell.classList.contains("o_crm_sync_wrap") ||
                        getComputedStyle(cell).whiteSpace !== "normal" ||
                        cell.scrollWidth > cell.clientWidth
                    ) {
                        throw new Error(`The column ${name} cuts its text off`);
                    }
                }
            },
        },
        {
            content: "Create a deal",
            trigger: ".modal div[name=create_deal] input",
            run: "click",
        },
        {
            content: "The deal name column appears, pre-filled with the company name",
            trigger: ".modal .o_crm_sync_convert_lines td[name=deal_name]:contains(Tour Zylker)",
        },
        {
            content: "Convert",
            trigger: ".modal .modal-footer button[name=action_convert]",
            run: "click",
        },
        {
            content: "The lead is now the deal: an opportunity with its pipeline stages",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status",
        },
        {
            content: "It is marked converted",
            trigger: ".o_form_view .ribbon:contains(Converted)",
        },
    ],
});
