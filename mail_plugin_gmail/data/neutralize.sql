-- A neutralized copy of a database must not act for its users through mail add-ons.
UPDATE ir_config_parameter SET value = 'False' WHERE key = 'mail_plugin_gmail.enabled';
DELETE FROM mail_plugin_auth_code;
DELETE FROM res_users_apikeys WHERE scope = 'odoo.plugin.outlook';
