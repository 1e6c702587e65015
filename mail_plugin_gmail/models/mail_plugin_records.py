from odoo import api, models


class MailPluginRecords(models.AbstractModel):
    """The apps' records (leads, tasks, tickets, projects) as the add-on sees them.

    Apps are optional: each part checks that its model is in the registry, so installing CRM,
    Project or Helpdesk later makes it appear without reinstalling this module.
    """

    _name = "mail.plugin.records"
    _description = "Mail Plugin Records"

    @api.model
    def _partner_records_data(self, partner):
        """Keys merged into the answer of partner/get for ``partner`` (a res.partner, maybe
        empty for an unknown sender): leads/tasks/tickets lists, their counts, can-create flags."""
        return {}

    @api.model
    def _search_records(self, model, query, limit=None):
        """``[rows, total]`` for search_records on a model other than res.partner."""
        return [[], 0]
