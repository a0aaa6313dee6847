"""click's own messages in French: help headings, usage errors, prompts.

click writes « Usage: », « Options: », « [default: …] », « Error: No such option… »
through :func:`gettext.gettext` and :func:`gettext.ngettext`, which it imports into
each of its modules as ``_`` and ``ngettext``; without a catalogue for the user's
locale (none ships with click), they stay in English. :func:`install` puts a French
catalogue in their place, for this process. A message click adds in a later version
and missing here stays in English: nothing breaks.

The messages a developer sees (a parameter declared twice…) are left in English.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["FRENCH", "FRENCH_PLURALS", "SUBCOMMANDS", "install"]

#: What a group's usage line says of its commands (click: « COMMAND [ARGS]... »).
SUBCOMMANDS = "COMMANDE [ARGUMENTS]..."

#: click's modules that take their messages from gettext.
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion",
            "termui", "types", "utils")

FRENCH: dict[str, str] = {
    # Help.
    "Usage:": "Utilisation :",
    # click adds « : » to a section's heading: the space makes it French typography.
    "Options": "Options ",
    "Commands": "Commandes ",
    "Positional arguments": "Arguments ",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(calculée)",
    "deprecated": "obsolète",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    # Usage errors.
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "No such option {name!r}.": "option inconnue : « {name} ».",
    "No such command {name!r}.": "commande inconnue : « {name} ».",
    "Missing command.": "commande manquante.",
    "Missing argument": "argument manquant :",
    "Missing option": "option manquante :",
    "Missing parameter": "paramètre manquant :",
    "Missing {param_type}": "{param_type} manquant :",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Option {name!r} does not take a value.": "l'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "l'argument « {name} » prend {nargs} valeurs.",
    "Invalid start character for option ({option})":
        "caractère invalide au début de l'option ({option})",
    "Value must be an iterable.": "la valeur doit être une liste.",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}":
        "impossible d'ouvrir le fichier « {filename} » : {message}",
    # Values.
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est pas une valeur oui/non. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a file.": "{name} « {filename} » : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} « {filename} » : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} « {filename} » : lecture interdite.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » : écriture interdite.",
    "{name} {filename!r} is not executable.": "{name} « {filename} » : exécution interdite.",
    # Prompts and interruptions.
    "Aborted!": "Abandon.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.":
        "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
}

#: (singular, plural) in English -> in French, where 0 and 1 take the singular.
FRENCH_PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("argument en trop : {args}", "arguments en trop : {args}"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire : {possibilities} ?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("l'option « {name} » attend une valeur.", "l'option « {name} » attend {nargs} valeurs."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas {choice}.", "« {value} » ne fait pas partie de : {choices}."),
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."):
        ("« {value} » ne suit pas le format {format}.",
         "« {value} » ne suit aucun des formats {formats}."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("attend {nargs} valeurs, 1 seule donnée.", "attend {nargs} valeurs, {len} données."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs attendues, {len_value} donnée.",
         "{len_type} valeurs attendues, {len_value} données."),
}


def french(message: str) -> str:
    """gettext's ``gettext``: the French of one of click's messages."""
    return FRENCH.get(message, message)


def french_plural(singular: str, plural: str, count: int) -> str:
    """gettext's ``ngettext``: the French of one of click's messages that has a plural."""
    one, many = FRENCH_PLURALS.get((singular, plural), (singular, plural))
    return one if count <= 1 else many


def install() -> None:
    """Give click's modules the French catalogue, for this process; the metavar of a text
    option (click: « TEXT », from its type's name) is « TEXTE »."""
    click.types.STRING.name = "texte"
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = french  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = french_plural  # type: ignore[attr-defined]
