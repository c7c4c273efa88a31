"""DF303 add-instead-of-copy: ADD of local files and directories, where COPY says what happens."""

from __future__ import annotations

import os
import posixpath
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.sources import ADD_ONLY_FLAGS, Source, copy_sources, unpackable
from dflint.rule import Finding, Rule, RuleContext


class AddInsteadOfCopy(Rule):
    """ADD of local files does what COPY does, with surprises COPY does not have.

    ## What it does
    Reports an ADD whose sources are all local files or directories of the
    build context (or here-documents): no URL, no git repository, nothing
    named like an archive ADD would unpack (`.tar`, `.tar.gz`, `.tgz`,
    `.tar.bz2`, `.tar.xz`, `.tar.zst`... and `.gz`, `.xz` or `.bz2` files,
    which may be tar archives), and no file beside the Dockerfile that
    begins as a tar archive or a compressed file does, whatever its name. Sources are read after ARG/ENV expansion; a
    source whose value cannot be known is not reported. `ADD --unpack=false`
    with archives is reported too: it copies them as COPY does. When one
    ADD mixes such local files with a URL, a git repository or an archive,
    each local file is reported: it belongs in a COPY of its own. ONBUILD
    ADD triggers are checked.

    Differences from hadolint (DL3020): hadolint also reports git sources
    written `git@host:repo` (ADD clones them; COPY cannot) and sources
    made of an ARG without default; it does not report ONBUILD ADD, and
    takes `.zst` archives, and archive names in capitals (`app.TGZ`), for
    plain files. Same as Trivy's DS005 and Checkov's CKV_DOCKER_4, which
    report any ADD that is not needed.

    ## Why is this bad?
    ADD unpacks any local tar archive it is given, whatever its name, and
    can fetch URLs and git repositories. Reading `ADD config/ /etc/app/`, one
    cannot tell whether something gets unpacked or downloaded; `COPY` says
    it only copies, and does exactly that the day a tarball lands among the
    copied files.

    ## Example
    ```dockerfile
    FROM nginx:1.27-alpine
    ADD nginx.conf /etc/nginx/nginx.conf
    ADD public/ /usr/share/nginx/html/
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27-alpine
    COPY nginx.conf /etc/nginx/nginx.conf
    COPY public/ /usr/share/nginx/html/
    ADD rootfs.tar.gz /
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/app.jar /opt/app.jar
    ```

    ## Fix safety
    The fix replaces `ADD` with `COPY`. No fix is offered with ADD-only
    flags (`--checksum`, `--keep-git-dir`, `--unpack`); flags shared with
    COPY keep their meaning, and directories and here-documents are copied
    the same. The one difference is a local tar archive, plain or
    compressed, whatever its name (`ADD rootfs /`): ADD unpacks it, COPY
    copies the file. So the fix is safe only when dflint has seen every
    source: it takes the Dockerfile's directory for the build context (a
    plain `docker build .`), and a source found there that is a directory,
    or a file whose first bytes are not a tar header (ustar or the old V7
    format) nor a compressed stream, is no archive (one that is needs ADD
    and is not reported). It is unsafe when a source is not found there
    (the context may be elsewhere: `docker build -f docker/Dockerfile .`),
    when the Dockerfile comes from standard input, in an ONBUILD trigger
    (which copies from the context of the build that uses the image), and
    with a wildcard (`ADD *.cfg /etc/`), as the files it matches may
    include such an archive. The whole context (`ADD . /src/`) is a
    directory, and here-documents are no archive, wherever the build runs.
    """

    code = "DF303"
    name = "add-instead-of-copy"
    summary = "ADD of local files instead of COPY"
    severity = Severity.WARNING
    aliases = ("DL3020", "DS005", "CKV_DOCKER_4")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            add = node.effective
            if not isinstance(add, ast.AddInstruction) or add.destination is None:
                continue
            sources = copy_sources(ctx.model, add, node)
            if not sources or any(s.kind == "unknown" for s in sources):
                continue
            unpack = add.flag("unpack")
            no_unpack = unpack is not None and unpack.value is not None and unpack.value.lower() == "false"
            # An ONBUILD trigger copies from the context of the build that uses this image, not this one.
            context = None if node is not add else _context(ctx.path)
            seen = {id(s): _inspect(context, s, ctx.file.escape) for s in sources if s.kind == "local"}
            needed = [s for s in sources if s.kind in ("git", "http")
                      or (s.kind == "local" and not no_unpack and (unpackable(s.value) or seen[id(s)] == "archive"))]
            plain = [s for s in sources if s not in needed]
            if not plain:
                continue
            if needed:
                what = "a URL" if any(s.kind == "http" for s in needed) else \
                    "a git repository" if any(s.kind == "git" for s in needed) else "an archive to unpack"
                for source in plain:
                    yield ctx.finding(source.argument, f"ADD of `{source.argument.value}` along with {what}: ADD is "
                                                       f"needed for {what} only; copy this with a COPY of its own")
                continue
            kinds = "here-documents" if all(s.kind == "heredoc" for s in sources) else "local files"
            reason = " (`--unpack=false`: archives are not unpacked)" if no_unpack else ""
            yield ctx.finding(add.keyword, f"ADD of {kinds} does what COPY does{reason}: use COPY, which only copies "
                                           f"(ADD also unpacks archives and fetches URLs)",
                              _fix(ctx, add, sources, all(found == "plain" for found in seen.values())))


