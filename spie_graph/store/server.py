"""A local Neo4j Community server that spie-graph assembles and runs itself.

The server is Neo4j embedded in a small Java launcher
(``spie_graph/store/java/SpieNeo4j.java``) with its Bolt connector on
``127.0.0.1``. Its jars are fetched once by Maven from
``spie_graph/store/java/pom.xml`` into a cache folder (``home``), which also
holds the compiled launcher, the data, the logs and the pid file::

    home/                     ~/.cache/spie-graph/neo4j-<version> by default
    ├── pom.xml               copy of spie_graph/store/java/pom.xml
    ├── lib/                  the jars (lib/.complete, written last, holds the pom digest)
    ├── classes-<digest>/     SpieNeo4j.class, one folder per launcher source
    ├── data/                 databases
    ├── logs/server.log       output of the launcher; debug.log beside it
    ├── mot-de-passe          the password of neo4j, made at first start (mode 0600)
    └── neo4j.pid

Typical use::

    config = ServerConfig.from_env()
    status = start(config)          # idempotent; waits until Bolt answers
    ...                             # bolt://127.0.0.1:7687, user neo4j
    stop(config)

Needs Java 17 (``java`` and ``javac``) and, for the first assembly only,
Maven (``mvn``).

Security: the Bolt connector listens on the loopback address only and asks for
a password. Unless one is given (``NEO4J_PASSWORD``), it is a random one made
at the first start and kept in ``mot-de-passe`` (readable by its owner only),
which the command line reads for the local server. The password never appears
in any output, message, log, command line or environment: the JVM reads it on
its standard input. The data and log folders are private (0700). ``LOAD CSV``
reads no URL (every address is blocked) and no local file unless an import
folder is given (``import_dir``), to which it is then confined.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from spie_graph.errors import ServerError

__all__ = [
    "NEO4J_VERSION",
    "PASSWORD_FILE",
    "JVM_FLAGS",
    "SERVER_JVM_FLAGS",
    "ADMIN_JVM_FLAGS",
    "ServerConfig",
    "ServerStatus",
    "assemble",
    "start",
    "stop",
    "status",
    "server_password",
    "admin_import",
    "swap_database",
    "IMPORT_DATABASE",
]

SERVER_SOURCES = Path(__file__).resolve().parent / "java"
POM_FILE = SERVER_SOURCES / "pom.xml"
LAUNCHER_SOURCE = SERVER_SOURCES / "SpieNeo4j.java"
LAUNCHER_CLASS = "SpieNeo4j"
READY_MARK = "SpieNeo4j : prêt"
PASSWORD_FILE = "mot-de-passe"
START_MARK = "=== spie-graph : démarrage"

#: JVM flags for Neo4j 5.26 on Java 17 (server and neo4j-admin). Without the three
#: --add-opens, the page cache falls back to a slower mode and the transaction logs
#: cannot use native file access (Neo4j warns about both in debug.log).
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)
#: The server's compiler and collector, measured on a first national load (100,000
#: actors, 2.26 million nodes and relationships, benchmarks/bench_neo4j.py). A server
#: just started spends about a third of its CPU compiling Neo4j's code: with the JVM's
#: default tiered compilation, its C1 and C2 threads took 24 to 39 s of the server's 84
#: to 118 s of CPU; compiling only the code that stays hot, with C2 alone
#: (-TieredCompilation), 5 to 13 s of 54 to 83 s. The parallel collector's cheaper
#: write barriers cut the Bolt workers' own time a little more than G1 did; its pauses
#: are short on the heaps a local server gets (1 to a few GB).
SERVER_JVM_FLAGS = (*JVM_FLAGS, "-XX:+UseParallelGC", "-XX:-TieredCompilation")
#: neo4j-admin database import: a batch run of its own, kept on the JVM's defaults.
ADMIN_JVM_FLAGS = (*JVM_FLAGS, "-XX:+UseG1GC")

_MVN_TIMEOUT = 1800  # seconds; the first download is about 125 MB
ADMIN_CLASS = "org.neo4j.cli.AdminTool"  # neo4j-admin, from neo4j-command-line
#: The database neo4j-admin imports into, beside the served one, before the swap.
IMPORT_DATABASE = "spie-import"
DEFAULT_DATABASE = "neo4j"
_LOG_TAIL_LINES = 20
_SIZE_RE = re.compile(r"^\d+[kmg]$", re.IGNORECASE)
_CHILDREN: dict[int, subprocess.Popen] = {}  # servers started by this process


def _pom_version(pom: Path = POM_FILE) -> str:
    """Read the property ``neo4j.version`` of the pom, the single source of truth."""
    match = re.search(r"<neo4j\.version>\s*([^<\s]+)\s*</neo4j\.version>", pom.read_text("utf-8"))
    if match is None:
        raise ServerError(f"propriété neo4j.version introuvable dans {pom}")
    return match.group(1)


NEO4J_VERSION = _pom_version()


def _default_home() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "spie-graph" / f"neo4j-{NEO4J_VERSION}"


@dataclass(init=False)
class ServerConfig:
    """Where and how the local Neo4j server runs.

    Attributes
    ----------
    home : Path
        Cache folder holding jars, launcher, data, logs and pid file.
    data_dir, log_file, pid_file : Path
        Default to ``home/data``, ``home/logs/server.log``, ``home/neo4j.pid``.
    host, port : str, int
        Address of the Bolt connector.
    user : str
        The only user, ``neo4j``.
    password : str or None
        The password of ``neo4j``, set by the launcher at each start; None:
        the one of ``password_file``, made at first start. Left out of ``repr``.
    password_file : Path
        Defaults to ``home/mot-de-passe`` (or SPIE_GRAPH_NEO4J_PASSWORD_FILE).
    import_dir : Path or None
        The only folder ``LOAD CSV FROM 'file:///…'`` may read; None: none.
    heap, pagecache : str
        JVM heap (``-Xms``/``-Xmx``) and Neo4j page cache, e.g. ``"1g"``, ``"512m"``.
    """

    home: Path
    data_dir: Path
    log_file: Path
    pid_file: Path
    host: str
    port: int
    user: str
    password: str | None = field(repr=False)
    password_file: Path
    import_dir: Path | None
    heap: str
    pagecache: str

    # Written by hand (the dataclass makes repr and ==): the paths are optional
    # arguments but always set attributes, and strings are accepted (environment).
    def __init__(self, home: Path | str | None = None, data_dir: Path | str | None = None,
                 log_file: Path | str | None = None, pid_file: Path | str | None = None,
                 host: str = "127.0.0.1", port: int | str = 7687, user: str = "neo4j",
                 password: str | None = None, password_file: Path | str | None = None,
                 import_dir: Path | str | None = None, heap: str = "1g",
                 pagecache: str = "512m") -> None:
        self.home = Path(_default_home() if home is None else home).expanduser()
        self.data_dir = Path(data_dir) if data_dir else self.home / "data"
        self.log_file = Path(log_file) if log_file else self.home / "logs" / "server.log"
        self.pid_file = Path(pid_file) if pid_file else self.home / "neo4j.pid"
        self.host = host
        self.port = int(port)
        self.user = user
        self.password = password or None
        self.password_file = (Path(password_file).expanduser() if password_file
                              else self.home / PASSWORD_FILE)
        self.import_dir = Path(import_dir).expanduser().resolve() if import_dir else None
        self.heap = heap
        self.pagecache = pagecache

    @classmethod
    def from_env(cls, **overrides: object) -> ServerConfig:
        """Build a configuration from the environment, then ``overrides``.

        Reads SPIE_GRAPH_NEO4J_HOME, SPIE_GRAPH_NEO4J_PORT, NEO4J_PASSWORD,
        SPIE_GRAPH_NEO4J_PASSWORD_FILE, SPIE_GRAPH_NEO4J_IMPORT,
        SPIE_GRAPH_NEO4J_HEAP and SPIE_GRAPH_NEO4J_PAGECACHE. Overrides whose
        value is None are ignored, so CLI options can be passed as they are.
        """
        env = {
            "home": os.environ.get("SPIE_GRAPH_NEO4J_HOME"),
            "port": os.environ.get("SPIE_GRAPH_NEO4J_PORT"),
            "password": os.environ.get("NEO4J_PASSWORD"),
            "password_file": os.environ.get("SPIE_GRAPH_NEO4J_PASSWORD_FILE"),
            "import_dir": os.environ.get("SPIE_GRAPH_NEO4J_IMPORT"),
            "heap": os.environ.get("SPIE_GRAPH_NEO4J_HEAP"),
            "pagecache": os.environ.get("SPIE_GRAPH_NEO4J_PAGECACHE"),
        }
        # Any: the values are checked and converted by __init__ (Path(), int()).
        values: dict[str, Any] = {
            k: v for k, v in {**env, **overrides}.items() if v not in (None, "")}
        port = values.get("port")
        if port is not None and not str(port).isdigit():
            raise ServerError(f"port invalide : « {port} » (SPIE_GRAPH_NEO4J_PORT ou --port)")
        return cls(**values)

    @property
    def uri(self) -> str:
        """The Bolt URI, e.g. ``bolt://127.0.0.1:7687``."""
        return f"bolt://{self.host}:{self.port}"


