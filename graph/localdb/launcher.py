"""The Launcher's Java side: finding Java, fetching the Neo4j jars with Maven, compiling the
Launcher and keeping its class-data sharing archive."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graph.localdb.atomic_files import flock, write_atomic
from graph.localdb.error import LOG_TAIL_LINES, LocalDbError

if TYPE_CHECKING:
    from graph.localdb.server import Server

JVM_DIR = Path(__file__).resolve().parent / "jvm"
MIN_JAVA = 17

_MARKER_NAME = ".tunegraph-fetched"


def fetch_jars(jvm_dir: Path = JVM_DIR) -> bool:
    """Fetch the Neo4j jars into ``jvm_dir/lib`` with Maven unless they are there; True if fetched.

    The jars are complete when ``lib/.tunegraph-fetched`` lists them (name and size) for the
    current ``pom.xml``. Maven copies into a fresh folder first; then new or changed jars are moved
    into ``lib`` (a running server keeps the files it opened) and jars no longer listed are
    removed. MAVEN_OPTS (e.g. ``-Dmaven.repo.local=...``) is honoured as Maven does.
    """
    lib = jvm_dir / "lib"
    marker = lib / _MARKER_NAME
    pom = jvm_dir / "pom.xml"
    build = jvm_dir / "target"
    build.mkdir(parents=True, exist_ok=True)
    with flock(build / ".jvm.lock"):
        pom_sha = hashlib.sha256(pom.read_bytes()).hexdigest()
        if _jars_complete(lib, marker, pom_sha):
            return False
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalDbError(
                f"the Neo4j jars are not in {lib} yet and Maven (`mvn`) is not installed to fetch"
                " them: install Maven, e.g. apt-get install maven, and start again")
        _note(f"fetching the Neo4j jars with Maven into {lib} (first start only; about 130 MB"
              " unless ~/.m2 has them)...")
        fresh = build / "lib.fetch"
        shutil.rmtree(fresh, ignore_errors=True)
        cmd = [mvn, "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={fresh}",
               "-DincludeScope=runtime"]
        done = subprocess.run(cmd, cwd=jvm_dir, capture_output=True, text=True, check=False)
        jars = sorted(p for p in fresh.iterdir() if p.is_file()) if fresh.is_dir() else []
        if done.returncode != 0 or not jars:
            output = (done.stdout + done.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
            raise LocalDbError(
                f"Maven could not fetch the Neo4j jars (exit {done.returncode} of"
                f" `{shlex.join(cmd)}` in {jvm_dir}); the first start needs access to Maven"
                " Central (or a mirror in ~/.m2/settings.xml)"
                + "".join(f"\n  {line}" for line in output))
        lib.mkdir(exist_ok=True)
        wanted = {p.name: p.stat().st_size for p in jars}
        for jar in jars:
            target = lib / jar.name
            if not target.is_file() or target.stat().st_size != wanted[jar.name]:
                os.replace(jar, target)
        for old in lib.iterdir():
            if old.name not in wanted and old.name != _MARKER_NAME and old.is_file():
                old.unlink()
        write_atomic(marker, json.dumps({"pom_sha256": pom_sha, "files": wanted}, indent=1))
        shutil.rmtree(fresh, ignore_errors=True)
        return True


def find_java() -> tuple[str, str]:
    """The java executable (JAVA_HOME first, then PATH), checked to be Java 17 or newer, and
    what its ``-version`` printed."""
    java_home = os.environ.get("JAVA_HOME", "")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate and candidate.is_file() else shutil.which("java")
    if java is None:
        raise LocalDbError("Java not found (`java` is not on PATH): install a Java 17+ runtime,"
                           " e.g. apt-get install openjdk-17-jre-headless")
    try:
        probe = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                               check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LocalDbError(f"could not run {java} -version ({exc}): install a Java 17+ runtime,"
                           " e.g. apt-get install openjdk-17-jre-headless") from exc
    found = re.search(r'version "(\d+)(?:\.(\d+))?', probe.stderr + probe.stdout)
    if found is None:
        raise LocalDbError(f"cannot tell the version of {java} (`java -version` printed"
                           f" {probe.stderr.strip()[:200]!r}); Neo4j needs Java 17 or newer")
    major = int(found.group(1))
    if major == 1 and found.group(2):  # 1.8 -> 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        raise LocalDbError(f"{java} is Java {major}, Neo4j 5 needs Java 17 or newer: install e.g."
                           " openjdk-17-jre-headless and put it first on PATH or in JAVA_HOME")
    return java, probe.stderr + probe.stdout


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    entry: list[str]  # -cp CLASSPATH MAIN
    cds: list[str]  # class-data sharing flags
    archive: Path | None  # the class-data archive used, if any


def plan_launch(java: str, java_version: str) -> LaunchPlan:
    """How to run the Launcher: compiled into ``target/launcher.jar`` when ``javac`` is there.

    With the jar, class-data sharing (AppCDS) cuts the CPU time of a start by about a third: the
    first server run records the classes it loads into ``target/cds/neo4j-KEY.jsa.PART`` at exit
    (that stop takes some seconds longer), `stop` checks and adopts it, and later starts map it.
    KEY covers the jar, the Neo4j jars and the Java runtime, so any change records a new one.
    """
    lib = JVM_DIR / "lib"
    jars = str(lib / "*")
    source = JVM_DIR / "Launcher.java"
    javac = Path(java).resolve().parent / "javac"
    if not javac.is_file():  # a JRE: `java Launcher.java` compiles it in memory on every start
        return LaunchPlan(["-cp", jars, str(source)], [], None)
    build = JVM_DIR / "target"
    jar = build / "launcher.jar"
    marker = (lib / _MARKER_NAME).read_bytes()
    with flock(build / ".jvm.lock"):
        stamp_file = build / "launcher.sha256"
        stamp = hashlib.sha256(source.read_bytes() + marker).hexdigest()
        current = stamp_file.read_text().strip() if stamp_file.is_file() else ""
        if current != stamp or not jar.is_file():
            _compile(javac, jars, source, jar)
            stamp_file.write_text(stamp + "\n")
        entry = ["-cp", f"{jar}{os.pathsep}{jars}", "Launcher"]
        key = hashlib.sha256(jar.read_bytes() + marker + str(Path(java).resolve()).encode()
                             + java_version.encode()).hexdigest()[:16]
        cds = build / "cds"
        archive = cds / f"neo4j-{key}.jsa"
        if archive.is_file():
            return LaunchPlan(entry, [f"-XX:SharedArchiveFile={archive}"], archive)
        base = subprocess.run([java, "-Xshare:on", "-version"], capture_output=True, check=False)
        if base.returncode != 0:  # no base archive in this runtime: no dynamic one either
            return LaunchPlan(entry, [], None)
        cds.mkdir(exist_ok=True)
        for orphan in cds.glob("*.part"):  # from servers that did not stop through `stop`
            orphan.unlink(missing_ok=True)
        part = cds / f"neo4j-{key}.{uuid.uuid4().hex[:12]}.part"
        return LaunchPlan(entry, [f"-XX:ArchiveClassesAtExit={part}", "-Xlog:cds=off"], None)


def _compile(javac: Path, jars: str, source: Path, jar: Path) -> None:
    with tempfile.TemporaryDirectory(dir=jar.parent) as scratch:
        classes = Path(scratch)
        done = subprocess.run(
            [str(javac), "--release", str(MIN_JAVA), "-nowarn", "-cp", jars, "-d", str(classes),
             str(source)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
            raise LocalDbError(f"javac could not compile {source}"
                               + "".join(f"\n  {line}" for line in lines))
        fresh = classes / "launcher.jar"
        with zipfile.ZipFile(fresh, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n\n")
            for compiled in sorted(classes.glob("*.class")):
                archive.write(compiled, compiled.name)
        os.replace(fresh, jar)


def adopt_archive(server: Server, clean: bool) -> str:
    """After a server recorded a class-data archive at exit: check it and keep it, or drop it."""
    args = list(server.args)
    flag = next((a for a in args if a.startswith("-XX:ArchiveClassesAtExit=")), None)
    if flag is None or "-cp" not in args:
        return ""
    part = Path(flag.split("=", 1)[1])
    final = part.with_name(part.name.split(".", 1)[0] + ".jsa")
    with flock(JVM_DIR / "target" / ".jvm.lock"):
        if not part.is_file():
            return ""
        check = [args[0], "-Xshare:on", f"-XX:SharedArchiveFile={part}", "-cp",
                 args[args.index("-cp") + 1], "-version"]
        if clean and not final.exists() and subprocess.run(
                check, capture_output=True, check=False, timeout=120).returncode == 0:
            os.replace(part, final)
            for old in final.parent.glob("*.jsa"):
                if old != final:
                    old.unlink(missing_ok=True)
            return "; recorded a class-data archive for faster starts"
        part.unlink(missing_ok=True)
    return ""


def _jars_complete(lib: Path, marker: Path, pom_sha: str) -> bool:
    try:
        recorded = json.loads(marker.read_text())
        files = recorded["files"]
        if recorded["pom_sha256"] != pom_sha or not isinstance(files, dict) or not files:
            return False
        return all((lib / name).is_file() and (lib / name).stat().st_size == size
                   for name, size in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _note(message: str) -> None:
    print(f"tunegraph: {message}", file=sys.stderr, flush=True)
