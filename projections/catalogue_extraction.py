"""Extracting the message ids (Babel's extractors, ``babel.cfg``) and bringing each language's
``.po`` up to them: what ``python3 tasks.py catalogues`` runs and the catalogue tests check.
Tooling for translators; the service only reads the catalogues (``projections/catalogues.py``)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "babel.cfg"
DOMAINS = {
    "pages": ("services", ROOT / "services" / "pages" / "locale",
              {"t": None, "FormError": (2,), "form_uuid": (3,), "Refused": (3,)}),
    "mail": ("workers/mail", ROOT / "workers" / "mail" / "locale", {"_": None}),
}
"""Each domain: the folder its sources are in (its sections of ``babel.cfg``), its ``locale``
folder (``<domain>.pot`` and ``<language>/LC_MESSAGES/<domain>.po``) and the functions that name
its message ids (``FormError``'s second argument, the third of ``form_uuid`` and ``Refused``)."""
SOURCE_LANGUAGE = "de"
WIDTH = 96
"""Lines of the ``.po`` files are wrapped as Babel wrote them first, so an update rewraps nothing."""


def template(domain: str):  # type: ignore[no-untyped-def]
    """The domain's ``.pot``, fresh: every id the sources name (Babel's extractors for Python and
    Jinja2, ``babel.cfg``), each with the files naming it and the German words as a comment for
    translators. The ids come in the German catalogue's order, new ones after them; ids the
    German catalogue has words for but no source names literally (put together at run time,
    such as ``t("weekday." ~ day)``, or the refusals' table) stay, without a file."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    folder, _, keywords = DOMAINS[domain]
    with MAPPING.open() as file:
        method_map, options_map = parse_mapping_cfg(file, str(MAPPING))
    prefix = f"{folder}/"
    method_map = [(pattern.removeprefix(prefix), method) for pattern, method in method_map
                  if pattern.startswith(prefix)]
    options_map = {pattern.removeprefix(prefix): options for pattern, options in options_map.items()
                   if pattern.startswith(prefix)}
    named: dict[str, list[tuple[str, None]]] = {}
    for filename, _, message, _, _ in extract_from_dir(ROOT / folder, method_map, options_map,
                                                        keywords):
        if isinstance(message, str):
            named.setdefault(message, []).append((f"{prefix}{filename}", None))
    german = catalogue(domain, SOURCE_LANGUAGE)
    found = Catalog(domain=domain, project="Treffpunkt", version="2",
                    copyright_holder="Samtgemeinde Bersenbrück", charset="utf-8",
                    creation_date=german.creation_date)
    for key in [*(message.id for message in german if message.string), *named]:
        if key not in found:
            words = german[key].string if key in german else ""
            found.add(key, locations=named.get(key, ()),
                      auto_comments=[f"{SOURCE_LANGUAGE}: {words}"] if words else ())
    return found


def catalogue(domain: str, language: str):  # type: ignore[no-untyped-def]
    """The language's catalogue of ``domain`` as its ``.po`` file holds it."""
    from babel.messages.pofile import read_po

    path = DOMAINS[domain][1] / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=domain)


def written(catalog, *, template: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    """A catalogue as its file holds it: the ``.pot`` with the files naming each id (not the
    lines, which change with every edit), the ``.po`` files without."""
    from babel.messages.pofile import write_po

    buffer = BytesIO()
    write_po(buffer, catalog, width=WIDTH, no_location=not template, include_lineno=False,
             omit_header=False)
    return buffer.getvalue()


def updated(domain: str) -> dict[Path, bytes]:
    """The domain's ``.pot`` fresh, and each language's ``.po`` brought up to it (Babel's update,
    as ``pybabel update``): new ids come in untranslated, words and translators' comments stay,
    no fuzzy guesses (the ids are symbolic), and an id no longer in the template is kept as
    obsolete (``#~``) if it has words (one without is dropped). The files' texts, by path."""
    fresh = template(domain)
    locale = DOMAINS[domain][1]
    files = {locale / f"{domain}.pot": written(fresh, template=True)}
    for folder in sorted(path for path in locale.iterdir() if (path / "LC_MESSAGES").is_dir()):
        kept = catalogue(domain, folder.name)
        kept.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
        kept.project, kept.version = fresh.project, fresh.version
        kept.obsolete = {key: old for key, old in kept.obsolete.items() if old.string}
        if folder.name == SOURCE_LANGUAGE:
            for message in kept:
                message.auto_comments = []  # the German words need no German comment
        files[folder / "LC_MESSAGES" / f"{domain}.po"] = written(kept)
    return files


def update(domain: str) -> list[Path]:
    """Writes what ``updated`` answers; the files that changed."""
    changed = []
    for path, text in updated(domain).items():
        if not path.exists() or path.read_bytes() != text:
            path.write_bytes(text)
            changed.append(path)
    return changed


if __name__ == "__main__":  # python -m projections.catalogue_extraction: what tasks.py catalogues runs
    for name in DOMAINS:
        for path in update(name):
            print(f"updated {path.relative_to(ROOT)}")