@dataclass(frozen=True)
class ServerStatus:
    """State of the local server: ``running`` is true when its JVM process lives."""

    running: bool
    pid: int | None
    uri: str
    version: str
    home: Path
    data_dir: Path
    log_file: Path
    password_file: Path | None = None  # None: the password is given (NEO4J_PASSWORD)
    import_dir: Path | None = None


# ---------------------------------------------------------------- assembly


def _tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ServerError(f"{why} : la commande « {name} » est introuvable. {_INSTALL_HINTS[name]}")
    return path


_INSTALL_HINTS = {
    "java": "Installez un JDK 17 (par exemple le paquet openjdk-17-jdk-headless).",
    "javac": "Installez un JDK 17 complet, pas seulement un JRE (openjdk-17-jdk-headless).",
    "mvn": "Installez Maven 3.8 ou plus récent (par exemple le paquet maven).",
}


def _run(cmd: list[str], cwd: Path, what: str, timeout: float) -> None:
    """Run a build command; on failure raise ServerError with the end of its output."""
    try:
        done = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ServerError(f"{what} : délai de {timeout:.0f} s dépassé") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-_LOG_TAIL_LINES:]
        raise ServerError(f"{what} a échoué (code {done.returncode}) :\n" + "\n".join(output))


def _digest(*files: Path) -> str:
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def _fetch_jars(home: Path) -> None:
    lib = home / "lib"
    marker = lib / ".complete"  # written last: holds the digest of the pom
    digest = _digest(POM_FILE)
    if marker.is_file() and marker.read_text("utf-8").strip() == digest:
        return
    mvn = _tool("mvn", "impossible de télécharger Neo4j")
    shutil.rmtree(lib, ignore_errors=True)
    shutil.copyfile(POM_FILE, home / "pom.xml")
    cmd = [mvn, "-q", "-B", "-f", "pom.xml", "dependency:copy-dependencies",
           "-DincludeScope=runtime", f"-DoutputDirectory={lib}"]
    _run(cmd, home, f"le téléchargement de Neo4j {NEO4J_VERSION} par Maven", _MVN_TIMEOUT)
    marker.write_text(digest + "\n", "utf-8")


