/** @odoo-module */
import { registry } from "@web/core/registry";

// Started on the "Desynchronized" contacts menu as a salesman (see tests/test_desync_http.py):
// "Desync Tour Co" and "Second Desync Co" have pending proposals, "In Sync Tour Co" has none.
registry.category("web_tour.tours").add("crm_sync_desync_tour", {
    steps: () => [
        {
            content: "The Desynchronized filter is active",
            trigger: ".o_searchview_facet:contains(Desynchronized)",
        },
        {
            content: "The desynchronized company is listed with the icon next to its name",
            trigger: ".o_list_view .o_data_row:contains(Desync Tour Co) .o_crm_sync_desync_icon",
        },
        {
            content: "Contacts without data to check are filtered out",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(In Sync Tour Co)))",
        },
        {
            content: "Open the desynchronized company",
            trigger: ".o_data_row:contains(Desync Tour Co) td[name=complete_name]",
            run: "click",
        },
        {
            content: "The form shows the Data to check banner naming the source",
            trigger: ".o_form_view .o_crm_sync_desync_banner:contains(Data to check):contains(Tour Accounting)",
        },
        {
            content: "Check data",
            trigger: ".o_crm_sync_desync_banner button[name=action_crm_sync_check_data]",
            run: "click",
        },
        {
            content: "The window shows the current and the proposed values",
            trigger:
                ".modal .o_data_row:contains(City):contains(Aarhus):contains(Odense):contains(Tour Accounting)",
        },
        {
            content: "Edit the City line",
            trigger: ".modal .o_data_row:contains(City) td[name=value_display]",
            run: "click",
        },
        {
            content: "Accept the proposed city",
            trigger: ".modal .o_data_row:contains(City) input.o_radio_input[data-value=accept]:enabled",
            run: "click",
        },
        {
            content: "Edit the Street line",
            trigger: ".modal .o_data_row:contains(Street) td[name=value_display]",
            run: "click",
        },
        {
            content: "Choose New Value for the street",
            trigger: ".modal .o_data_row:contains(Street) input.o_radio_input[data-value=value]:enabled",
            run: "click",
        },
        {
            content: "Type a mix of the old and the proposed street",
            trigger: ".modal .o_data_row:contains(Street) .o_field_widget[name=new_value] input",
            run: "edit Harbour 2, formerly Harbour 1",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The banner is gone once the data is checked",
            trigger: "body:not(:has(.modal)) .o_form_view:not(:has(.o_crm_sync_desync_banner))",
        },
        {
            content: "The city was updated",
            trigger: ".o_form_view .o_field_widget[name=city] input",
            run: function () {
                const value = this.anchor.value;
                if (value !== "Odense") {
                    throw new Error(`City should be Odense, got ${value}`);
                }
            },
        },
        {
            content: "Back to the desynchronized contacts",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Switch to kanban",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The kanban card shows the icon next to the name",
            trigger: ".o_kanban_record:contains(Second Desync Co) .o_crm_sync_desync_icon",
        },
        {
            content: "The checked company left the list of desynchronized contacts",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains(Desync Tour Co)))",
        },
    ],
});
