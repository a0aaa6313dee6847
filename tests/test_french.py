"""The one French formatting helper: numbers, plurals, typography and articles; no
English message of a library printed raw among a command's output."""

import subprocess
import sys

from spie_graph.french import (
    NBSP,
    NNBSP,
    article,
    decimal,
    number,
    of_territory,
    percent,
    plural,
    sheet_number,
    typography,
    yes_no,
)


def test_numbers_use_narrow_no_break_spaces_and_decimal_commas():
    assert number(3449370) == f"3{NNBSP}449{NNBSP}370"
    assert number(12.6) == "13"
    assert decimal(0.1434, 3) == "0,143"
    assert decimal(1234.5, 1) == f"1{NNBSP}234,5"
    assert percent(0.8) == f"80{NNBSP}%"
    assert percent(0.1234, 1) == f"12,3{NNBSP}%"


def test_plurals_follow_french_rules():
    assert plural(0, "acteur") == "0 acteur"
    assert plural(1, "acteur") == "1 acteur"
    assert plural(2, "acteur") == "2 acteurs"
    assert plural(3, "lettre d'engagement", "lettres d'engagement") == "3 lettres d'engagement"
    assert yes_no(True) == "oui" and yes_no(False) == "non" and yes_no(None) == ""


def test_typography_is_idempotent_and_spares_urls():
    text = "Porteur : le CD ; voir « la carte »! https://exemple.fr/a:b?c"
    once = typography(text)
    assert once == (f"Porteur{NBSP}: le CD{NNBSP}; voir «{NBSP}la carte{NBSP}»{NNBSP}! "
                    "https://exemple.fr/a:b?c")
    assert typography(once) == once


def test_territory_names_take_their_article():
    assert article("departement", "56", "Morbihan") == "le Morbihan"
    assert article("departement", "01", "Ain") == "l'Ain"
    assert article("departement", "40", "Landes") == "les Landes"
    assert article("departement", "75", "Paris") == "Paris"
    assert article("departement", "974", "La Réunion") == "La Réunion"
    assert of_territory("departement", "56", "Morbihan") == "du Morbihan"
    assert of_territory("departement", "50", "Manche") == "de la Manche"
    assert of_territory("departement", "07", "Ardèche") == "de l'Ardèche"
    assert of_territory("departement", "40", "Landes") == "des Landes"
    assert of_territory("region", "84", "Auvergne-Rhône-Alpes") == "de l'Auvergne-Rhône-Alpes"
    assert of_territory("commune", "56260", "Vannes") == "de Vannes"
    assert of_territory("commune", "01004", "Ambérieu-en-Bugey") == "d'Ambérieu-en-Bugey"


def test_sheet_number_is_what_french_spreadsheets_read():
    assert sheet_number(3449370) == "3449370"  # no grouping: a grouped number reads as text
    assert sheet_number(0.1434) == "0,1434"
    assert sheet_number(-2.5) == "-2,5"
    assert sheet_number(1 / 3) == "0,333333"
    assert sheet_number(2.0) == "2"
    assert sheet_number(float("nan")) == ""



def test_the_driver_s_retries_are_not_printed_raw():
    """A batch the driver runs again after a deadlock succeeds: its English warning is
    not printed among a command's output, in a process where logging is not set up (as
    the CLI's)."""
    code = ("import logging, spie_graph.store.neo4j\n"
            "logging.getLogger('neo4j.pool').warning("
            "'Transaction failed and will be retried in %ss (%s)', 1.07, 'DeadlockDetected')\n"
            "logging.getLogger('autre').warning('visible')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stderr == "visible\n"  # Python's last resort still prints the others