def _classes(home: Path) -> Path:
    """The launcher's compiled classes: one folder per source, so that checkouts of
    different versions sharing one home never run each other's launcher."""
    return home / f"classes-{_digest(LAUNCHER_SOURCE, POM_FILE)[:12]}"


def _compile_launcher(home: Path) -> None:
    classes = _classes(home)
    marker = classes / ".source-sha256"
    digest = _digest(LAUNCHER_SOURCE, POM_FILE)
    if marker.is_file() and marker.read_text("utf-8").strip() == digest:
        return
    javac = _tool("javac", "impossible de compiler le lanceur de Neo4j")
    shutil.rmtree(classes, ignore_errors=True)
    classes.mkdir(parents=True)
    cmd = [javac, "-proc:none", "-encoding", "UTF-8", "-cp", str(home / "lib" / "*"),
           "-d", str(classes), str(LAUNCHER_SOURCE)]
    _run(cmd, home, "la compilation du lanceur SpieNeo4j.java", 300)
    marker.write_text(digest + "\n", "utf-8")


def assemble(config: ServerConfig) -> Path:
    """Fetch the jars and compile the launcher into ``config.home``, once.

    Idempotent and safe to call from several processes at once (file lock).
    The jars are fetched again only when ``lib/.complete`` is missing or was
    written for another pom, so an interrupted download is redone.

    Returns
    -------
    Path
        The home folder.

    Raises
    ------
    ServerError
        When Maven or the JDK is missing, or the download or compilation fails.
    """
    home = config.home
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".assemble.lock", "w") as lock:
        _lock_exclusively(lock)
        _fetch_jars(home)
        _compile_launcher(home)
    return home


