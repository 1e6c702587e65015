/** @odoo-module **/
// Settings: switch Mail Plugin on, save, read the address for the add-on, run Check connection.
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("mail_plugin_gmail_onprem_tour", {
    test: true,
    url: "/web#action=base_setup.action_general_configuration",
    steps: () => [
        {
            content: "Switch Mail Plugin on",
            trigger:
                ".o_field_widget[name='mail_plugin_gmail_enabled'] input[type='checkbox']:not(:checked)",
            run: "click",
        },
        {
            content: "Save (the mark tells the page before saving from the one after)",
            trigger: ".o_form_button_save",
            run() {
                document.body.dataset.mailPluginBeforeSave = "1";
                this.$anchor[0].click();
            },
        },
        {
            content: "Saved: the block shows the address users enter in the add-on",
            trigger:
                "body:not([data-mail-plugin-before-save]) #mail_plugin_gmail_details .o_field_widget[name='mail_plugin_gmail_server_url']:contains('http://127.0.0.1')",
            isCheck: true,
        },
        {
            content: "The manifest download is offered",
            trigger:
                "#mail_plugin_gmail_details a[href='/mail_plugin_gmail/appsscript.json']",
            isCheck: true,
        },
        {
            content: "Check connection",
            trigger:
                "#mail_plugin_gmail_details button[name='action_mail_plugin_gmail_check_connection']",
            run: "click",
        },
        {
            content: "The report has one line per check",
            trigger:
                ".o_field_widget[name='report_html'] tr:contains('Add-on endpoint answers')",
            run() {
                const rows = document.querySelectorAll(
                    ".o_field_widget[name='report_html'] tbody tr"
                );
                if (rows.length !== 6) {
                    throw new Error(`6 checks expected, ${rows.length} shown`);
                }
            },
        },
        {
            content: "Mail Plugin is on: its line is OK",
            trigger: "tr:contains('Mail Plugin is on') .badge:contains('OK')",
            isCheck: true,
        },
        {
            content: "The test server speaks plain HTTP: an error, with how to fix it",
            trigger: "tr:contains('Secure address'):contains('reverse proxy')",
            extra_trigger: "tr:contains('Secure address') .badge:contains('Error')",
            isCheck: true,
        },
        {
            content: "The summary says it will not connect",
            trigger: ".alert-danger.o_mail_plugin_diagnostic_summary:visible",
            isCheck: true,
        },
        {
            content: "Close the report",
            trigger: ".modal-footer button.btn-secondary",
            run: "click",
        },
        {
            content: "Back on the settings",
            trigger: "body:not(:has(.modal)) #mail_plugin_gmail_details",
            isCheck: true,
        },
    ],
});