#: How a tar archive (at offset 257) or a compressed stream ADD would unpack begins, whatever its name.
_TAR_MAGIC = (257, b"ustar")
_TAR_BLOCK = 512
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def _context(path: Optional[str]) -> Optional[str]:
    """The build context taken for ``path``: its directory, as for ``docker build -f``-less builds."""
    return None if not path or path == "-" else os.path.dirname(path) or "."


def _inspect(context: Optional[str], source: Source, escape: str) -> str:
    """What the local ``source`` is: ``"plain"`` when it is surely no archive ADD would unpack (a
    directory, or a file beside the Dockerfile that begins as neither a tar archive nor a compressed
    stream), ``"archive"`` when it begins as one, ``"unknown"`` when dflint cannot tell.

    ADD unpacks a local file whatever it is called (`ADD rootfs /`) when it is a tar archive, plain or
    compressed (BuildKit opens it as a tar stream), so only its content tells. The build context is
    taken to be the Dockerfile's directory; only a plain path is read, and only its first block.
    """
    value = source.value
    if not value or source.glob:
        return "unknown"
    if escape == "`":
        value = value.replace("\\", "/")  # a Windows path
    inside = posixpath.normpath("/" + value).lstrip("/")  # BuildKit keeps `..` inside the context
    if not inside:
        return "plain"  # the context itself, a directory: ADD unpacks no directory
    if context is None:
        return "unknown"
    path = os.path.join(context, inside)
    if os.path.isdir(path):
        return "plain"
    try:
        with open(path, "rb") as handle:
            start = handle.read(_TAR_BLOCK)
    except (OSError, ValueError):  # missing (another build context?), unreadable: nothing tells
        return "unknown"
    if start.startswith(_COMPRESSED) or start[_TAR_MAGIC[0]:_TAR_MAGIC[0] + len(_TAR_MAGIC[1])] == _TAR_MAGIC[1] \
            or _v7_tar_header(start):
        return "archive"
    return "plain"


def _v7_tar_header(block: bytes) -> bool:
    """``block`` is a tar header without the ustar magic (the old V7 format, which Go's archive/tar, and
    so BuildKit, still reads): its checksum field holds the sum of its bytes, as Go checks it."""
    if len(block) < _TAR_BLOCK or not block.strip(b"\0"):
        return False
    field = block[148:156].strip(b" \0")
    if not field or any(c not in b"01234567" for c in field):
        return False
    stored = int(field, 8)
    header = block[:148] + b" " * 8 + block[156:_TAR_BLOCK]
    return stored in (sum(header), sum(c - 256 if c > 127 else c for c in header))


def _fix(ctx: RuleContext, add: ast.AddInstruction, sources: tuple[Source, ...], inspected: bool) -> Optional[Fix]:
    if any(add.flag(name) is not None for name in ADD_ONLY_FLAGS):
        return None
    keyword = add.keyword
    written = keyword.text
    copy = "COPY" if written.isupper() else "copy" if written.islower() else "Copy"
    # Safe only when every local source was seen to be no archive: one dflint cannot see may be a tar.
    safe = inspected and not any(s.glob for s in sources)
    return ctx.fix("Replace ADD with COPY", ctx.edit(keyword.span.start.offset, keyword.span.end.offset, copy),
                   applicability=Applicability.SAFE if safe else Applicability.UNSAFE)
