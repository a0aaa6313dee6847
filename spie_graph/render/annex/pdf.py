"""PDF from a DOCX, by LibreOffice in headless mode (``soffice --convert-to pdf``).

LibreOffice is run as a subprocess with a throw-away user profile (so that it
neither touches the user's nor collides with a LibreOffice already open), in a
temporary folder; the PDF's bytes are returned. Without LibreOffice, a French
error says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from spie_graph.errors import ExportError

__all__ = ["SOFFICE_HINT", "docx_to_pdf", "find_soffice"]

SOFFICE_HINT = ("installez LibreOffice (Debian, Ubuntu : « sudo apt-get install "
                "libreoffice-writer-nogui », ou scripts/install-clients.sh ; macOS, Windows : "
                "https://fr.libreoffice.org), ou écrivez l'annexe en .docx et exportez-la en PDF "
                "depuis Word ou LibreOffice")
TIMEOUT_S = 180


def find_soffice() -> str | None:
    """The LibreOffice executable (``soffice``, ``libreoffice``), or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    mac = "/Applications/LibreOffice.app/Contents/MacOS/soffice"
    return mac if os.path.exists(mac) else None


def docx_to_pdf(docx: bytes, name: str = "annexe") -> bytes:
    """Convert a DOCX document to PDF with LibreOffice.

    Raises
    ------
    ExportError
        When LibreOffice is missing, fails or produces no PDF.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ExportError(f"le PDF de l'annexe est produit par LibreOffice, introuvable ici "
                          f"(commande « soffice ») : {SOFFICE_HINT}")
    with tempfile.TemporaryDirectory(prefix="spie-graph-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / f"{name}.docx"
        source.write_bytes(docx)
        profile = (folder / "profil").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(folder), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise ExportError(f"LibreOffice n'a pas converti l'annexe en PDF en {TIMEOUT_S} s ; "
                              "réessayez, ou exportez le .docx en PDF depuis LibreOffice") \
                from exc
        except OSError as exc:
            raise ExportError(f"LibreOffice ne peut pas être lancé ({soffice} : "
                              f"{exc.strerror or exc}) : {SOFFICE_HINT}") from exc
        target = folder / f"{name}.pdf"
        if done.returncode != 0 or not target.exists():
            detail = " ".join((done.stderr or done.stdout or "").split())[:300]
            raise ExportError(f"LibreOffice n'a pas converti l'annexe en PDF (code "
                              f"{done.returncode}{' : ' + detail if detail else ''}) ; "
                              "exportez le .docx en PDF depuis LibreOffice ou Word")
        return target.read_bytes()