def _lock_exclusively(handle: IO[str]) -> None:
    """Wait for an exclusive lock on an open file (released when it is closed).

    ``fcntl`` where it exists (Linux, macOS); ``msvcrt`` on Windows, where
    ``fcntl`` does not: importing this module works on both.
    """
    if sys.platform == "win32":
        import msvcrt

        handle.write(" ")
        handle.flush()
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)


# ---------------------------------------------------------------- processes


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:  # our own child: poll() also reaps it
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_launcher(pid: int) -> bool:
    """Whether ``pid`` runs our launcher (guards against a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc: trust the pid file
    return LAUNCHER_CLASS.encode() in cmdline


def _server_pid(config: ServerConfig) -> int | None:
    """The pid of our running server, or None (a stale pid file is removed)."""
    try:
        pid = int(config.pid_file.read_text("utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    if _alive(pid) and _is_launcher(pid):
        return pid
    config.pid_file.unlink(missing_ok=True)
    return None


def status(config: ServerConfig) -> ServerStatus:
    """Report whether the server process runs, and where its files are."""
    pid = _server_pid(config)
    return ServerStatus(
        running=pid is not None, pid=pid, uri=config.uri, version=NEO4J_VERSION,
        home=config.home, data_dir=config.data_dir, log_file=config.log_file,
        password_file=None if config.password else config.password_file,
        import_dir=config.import_dir,
    )


def stop(config: ServerConfig, timeout: float = 60) -> bool:
    """Stop the server: SIGTERM, wait up to ``timeout`` seconds, then SIGKILL.

    Returns
    -------
    bool
        True when a running server was stopped, False when none ran.
    """
    pid = _server_pid(config)
    if pid is None:
        return False
    _signal(pid, signal.SIGTERM)
    if not _wait_exit(pid, timeout):
        _signal(pid, signal.SIGKILL)
        _wait_exit(pid, 10)
    _CHILDREN.pop(pid, None)
    config.pid_file.unlink(missing_ok=True)
    return True


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.kill(pid, signum)


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# ---------------------------------------------------------------- password

_PASSWORD_BYTES = 24  # 32 characters of URL-safe base 64: 192 random bits


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and parents) and make it readable by its owner only (0700)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if sys.platform != "win32":
        folder.chmod(0o700)


def _read_password_file(path: Path) -> str | None:
    try:
        text = path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ServerError(f"fichier du mot de passe de Neo4j illisible : {path} "
                          f"({exc.strerror or exc}). Vérifiez ses droits") from exc
    if sys.platform != "win32" and path.stat().st_mode & 0o077:
        try:  # readable by others (copied, restored): make it private again
            path.chmod(0o600)
        except OSError as exc:
            raise ServerError(f"le fichier du mot de passe de Neo4j {path} est lisible par "
                              f"d'autres et ses droits ne peuvent être changés "
                              f"({exc.strerror or exc}) : faites « chmod 600 {path} »") from exc
    if len(text) < 8:
        raise ServerError(f"le fichier du mot de passe de Neo4j est vide ou trop court : {path}. "
                          "Supprimez-le : un nouveau mot de passe sera créé au prochain démarrage "
                          "(spie-graph neo4j stop puis start)")
    return text


def server_password(config: ServerConfig, *, create: bool = False) -> str:
    """The password of the local server: the one given, else the one of its password file.

    With ``create``, a missing file is made with a random password, readable by
    its owner only (0600), before the server first starts. The password is
    never printed.

    Raises
    ------
    ServerError
        No password given and no password file (the server never started), or
        the file cannot be read or written.
    """
    if config.password:
        return config.password
    path = config.password_file
    found = _read_password_file(path)
    if found is not None:
        return found
    if not create:
        raise ServerError(f"aucun mot de passe pour le serveur Neo4j local : {path} n'existe pas. "
                          "Démarrez le serveur (spie-graph neo4j start), qui le crée, ou donnez "
                          "le mot de passe (--neo4j-password ou NEO4J_PASSWORD)")
    password = secrets.token_urlsafe(_PASSWORD_BYTES)
    try:
        _private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process in the meantime
        return server_password(config)
    except OSError as exc:
        raise ServerError(f"impossible de créer le fichier du mot de passe de Neo4j {path} : "
                          f"{exc.strerror or exc}. Vérifiez le dossier et ses droits") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


# ---------------------------------------------------------------- start


def _check_config(config: ServerConfig) -> None:
    if config.user != "neo4j":
        raise ServerError(f"utilisateur « {config.user} » non géré : "
                          "le serveur local n'a que « neo4j »")
    if config.password is not None and len(config.password) < 8:
        raise ServerError("mot de passe trop court : "
                          "Neo4j en exige au moins 8 caractères (NEO4J_PASSWORD)")
    if config.import_dir is not None and not config.import_dir.is_dir():
        raise ServerError(f"dossier d'import introuvable : {config.import_dir} "
                          "(--import-dir ou SPIE_GRAPH_NEO4J_IMPORT). "
                          "Créez-le ou corrigez le chemin")
    for name in ("heap", "pagecache"):
        value = getattr(config, name)
        if not _SIZE_RE.match(value):
            raise ServerError(f"taille invalide pour {name} : « {value} » (exemples : 512m, 2g)")


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens on host:port (TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _log_tail(config: ServerConfig, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = config.log_file.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return "(journal vide)"
    return "\n".join(text.splitlines()[-lines:]) or "(journal vide)"


def _failure(config: ServerConfig, message: str) -> ServerError:
    return ServerError(
        f"{message}\nJournal : {config.log_file}\n"
        f"Dernières lignes du journal :\n{_log_tail(config)}"
    )


def _command(config: ServerConfig, java: str) -> list[str]:
    classpath = f"{_classes(config.home)}{os.pathsep}{config.home / 'lib' / '*'}"
    return [
        java, f"-Xms{config.heap}", f"-Xmx{config.heap}", *SERVER_JVM_FLAGS,
        "-cp", classpath, LAUNCHER_CLASS,
        "--home", str(config.home), "--data", str(config.data_dir),
        "--logs", str(config.log_file.parent), "--host", config.host,
        "--port", str(config.port), "--pagecache", config.pagecache,
        *(["--import", str(config.import_dir)] if config.import_dir else []),
    ]


def _launch(config: ServerConfig, java: str, password: str) -> tuple[int, int]:
    """Start the JVM detached; return its pid and the log offset where it begins.

    The password goes to the JVM's standard input: not in its command line nor
    in its environment (both readable in ``/proc``).
    """
    _private_folder(config.log_file.parent)
    _private_folder(config.data_dir)
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    cmd = _command(config, java)
    with open(config.log_file, "a", encoding="utf-8") as log:
        log.write(f"{START_MARK} de Neo4j {NEO4J_VERSION}, "
                  f"{datetime.now():%Y-%m-%d %H:%M:%S} ===\n")
        log.flush()
        offset = log.tell()
        child = subprocess.Popen(
            cmd, cwd=config.home, env=env, stdin=subprocess.PIPE,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    assert child.stdin is not None  # stdin=PIPE
    with contextlib.suppress(BrokenPipeError):  # the JVM died at once: _wait_ready says why
        child.stdin.write(f"{password}\n".encode())
        child.stdin.close()
    _CHILDREN[child.pid] = child
    config.pid_file.write_text(f"{child.pid}\n", "utf-8")
    return child.pid, offset


def _last_start_offset(config: ServerConfig) -> int:
    """Offset in the log of the last start header (0 when there is none)."""
    try:
        data = config.log_file.read_bytes()
    except FileNotFoundError:
        return 0
    return max(data.rfind(START_MARK.encode()), 0)


def _ready_in_log(config: ServerConfig, offset: int) -> bool:
    try:
        with open(config.log_file, "rb") as log:
            log.seek(offset)
            return READY_MARK.encode() in log.read()
    except FileNotFoundError:
        return False


def _bolt_check(config: ServerConfig, password: str) -> str | None:
    """Connect with the neo4j driver; None when it answers, else the reason."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

    try:
        with GraphDatabase.driver(
            config.uri, auth=(config.user, password), connection_timeout=5
        ) as driver:
            driver.verify_connectivity()
    except AuthError:
        return "auth"
    except (ServiceUnavailable, Neo4jError, OSError) as error:
        return type(error).__name__
    return None


