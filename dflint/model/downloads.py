"""Files a RUN downloads with curl or wget and the build then runs, installs, unpacks, makes
executable or saves as a program, with no check of their digest or signature first.

:func:`unverified_downloads` follows each download of a RUN through the commands after it, in
that RUN and the later RUNs of its stage: by the path it is saved to (``-o``, ``-O``, ``wget
-O``/``-P``, a ``>`` redirection, ``| tee``), renamed by ``mv`` or ``cp``. A download piped into
an extractor (``curl URL | tar -xz``) is used where it arrives; one piped into a shell is
curl-pipe-shell's. Signing keys, checksum lists and data the build only reads are not followed.

A check counts for the downloads it can refer to: a digest or signature tool in its checking
form (``sha256sum -c``, a digest compared in ``[ "$(sha256sum f | cut ...)" = ... ]``, ``gpg
--verify``, ``cosign verify-blob``...) whose command line, pipeline or redirections name the
file, or a ``-c`` list that the build downloaded itself (a published ``SHA256SUMS``).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional

from .. import ast
from ..shell.builder import POSIX_SHELLS
from ..shell.model import Command, Word
from ..shell.modes import apply_mode
from ..shell.remote import SCRIPT_INTERPRETER, downloads_to_stdout
from ..shell.tools import program_name, urls
from .layers import Step, run_steps, under_new_root
from .paths import has_glob, resolve
from .sources import url_path

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis

__all__ = ["Download", "unverified_downloads"]

#: Digest tools: they check in their `-c` form, or when their output is compared.
_DIGESTS = frozenset(("sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum", "b2sum", "b3sum",
                      "shasum", "cksum", "rhash"))
#: Signature tools whose every run is a check.
_SIGNATURE_CHECKERS = frozenset(("gpgv", "gpgv2", "sqv", "minisign", "signify", "slsa-verifier", "debsig-verify"))
#: Tools that check only when one of these words is on their command line.
_CHECKING_WORDS = {
    "gpg": ("--verify", "--verify-files"), "gpg2": ("--verify", "--verify-files"),
    "cosign": ("verify-blob", "verify-blob-attestation"), "sq": ("verify",), "dpkg-sig": ("--verify",),
    "ssh-keygen": ("verify",), "jarsigner": ("-verify",), "rpm": ("-K", "--checksig"),
    "rpmkeys": ("-K", "--checksig"), "openssl": ("dgst", "sha256", "sha384", "sha512"), "gh": ("attestation",),
}
#: Inline code hashing a file: Composer's documented installer check (`php -r "hash_file('sha384', ...)"`).
_HASHING_CODE = re.compile(r"hash_file|hashlib|createHash|Digest::|sha(?:256|384|512)")
_INLINE_CODE = frozenset(("-r", "-c", "-e", "--eval"))

_EXTRACTORS = frozenset(("tar", "bsdtar", "gtar", "unzip", "7z", "7za", "7zz", "gunzip", "gzip", "xz", "unxz",
                         "zstd", "unzstd", "bunzip2", "bzip2", "cpio", "dpkg-deb", "rpm2cpio", "ar", "jar", "zcat"))
_INSTALLERS = {
    "dpkg": None, "rpm": None, "apt-get": "install", "apt": "install", "aptitude": "install",
    "yum": "install", "dnf": "install", "microdnf": "install", "tdnf": "install", "zypper": "install",
    "apk": "add", "pip": "install", "gem": "install", "npm": "install", "pipx": "install",
}
#: Programs that run a file they are given: the script interpreters, ``java -jar``, ``source`` and ``.``.
_INTERPRETER = re.compile(rf"(?:{SCRIPT_INTERPRETER.pattern}|java|source|\.)")
#: Directories on the default PATH of images: a file saved there is a program.
_PROGRAM_DIRS = frozenset(("/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"))
#: Programs that can use a file: rename, run, unpack, install it or make it executable.
_USING = frozenset(("mv", "cp", "chmod", "install")) | _EXTRACTORS | frozenset(_INSTALLERS) | POSIX_SHELLS


@dataclass(frozen=True, eq=False)
class Download:
    """A curl or wget ``step`` fetching ``url``, saved at ``path`` (None: piped on) and shown as
    ``shown`` (as written when it starts from ``~`` or ``$HOME``, whose user the image decides),
    which ``use_step`` then uses as ``use``: ``run``, ``install``, ``extract``, ``make
    executable``, or ``program`` (saved or moved into a directory on the PATH)."""

    step: Step
    url: Word
    path: Optional[str]
    shown: Optional[str]
    use: str
    use_step: Step
    #: The later RUN that uses it, when not the downloading RUN itself.
    use_node: Optional[ast.Instruction] = None


@dataclass(frozen=True, eq=False)
class _Timed:
    """A step with the RUN it belongs to: a download is followed into the stage's later RUNs.

    ``files`` are the file names its words (and, for a check, its pipeline's) can name; a step
    naming none of a download's names is passed over without a closer look, unless it is
    ``wild``: a glob, inline code, or a check of a list that does not name the file.
    """

    node: ast.Instruction
    step: Step
    files: frozenset[str] = frozenset()
    wild: bool = False


def unverified_downloads(analysis: "Analysis", node: ast.Instruction) -> list[Download]:
    """Downloads of the RUN (or ONBUILD RUN) ``node`` that the build uses unchecked, in order."""
    own = [step for step in run_steps(analysis, node) if not under_new_root(step)]
    fetching = [step for step in own if step.invocation is not None and step.invocation.program in ("curl", "wget")]
    if not fetching:
        return []
    found = []
    for step in fetching:
        for url in urls(step.invocation):
            if url.value.lower().startswith("file:"):
                continue  # a local file; curl and wget take a URL without a scheme as http
            download = _unchecked_use(analysis, node, fetching, step, url)
            if download is not None:
                found.append(download)
    return found


def _after(analysis: "Analysis", node: ast.Instruction, step: Step) -> Iterator[_Timed]:
    """The steps after ``step`` that may use or check a file: in its RUN, then in the later RUNs of
    its stage (not for an ONBUILD trigger, which runs in another build)."""
    yield from (timed for timed in _candidates(analysis, node) if timed.step.index > step.index)
    stage = analysis.model.stage_of(node)
    if node.effective is not node or stage is None:
        return
    instructions = stage.instructions
    at = next((i for i, instruction in enumerate(instructions) if instruction is node), len(instructions))
    for later in instructions[at + 1:]:
        if isinstance(later, ast.RunInstruction):
            yield from _candidates(analysis, later)


def _candidates(analysis: "Analysis", node: ast.Instruction) -> list[_Timed]:
    """The steps of a RUN that can use or check a downloaded file, found once per RUN: the rest
    (most commands) need not be looked at once per download."""
    memo = analysis.memo("downloads: candidates")
    if node not in memo:
        found = []
        for step in run_steps(analysis, node):
            invocation = step.invocation
            if invocation is None or under_new_root(step):
                continue
            program = invocation.program
            if program in _USING or program in _DIGESTS or program in _SIGNATURE_CHECKERS \
                    or program in _CHECKING_WORDS or _INTERPRETER.fullmatch(program) \
                    or "/" in step.command.argv[_after_program(step.command, program)[0]].value:
                found.append(_filed(analysis, node, step))
        memo[node] = found
    return memo[node]


def _filed(analysis: "Analysis", node: ast.Instruction, step: Step) -> _Timed:
    invocation = step.invocation
    assert invocation is not None
    program = invocation.program
    checking = program in _DIGESTS or program in _SIGNATURE_CHECKERS or program in _CHECKING_WORDS
    members = step.script.pipeline(step.command) if checking else (step.command,)
    texts = _texts(members)
    texts += [analysis.model.expand(node, text).value for text in texts if "$" in text]  # ARG/ENV values
    files = {_file_name(token) for text in texts for token in _TOKEN_BREAK.split(text)}
    files |= {match.group(1) for match in map(_COMPANION.fullmatch, files) if match is not None}
    values = [word.value for word in step.command.argv]
    wild = any(has_glob(value) for value in values) \
        or bool(_INTERPRETER.fullmatch(program)) and any(value in _INLINE_CODE for value in values) \
        or program in _DIGESTS and _checked_list(values[1:]) not in (None, "-")
    return _Timed(node, step, frozenset(files), wild)


def _texts(members) -> list[str]:
    """The words, redirection targets and here-document bodies of the commands ``members``."""
    texts: list[str] = []
    for member in members:
        texts += [word.value for word in member.argv]
        texts += [redirect.target.value for redirect in member.redirects]
        texts += [redirect.heredoc.body for redirect in member.redirects if redirect.heredoc is not None]
    return texts


#: What cannot be part of a file name in a word: `"$SHA  /usr/local/bin/yq"`, `--file=t.tgz`,
#: sed's `s#helm-v.*#helm.tgz#`, a URL's `https:`.
_TOKEN_BREAK = re.compile(r"[\s\"'#|;,()<>=:]+")


def _file_name(token: str) -> str:
    """The file name a token names: its last path component, without a grep pattern's `$`."""
    return posixpath.basename(token.strip("*^[]").rstrip("$"))


def _unchecked_use(analysis: "Analysis", node: ast.Instruction, fetching: list[Step], step: Step,
                   url: Word) -> Optional[Download]:
    """The first use of what ``step`` downloads from ``url``, unless the build checks it: before
    the use when the use runs it, else anywhere after the download (a failed check fails the build)."""
    saved = _saved(analysis, node, step, url)
    if saved is None:
        return _piped(step, url)
    places, written = saved
    if not places:
        return None
    names = {posixpath.basename(place) for place in places}
    use: Optional[tuple[str, _Timed, str]] = None
    if _on_path(analysis, node, places[0]):
        use = ("program", _Timed(node, step), places[0])
    for timed in _after(analysis, node, step):
        if not timed.wild and timed.files.isdisjoint(names):
            continue  # names none of the download's files: most steps
        if _checks(timed, names, fetching):
            if use is None or use[0] != "run":
                return None
            break  # checked only after it ran
        if use is not None:
            continue
        known = len(places)
        found = _use(analysis, timed, places)
        copies = places[known:]  # where mv, cp or install put it
        names.update(posixpath.basename(place) for place in copies)
        program = next((p for p in copies if _on_path(analysis, timed.node, p)), None)
        if program is not None:
            use = ("program", timed, program)
        elif found is not None and found != "moved":
            use = (found, timed, copies[-1] if copies else places[0])
    if use is None:
        return None
    how, timed, path = use
    shown = written if written.startswith(("~", "$HOME", "${HOME}")) and path == places[0] else path
    return Download(step, url, path, shown, how, timed.step, timed.node if timed.node is not node else None)


def _piped(step: Step, url: Word) -> Optional[Download]:
    """A download to stdout read by an extractor down the pipeline: ``curl -L URL | tar -xz``."""
    command = step.command
    if not command.masked:
        return None
    for member in step.script.pipeline(command):
        if member.pipeline_index == command.pipeline_index + 1:
            invocation = step.script.invocation(member)
            if invocation is not None and invocation.program in _EXTRACTORS \
                    and not _lists_only(invocation.program, _after_program(member, invocation.program)[1]):
                return Download(step, url, None, None, "extract", step)
    return None


def _saved(analysis: "Analysis", node: ast.Instruction, step: Step,
           url: Word) -> Optional[tuple[list[str], str]]:
    """Where curl or wget saves what it fetches from ``url`` (resolved, and as written), or None
    when it goes on down a pipeline."""
    invocation = step.invocation
    assert invocation is not None
    cwd = step.cwd
    if downloads_to_stdout(invocation):
        redirect = next((r for r in step.command.redirects if r.op in (">", ">|") and r.fd in (None, 1)), None)
        if redirect is not None:
            written = redirect.target.value
        else:
            written = _teed(step) or ""
            if not written:
                return None
    elif invocation.program == "curl":
        outputs = [o for o in invocation.options if o.name in ("-o", "--output") and o.value not in (None, "-")]
        if outputs:  # one -o per URL, in order
            position = list(urls(invocation)).index(url)
            written = outputs[min(position, len(outputs) - 1)].value or ""
        else:
            name = posixpath.basename(url_path(url.value))
            directory = invocation.value("--output-dir")
            written = posixpath.join(directory, name) if directory and name else name
    else:
        option = invocation.option("-O", "--output-document")
        if option is not None:
            written = option.value or ""
        else:
            name = posixpath.basename(url_path(url.value)) or "index.html"
            directory = invocation.value("-P", "--directory-prefix")
            written = posixpath.join(directory, name) if directory else name
    place = _place(analysis, node, written, cwd)
    return ([place], written) if place else ([], written)


def _teed(step: Step) -> Optional[str]:
    """The file ``curl URL | tee FILE`` writes."""
    command = step.command
    for member in step.script.pipeline(command):
        if member.pipeline_index == command.pipeline_index + 1:
            invocation = step.script.invocation(member)
            if invocation is not None and invocation.program == "tee":
                files = [word.value for word in invocation.operands if not word.value.startswith("-")]
                return files[0] if files else None
    return None


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


def _on_path(analysis: "Analysis", node: ast.Instruction, place: str) -> bool:
    """``place`` is a file in a directory on the PATH: the image's usual ones, a home's
    ``.local/bin``, and those the Dockerfile's ENV PATH adds."""
    directory = posixpath.dirname(place)
    if directory in _PROGRAM_DIRS or directory.endswith("/.local/bin") or fnmatch.fnmatchcase(directory, "/home/*/bin"):
        return True
    path = analysis.model.expand(node, "${PATH}")  # the base image's part stays `${PATH}`
    return directory in path.value.split(":")


def _use(analysis: "Analysis", timed: _Timed, places: list[str]) -> Optional[str]:
    """How the step uses one of ``places``: ``moved`` (the new name is added to ``places``), or None."""
    step = timed.step
    invocation = step.invocation
    assert invocation is not None
    argv = step.command.argv
    start, words = _after_program(step.command, invocation.program)
    if start < len(argv) and _place(analysis, timed.node, argv[start].value, step.cwd) in places:
        return "run"  # ./install.sh, /tmp/installer --yes
    named = [i for i, word in enumerate(words) if _names(analysis, timed, word, places)]
    if not named:
        return None
    program = invocation.program
    if program in ("mv", "cp", "install") and len(words) >= 2 and named[0] < len(words) - 1:
        _copied(analysis, timed, words[named[0]], words[-1], places)
        if program != "install":
            return "moved"
    if program in POSIX_SHELLS or _INTERPRETER.fullmatch(program):
        return _interpreted(words)
    if program in _EXTRACTORS:
        return None if _lists_only(program, words) else "extract"
    if program in ("chmod", "install"):
        return "make executable" if _executable(program, words) else None
    return "install" if _installs(program, invocation.subcommand, words) else None


def _copied(analysis: "Analysis", timed: _Timed, source: Word, destination: Word, places: list[str]) -> None:
    """Adds where ``mv``/``cp``/``install`` put ``source``: ``destination``, or a file in it when it is a directory."""
    place = _place(analysis, timed.node, destination.value, timed.step.cwd)
    if place is None:
        return
    if not place.endswith("/"):
        places.append(place)
    places.append(posixpath.join(place, posixpath.basename(source.value)))


def _interpreted(words: tuple[Word, ...]) -> Optional[str]:
    """``python3 x.py`` runs the file; ``python3 -m zipfile -e x.zip`` unpacks it; other modules read it."""
    values = [word.value for word in words]
    if "-m" in values:
        module = values[values.index("-m") + 1] if values.index("-m") + 1 < len(values) else ""
        return "extract" if module in ("zipfile", "tarfile") else None
    return "run"


def _lists_only(program: str, words: tuple[Word, ...]) -> bool:
    """``tar -tzf``, ``tar tzf``, ``tar --list``, ``unzip -l``: the archive is read, not unpacked."""
    values = [word.value for word in words]
    if program in ("tar", "bsdtar", "gtar"):
        if "--list" in values:
            return True
        # The operation is a letter of a short-option bundle, or of the first word in the old style.
        letters = "".join(v[1:] for v in values if v.startswith("-") and not v.startswith("--"))
        if values and not values[0].startswith("-"):
            letters += values[0]
        return "t" in letters and "x" not in letters
    return program == "unzip" and ("-l" in values or "-t" in values)


def _after_program(command: Command, program: str) -> tuple[int, tuple[Word, ...]]:
    """Where the program's own word is in ``command`` (wrappers such as sudo before it), and the words after it."""
    argv = command.argv
    start = next((i for i, w in enumerate(argv) if program_name(w.value) == program), 0)
    return start, argv[start + 1:]


def _executable(program: str, words: tuple[Word, ...]) -> bool:
    """``chmod +x``, ``chmod 755``, ``install`` (mode 755 unless ``-m`` says otherwise)."""
    values = [word.value for word in words]
    if program == "install":
        if "-d" in values or "--directory" in values:
            return False
        mode = next((values[i + 1] for i, v in enumerate(values[:-1]) if v in ("-m", "--mode")), None)
        mode = mode or next((v.partition("=")[2] for v in values if v.startswith("--mode=")), "0755")
    else:
        mode = next((v for v in values if not v.startswith("-") or apply_mode(v, 0) is not None), None)
    applied = apply_mode(mode, 0o644) if mode else None  # a downloaded file is rw-r--r--
    return applied is not None and bool(applied & 0o111)


def _installs(program: str, subcommand: Optional[str], words: tuple[Word, ...]) -> bool:
    """A package manager installing the file: not apk without ``--allow-untrusted`` (it checks the
    package's signature) nor pip with ``--require-hashes`` (it checks the digest)."""
    if program not in _INSTALLERS:
        return False
    values = [word.value for word in words]
    verb = _INSTALLERS[program]
    if verb is not None and subcommand != verb and verb not in values:
        return False
    if program == "apk":
        return "--allow-untrusted" in values
    return not (program == "pip" and "--require-hashes" in values)


def _names(analysis: "Analysis", timed: _Timed, word: Word, places: list[str]) -> bool:
    value = word.value
    if value.startswith("-") and "=" in value:
        value = value.partition("=")[2]  # --file=tool.tar.gz
    place = _place(analysis, timed.node, value, timed.step.cwd) if value else None
    if place is None:
        return False
    if has_glob(place):  # chmod 0755 /out/*
        return any(fnmatch.fnmatchcase(known, place) for known in places)
    return place in places


# ---- checks ------------------------------------------------------------------------------------

def _checks(timed: _Timed, names: set[str], fetching: list[Step]) -> bool:
    """The step checks a digest or signature of a file called one of ``names``."""
    step = timed.step
    invocation = step.invocation
    assert invocation is not None
    program = invocation.program
    argv = step.command.argv
    values = [word.value for word in argv[1:]]
    if program in _DIGESTS:
        listed = _checked_list(values)
        if listed is not None:  # `sha256sum -c LIST`: the list says which files
            return _mentions(timed, names) or listed != "-" and _downloaded_here(listed, fetching)
        compared = "substitution" in step.command.contexts or step.command.masked
        return compared and "--version" not in values and _mentions(timed, names)
    if program in _SIGNATURE_CHECKERS or any(v in _CHECKING_WORDS.get(program, ()) for v in values):
        return _mentions(timed, names)
    if _INTERPRETER.fullmatch(program):
        code = next((values[i + 1] for i, v in enumerate(values[:-1]) if v in _INLINE_CODE), "")
        return bool(_HASHING_CODE.search(code)) and any(name in code for name in names)
    return False


def _checked_list(values: list[str]) -> Optional[str]:
    """The list ``sha256sum -c`` checks (``-`` for stdin), or None when it does not check."""
    for i, value in enumerate(values):
        if value in ("-c", "--check") or value.startswith("-") and not value.startswith("--") and "c" in value:
            rest = [v for v in values[i + 1:] if not v.startswith("-") or v == "-"]
            return rest[0] if rest else "-"
    return None


def _mentions(timed: _Timed, names: set[str]) -> bool:
    """A word of the step's pipeline or of its redirections names one of the files ``names``, or
    its signature or digest file: ``echo "$SHA  /usr/local/bin/yq" | sha256sum -c -``,
    ``sha256sum -c - <<< "$SHA  f"``, ``gpg --verify f.asc f``, ``sha256sum -c f.sha256``."""
    return not timed.files.isdisjoint(names)


_COMPANION = re.compile(r"(.+?)\.(?:sha\d*(?:sums?)?|md5|asc|sig|sign|minisig|bundle|pem|sigstore|digest|checksums?)"
                        r"(?:\.(?:txt|json))?", re.I)


def _downloaded_here(listed: str, fetching: list[Step]) -> bool:
    """The checksum list was itself downloaded by the RUN (a published ``SHA256SUMS``): it lists the
    release's files."""
    name = posixpath.basename(listed)
    for step in fetching:
        if any(name in word.value for word in step.command.argv):
            return True
    return False
