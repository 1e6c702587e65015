-- A neutralized copy of a database must not act for its users through mail add-ons: the
-- switch is removed (off), and every sign-in code and plugin token is deleted.
DELETE FROM ir_config_parameter WHERE key = 'mail_plugin_gmail.enabled';
DELETE FROM mail_plugin_auth_code;
DELETE FROM res_users_apikeys WHERE scope = 'odoo.plugin.outlook';
