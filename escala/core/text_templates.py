"""Plain-text templates (mail bodies): rendered without HTML escaping.

Django's template engine escapes for HTML by default, which is right for pages and wrong for a
text/plain mail: "John's printer" would arrive as "John&#x27;s printer". Text templates are
rendered here, by an engine that reads the same app template directories with autoescape off.
Nothing rendered here may ever be served as HTML.
"""

from __future__ import annotations

import functools
from typing import Any

from django.template import Context, Engine, engines


@functools.cache
def engine() -> Engine:
    """The project's template engine, copied with autoescape off."""
    pages = engines["django"].engine  # type: ignore[attr-defined]
    return Engine(
        dirs=pages.dirs,
        app_dirs=True,
        libraries=pages.libraries,
        builtins=[b for b in pages.builtins if b not in Engine.default_builtins],
        autoescape=False,
        debug=False,
    )


def render_text(template_name: str, context: dict[str, Any]) -> str:
    return engine().get_template(template_name).render(Context(context, autoescape=False))
