from odoo import api, models
from odoo.tools.translate import code_translations

from ..tools import addon_terms


class MailPluginTranslation(models.AbstractModel):
    """The add-on's interface texts in the user's language, from this module's .po files."""

    _name = "mail.plugin.translation"
    _description = "Mail Plugin Add-on Translations"

    @api.model
    def _get_addon_translations(self):
        lang = self.env.lang or "en_US"
        if lang == "en_US":
            return {}
        translated = code_translations.get_python_translations("mail_plugin_gmail", lang)
        sources = (term._source for term in addon_terms.TERMS)
        return {src: translated[src] for src in sources if translated.get(src, src) != src}
