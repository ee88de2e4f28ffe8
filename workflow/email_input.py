"""The GOV.UK text input for an email address, used by every form that asks for one."""

from .widgets import GovTextInput


class GovEmailInput(GovTextInput):
    """An input of type email (a phone shows its @ keyboard), never spellchecked, and filled
    from the browser's own address unless `autocomplete` says otherwise ("off" for someone else's)."""

    input_type = "email"

    def __init__(self, autocomplete: str = "email"):
        super().__init__()
        self.autocomplete = autocomplete

    def map_gov_params(self, field, **kwargs):
        return {"autocomplete": self.autocomplete, "spellcheck": False, **super().map_gov_params(field, **kwargs)}
