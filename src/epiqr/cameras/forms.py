from django import forms
from django.utils.translation import gettext_lazy as _


class FrameForm(forms.Form):
    frame = forms.FileField(label=_("Frame (JPEG or PNG)"))
    reference = forms.BooleanField(
        label=_("This is the empty-scene reference (nobody in it)"), required=False
    )
