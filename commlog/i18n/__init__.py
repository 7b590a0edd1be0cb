"""Message catalogues and the choice of the user's language.

Messages are looked up by key in one catalogue per language: the ``en`` and
``zh_CN`` packages beside this file, each split into one module per command
group so that both languages of a group sit in matching files. The language comes from ``--lang``, then
``COMMLOG_LANG``, then ``language`` in ``commlog.yaml``, then the locale
variables ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``, falling back to English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "en"

_current = DEFAULT_LANGUAGE
_catalogues: dict[str, Mapping[str, str]] = {}


def normalize_language(value: str | None) -> str | None:
    """Map a language tag or locale name (``zh_CN.UTF-8``, ``en-US``) to ``zh-CN`` or ``en``.

    Returns None for an empty value, ``C``/``POSIX`` and languages commlog has no catalogue for.
    """
    if not value:
        return None
    tag = value.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return None


def language_from_locale(environ: Mapping[str, str]) -> str | None:
    """Return the language of the first locale variable that is set, as gettext reads them."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return normalize_language(value) or DEFAULT_LANGUAGE
    return None


def resolve_language(
    option: str | None,
    configured: str | None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Choose the language: option, then COMMLOG_LANG, then configuration, then locale."""
    environ = os.environ if environ is None else environ
    for candidate in (option, environ.get("COMMLOG_LANG"), configured):
        language = normalize_language(candidate)
        if language:
            return language
    return language_from_locale(environ) or DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    """Make ``language`` the language of every message from now on."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; use one of {', '.join(LANGUAGES)}")
    _current = language


def get_language() -> str:
    """Return the language messages are printed in."""
    return _current


def _catalogue(language: str) -> Mapping[str, str]:
    catalogue = _catalogues.get(language)
    if catalogue is None:
        from importlib import import_module

        package = "zh_CN" if language == "zh-CN" else "en"
        catalogue = _catalogues[language] = import_module(f"commlog.i18n.{package}").MESSAGES
    return catalogue


def translate(key: str, /, language: str | None = None, **params: Any) -> str:
    """Return the message ``key`` in the current language, formatted with ``params``.

    A key missing from the catalogue is returned as it is, so a gap shows up in
    output instead of crashing the command.
    """
    template = _catalogue(language or _current).get(key)
    if template is None:
        template = _catalogue("en").get(key, key)
    if not params:
        return template
    return template.format(**params)


def pick_label(labels: Mapping[str, str] | str | None, fallback: str, language: str | None = None) -> str:
    """Return the label for the current language from a ``{zh-CN: …, en: …}`` mapping."""
    if isinstance(labels, str):
        return labels
    if not labels:
        return fallback
    language = language or _current
    return labels.get(language) or labels.get("en") or labels.get("zh-CN") or fallback


_ = translate
