"""Form pieces shared by the domains' forms."""

from django import forms


class PhoneInput(forms.TextInput):
    """A phone number field: the phone keypad on mobiles, the browser's saved number offered."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "tel", "autocomplete": "tel", **(attrs or {})})
