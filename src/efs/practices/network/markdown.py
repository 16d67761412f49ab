"""Posts and course materials rendered safely: CommonMark without raw HTML and without images
(no request leaves for another server), links only to http(s)/mailto and relative addresses,
each with rel="nofollow noopener". The HTML is made once when the text is written."""

from __future__ import annotations

from markdown_it import MarkdownIt

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _validate_link(url: str) -> bool:
    lowered = url.strip().lower()
    if ":" not in lowered.split("/", 1)[0]:
        return True  # relative: no scheme before the first slash
    return lowered.startswith(_SAFE_SCHEMES)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = _validate_link  # type: ignore[method-assign]  # markdown-it's documented hook

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow noopener")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _renderer()


def render(text: str) -> str:
    return _MD.render(text)
