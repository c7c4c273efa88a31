"""Files a RUN downloads with curl or wget and then runs, installs, extracts or makes executable,
with nothing in the build verifying them (no checksum or signature check).

:func:`unverified_downloads` follows each download's file through the later commands of its
RUN: by the path it is saved to (``-o``, ``-O``, ``wget -P``, a ``>`` redirection), renamed by
``mv`` or ``cp``. A download piped into an extractor (``curl URL | tar -xz``) is used where it
arrives; one piped into a shell is curl-pipe-shell's. Signing keys, checksum lists and data a
RUN only reads are not followed: only what becomes code or content of the image counts.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import ast
from ..shell.builder import POSIX_SHELLS
from ..shell.model import Word
from ..shell.modes import apply_mode
from ..shell.remote import downloads_to_stdout
from ..shell.tools import program_name, urls
from .layers import Step, run_steps, under_new_root
from .paths import has_glob, resolve
from .sources import url_path

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis

__all__ = ["Download", "unverified_downloads", "VERIFIERS"]

#: Programs that check a file against a digest or a signature. Any of them in the RUN counts as
#: verifying what the RUN downloads: which file `sha256sum -c list` checks is in the list, not
#: on the command line; `[ "$(sha256sum f | cut -c1-64)" = "$SHA" ]` compares without `-c`.
VERIFIERS = frozenset((
    "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum", "b2sum", "shasum", "cksum",
    "gpgv", "gpgv2", "minisign", "signify", "slsa-verifier", "rekor-cli", "sigstore",
))
#: Tools that verify only when a word says so: `gpg --verify` (not `gpg --dearmor` of a key),
#: `cosign verify-blob`, `openssl dgst`, `rpm -K`, `gh attestation verify`.
_VERIFYING_WORDS = {
    "gpg": ("--verify", "--verify-files"), "gpg2": ("--verify", "--verify-files"),
    "cosign": ("verify", "verify-blob", "verify-attestation", "verify-blob-attestation"),
    "openssl": ("dgst", "sha256", "sha512"), "rpm": ("-K", "--checksig"), "gh": ("attestation",),
}

_EXTRACTORS = frozenset(("tar", "bsdtar", "gtar", "unzip", "7z", "7za", "7zz", "gunzip", "gzip", "xz", "unxz",
                         "zstd", "unzstd", "bunzip2", "bzip2", "cpio", "dpkg-deb", "rpm2cpio", "ar", "jar", "zcat"))
_INSTALLERS = {
    "dpkg": None, "rpm": None, "apt-get": "install", "apt": "install", "aptitude": "install",
    "yum": "install", "dnf": "install", "microdnf": "install", "tdnf": "install", "zypper": "install",
    "apk": "add", "pip": "install", "gem": "install", "npm": "install", "pipx": "install",
    "install": None,  # coreutils install: copies with mode 755 unless -m says otherwise
}
_INTERPRETER = re.compile(r"(?:python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|java|source|\.)")
#: Directories on the default PATH: a file saved there is a program.
_PROGRAM_DIRS = ("/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/root/.local/bin")


@dataclass(frozen=True, eq=False)
class Download:
    """A curl or wget ``step`` fetching ``url``, saved at ``path`` (None: piped on), which
    ``use_step`` then uses as ``use``: ``run``, ``install``, ``extract``, ``make executable``,
    or ``program`` (saved into a PATH directory)."""

    step: Step
    url: Word
    path: Optional[str]
    use: str
    use_step: Step


def unverified_downloads(analysis: "Analysis", node: ast.Instruction) -> list[Download]:
    """Downloads of the RUN (or ONBUILD RUN) ``node`` that the build uses unverified, in order."""
    steps = [step for step in run_steps(analysis, node) if not under_new_root(step)]
    fetching = [step for step in steps if step.invocation is not None and step.invocation.program in ("curl", "wget")]
    if not fetching or any(_verifies(step) for step in steps):
        return []
    found = []
    for step in fetching:
        for url in urls(step.invocation):
            if not _remote(url.value):
                continue
            download = _followed(analysis, node, steps, step, url)
            if download is not None:
                found.append(download)
    return found


def _remote(url: str) -> bool:
    """Not a local file: curl and wget take a URL without a scheme as http."""
    return not url.lower().startswith("file:")


def _verifies(step: Step) -> bool:
    invocation = step.invocation
    if invocation is None:
        return False
    program = invocation.program
    if program in VERIFIERS or program == "busybox" and invocation.operands \
            and posixpath.basename(invocation.operands[0].value) in VERIFIERS:
        return True
    words = _VERIFYING_WORDS.get(program)
    return words is not None and any(word.value in words for word in step.command.argv[1:])


def _followed(analysis: "Analysis", node: ast.Instruction, steps: list[Step], step: Step,
              url: Word) -> Optional[Download]:
    """The first use of what ``step`` downloads from ``url``, if the RUN uses it."""
    invocation = step.invocation
    assert invocation is not None
    if downloads_to_stdout(invocation):
        redirect = next((r for r in step.command.redirects if r.op in (">", ">|") and r.fd in (None, 1)), None)
        if redirect is None:
            return _piped(step, url)
        places = [_place(analysis, node, redirect.target.value, step.cwd)]
    else:
        places = _saved_at(analysis, node, step, url)
    places = [place for place in places if place]
    if not places:
        return None
    program_dir = next((p for p in places if posixpath.dirname(p) in _PROGRAM_DIRS), None)
    if program_dir is not None:
        return Download(step, url, program_dir, "program", step)
    for later in steps:
        if later.index <= step.index or later.invocation is None:
            continue
        use = _use(analysis, node, later, places)
        if use == "moved":
            continue
        if use is not None:
            return Download(step, url, places[0], use, later)
    return None


def _piped(step: Step, url: Word) -> Optional[Download]:
    """A download to stdout read by an extractor down the pipeline: ``curl -L URL | tar -xz``."""
    command = step.command
    if not command.masked:
        return None
    for member in step.script.pipeline(command):
        if member.pipeline_index == command.pipeline_index + 1:
            invocation = step.script.invocation(member)
            if invocation is not None and invocation.program in _EXTRACTORS:
                return Download(step, url, None, "extract", step)
    return None


def _saved_at(analysis: "Analysis", node: ast.Instruction, step: Step, url: Word) -> list[Optional[str]]:
    """Where curl or wget saves what it fetches from ``url``."""
    invocation = step.invocation
    assert invocation is not None
    cwd = step.cwd
    name = posixpath.basename(url_path(url.value))
    if invocation.program == "curl":
        outputs = [o for o in invocation.options if o.name in ("-o", "--output") and o.value not in (None, "-")]
        if outputs:  # one -o per URL, in order; a single one is the common case
            position = list(urls(invocation)).index(url)
            option = outputs[min(position, len(outputs) - 1)]
            return [_place(analysis, node, option.value or "", cwd)]
        directory = invocation.value("--output-dir") or cwd
        return [_place(analysis, node, posixpath.join(directory, name) if directory else name, cwd)] if name else []
    option = invocation.option("-O", "--output-document")
    if option is not None:
        return [_place(analysis, node, option.value or "", cwd)]
    directory = invocation.value("-P", "--directory-prefix") or cwd
    name = name or "index.html"
    return [_place(analysis, node, posixpath.join(directory, name) if directory else name, cwd)]


def _place(analysis: "Analysis", node: ast.Instruction, text: str, cwd: Optional[str]) -> Optional[str]:
    """``text`` as a path to compare: ARG/ENV expanded where they resolve, absolute where the
    working directory is known, else as written (the same spelling names the same file)."""
    if not text or text.startswith("/dev/"):
        return None
    if "$" in text:
        expansion = analysis.model.expand(node, text)
        if expansion.resolved:
            text = expansion.value
    return resolve(text, cwd) or posixpath.normpath(text)


def _use(analysis: "Analysis", node: ast.Instruction, step: Step, places: list[Optional[str]]) -> Optional[str]:
    """How ``step`` uses one of ``places``: ``moved`` (a new name added to ``places``), or None."""
    invocation = step.invocation
    assert invocation is not None
    argv = step.command.argv
    start = next((i for i, w in enumerate(argv) if program_name(w.value) == invocation.program), 0)
    words = argv[start + 1:]
    named = [i for i, word in enumerate(words) if _names(analysis, node, step, word, places)]
    program = invocation.program
    if start < len(argv) and _place(analysis, node, argv[start].value, step.cwd) in places:
        return "run"  # ./install.sh, /tmp/installer --yes
    if not named:
        return None
    if program in ("mv", "cp") and len(words) >= 2 and named[0] < len(words) - 1:
        destination = _place(analysis, node, words[-1].value, step.cwd)
        if destination is not None:
            source = posixpath.basename(words[named[0]].value)
            places.append(destination)
            places.append(posixpath.join(destination, source))  # into a directory
        return "moved"
    if program in POSIX_SHELLS or _INTERPRETER.fullmatch(program):
        return "run"
    if program in _EXTRACTORS:
        return "extract"
    if program == "chmod":
        modes = [w.value for w in words if not w.value.startswith("-") or apply_mode(w.value, 0) is not None]
        mode = apply_mode(modes[0], 0o644) if modes else None  # a downloaded file is rw-r--r--
        return "make executable" if mode is not None and mode & 0o111 else None
    if program in _INSTALLERS:
        verb = _INSTALLERS[program]
        if verb is None or invocation.subcommand == verb or any(w.value == verb for w in words):
            return "install"
    return None


def _names(analysis: "Analysis", node: ast.Instruction, step: Step, word: Word,
           places: list[Optional[str]]) -> bool:
    value = word.value
    if value.startswith("-") and "=" in value:
        value = value.partition("=")[2]  # --file=tool.tar.gz
    place = _place(analysis, node, value, step.cwd) if value else None
    if place is None:
        return False
    if has_glob(place):  # chmod 0755 /out/*
        return any(fnmatch.fnmatchcase(known, place) for known in places if known)
    return place in places