def _wait_ready(config: ServerConfig, pid: int, offset: int, timeout: float,
                password: str) -> None:
    """Wait until the launcher says it is ready (password set) and Bolt answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            config.pid_file.unlink(missing_ok=True)
            raise _failure(config, f"Neo4j s'est arrêté pendant son démarrage (processus {pid}).")
        if _ready_in_log(config, offset):
            reason = _bolt_check(config, password)
            if reason is None:
                return
            if reason == "auth":
                raise ServerError(
                    f"le serveur Neo4j local (processus {pid}) refuse le mot de passe configuré : "
                    "arrêtez-le (spie-graph neo4j stop) "
                    "puis redémarrez-le pour appliquer NEO4J_PASSWORD "
                    f"ou le fichier {config.password_file}."
                )
        time.sleep(0.5)
    stop(config)
    raise _failure(config, f"Neo4j ne répond pas sur {config.uri} après {timeout:.0f} s ; "
                           "il a été arrêté.")


def start(config: ServerConfig, timeout: float = 120) -> ServerStatus:
    """Start the server in the background and wait until Bolt answers.

    Idempotent: when our server already runs, this waits until it answers
    (at once if it is up) and returns its status.

    Raises
    ------
    ServerError
        Java or Maven missing, port taken by another process, credentials
        refused by the running server, or no answer within ``timeout`` seconds
        (the message then gives the log file and its last lines).
    """
    _check_config(config)
    pid = _server_pid(config)
    if pid is not None:
        try:
            password = server_password(config)
        except ServerError:
            raise ServerError(
                f"le serveur Neo4j local (processus {pid}) a été démarré sans fichier de mot de "
                f"passe ({config.password_file} manque) : arrêtez-le (spie-graph neo4j stop) "
                "puis redémarrez-le (spie-graph neo4j start), qui crée ce fichier") from None
        _wait_ready(config, pid, _last_start_offset(config), timeout, password)
        return status(config)
    java = _tool("java", "impossible de démarrer Neo4j")
    if _port_taken(config.host, config.port):
        raise ServerError(
            f"le port {config.port} de {config.host} est déjà utilisé par un autre processus : "
            "arrêtez-le ou choisissez un autre port (--port ou SPIE_GRAPH_NEO4J_PORT)."
        )
    assemble(config)
    password = server_password(config, create=True)
    pid, offset = _launch(config, java, password)
    _wait_ready(config, pid, offset, timeout, password)
    return status(config)


# ---------------------------------------------------------------- bulk import


def _database_folders(config: ServerConfig, name: str) -> tuple[Path, Path]:
    """The store and transaction log folders of a database of the local server."""
    return config.data_dir / "databases" / name, config.data_dir / "transactions" / name


def admin_import(config: ServerConfig, work: Path, arguments: list[str],
                 timeout: float = 3600) -> str:
    """Run ``neo4j-admin database import full`` into :data:`IMPORT_DATABASE`, offline.

    The server must be stopped (the import writes the store files itself);
    ``work`` is a private folder that receives the tool's configuration and
    report; ``arguments`` are the import's options (``--nodes=…``). A previous
    import folder is removed first. Returns the tool's output.

    Raises
    ------
    ServerError
        The server runs, Java is missing, or the import fails (the message
        ends with the tool's last lines; the import folder is removed).
    """
    if _server_pid(config) is not None:
        raise ServerError("l'import en bloc se fait serveur arrêté : arrêtez-le d'abord "
                          "(spie-graph neo4j stop)")
    java = _tool("java", "impossible de lancer neo4j-admin")
    assemble(config)
    for folder in _database_folders(config, IMPORT_DATABASE):
        shutil.rmtree(folder, ignore_errors=True)
    (work / "conf").mkdir(exist_ok=True)
    settings = work / "import.conf"
    settings.write_text(f"server.directories.data={config.data_dir.resolve()}\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    env.update(NEO4J_HOME=str(work), NEO4J_CONF=str(work / "conf"))
    cmd = [java, "-Xmx1g", *ADMIN_JVM_FLAGS, "-cp", str(config.home / "lib" / "*"), ADMIN_CLASS,
           "database", "import", "full", f"--additional-config={settings}",
           f"--report-file={work / 'import.report'}", *arguments, IMPORT_DATABASE]
    try:
        done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0:
        for folder in _database_folders(config, IMPORT_DATABASE):
            shutil.rmtree(folder, ignore_errors=True)
        if done is None:
            raise ServerError(f"neo4j-admin database import : délai de {timeout:.0f} s dépassé")
        output = (done.stdout + done.stderr).strip().splitlines()[-_LOG_TAIL_LINES:]
        raise ServerError(f"neo4j-admin database import a échoué (code {done.returncode}) :\n"
                          + "\n".join(output))
    return done.stdout


def swap_database(config: ServerConfig) -> None:
    """Serve the imported database: its folders replace those of ``neo4j`` (server stopped).

    Both folders of the served database (store, transaction logs) are renamed
    aside first, then both imported ones take their place, then the old ones
    are removed: the served database is never a mix of the two. Only renames
    within the data folder: nothing is copied.
    """
    if _server_pid(config) is not None:
        raise ServerError("la base importée ne remplace la base servie que serveur arrêté")
    pairs = list(zip(_database_folders(config, IMPORT_DATABASE),
                     _database_folders(config, DEFAULT_DATABASE), strict=True))
    for imported, _ in pairs:
        if not imported.is_dir():
            raise ServerError(f"base importée introuvable : {imported}")
    aside = [served.with_name(f".{served.name}-avant-import") for _, served in pairs]
    for (_, served), old in zip(pairs, aside, strict=True):
        shutil.rmtree(old, ignore_errors=True)
        if served.exists():
            served.rename(old)
    for imported, served in pairs:
        imported.rename(served)
    for old in aside:
        shutil.rmtree(old, ignore_errors=True)
