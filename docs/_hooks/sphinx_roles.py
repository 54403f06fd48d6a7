"""MkDocs hook: shows the docstrings' Sphinx roles (:class:`~keras_gans.models.GAN`) as code.

The docstrings are written for ``help()`` and IDEs, where ``:func:`name``` is the usual way to
name another object; in the rendered API reference the role itself is noise.
"""

import re

# After Markdown: ":class:<code>~keras_gans.models.GAN</code>" -> "<code>GAN</code>".
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):<code>(~?)([\w.]+)</code>")


def _shown(match):
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html, **kwargs):
    """Rewrites every role in a rendered page."""
    return _ROLE.sub(_shown, html)
