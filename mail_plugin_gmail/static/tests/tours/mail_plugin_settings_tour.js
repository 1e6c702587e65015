/** @odoo-module **/
// Settings → General Settings → Integrations: switch Mail Plugin on and save, as the guide says.
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("mail_plugin_gmail_settings_tour", {
    test: true,
    url: "/web#action=base_setup.action_general_configuration",
    steps: () => [
        {
            content: "The Integrations block shows the Mail Plugin setting",
            trigger:
                ".o_field_widget[name='mail_plugin_gmail_enabled'] input[type='checkbox']:not(:checked)",
            run: "click",
        },
        {
            content: "Its details appear once it is on",
            trigger: "#mail_plugin_gmail_details",
            isCheck: true,
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
            content: "Saved: the reloaded page shows the setting on",
            trigger:
                "body:not([data-mail-plugin-before-save]) .o_field_widget[name='mail_plugin_gmail_enabled'] input[type='checkbox']:checked",
            isCheck: true,
        },
    ],
});
