/** @odoo-module */
import { registry } from "@web/core/registry";

// Started on the form of "Compare Tour Co" as a salesman (see tests/test_economic_status.py), with
// the fake e-conomic server holding customer "Compare Tour Co" in Odense with another phone number.
registry.category("web_tour.tours").add("crm_sync_economic_compare_tour", {
    steps: () => [
        {
            content: "The status block says the customer differs from e-conomic, on two fields",
            trigger:
                ".o_form_view .o_crm_sync_economic_status:contains(Differs) .o_crm_sync_economic_count:contains(2)",
            // the first page of a fresh database compiles its assets
            timeout: 30000,
        },
        {
            content: "Compare",
            trigger: ".o_crm_sync_economic_status button[name=action_crm_sync_economic_compare]",
            run: "click",
        },
        {
            content: "The window shows both values of the city, highlighted",
            trigger: ".modal .o_data_row.text-warning:contains(City):contains(Aarhus):contains(Odense)",
        },
        {
            content: "Fields that are the same are not highlighted",
            trigger: ".modal .o_data_row:not(.text-warning):contains(Zip):contains(8000)",
        },
        {
            content: "Edit the City line",
            trigger: ".modal .o_data_row:contains(City) td[name=economic_value]",
            run: "click",
        },
        {
            content: "e-conomic is right about the city",
            trigger:
                ".modal .o_data_row:contains(City) input.o_radio_input[data-value=economic]:enabled",
            run: "click",
        },
        {
            content: "Edit the Phone line",
            trigger: ".modal .o_data_row:contains(Phone):not(:contains(Mobile)) td[name=crm_value]",
            run: "click",
        },
        {
            content: "The CRM is right about the phone",
            trigger:
                ".modal .o_data_row:contains(Phone):not(:contains(Mobile)) input.o_radio_input[data-value=crm]:enabled",
            run: "click",
        },
        {
            content: "Apply",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "Back on the form, which now says In Sync",
            trigger: "body:not(:has(.modal)) .o_form_view .o_crm_sync_economic_status:contains(In Sync)",
        },
        {
            content: "The city was taken from e-conomic",
            trigger: ".o_form_view .o_field_widget[name=city] input",
            run: function () {
                const value = this.anchor.value;
                if (value !== "Odense") {
                    throw new Error(`City should be Odense, got ${value}`);
                }
            },
        },
    ],
});
