"""DF303 add-instead-of-copy: ADD of local files and directories, where COPY says what happens."""

from __future__ import annotations

import os
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
    The fix replaces `ADD` with `COPY`. It is safe when no source has a
    wildcard and no ADD-only flag (`--checksum`, `--keep-git-dir`,
    `--unpack`) is used: files, directories and here-documents are copied
    the same, flags shared with COPY keep their meaning. The one difference
    is a tar archive named like any other file (`ADD rootfs /`): ADD unpacks
    it, COPY would not. dflint reads the first bytes of each source it finds
    beside the Dockerfile (the build context of a plain `docker build .`)
    and leaves a tar archive or a compressed file alone; elsewhere, and on
    standard input, it takes names at their word. With a wildcard
    (`ADD *.cfg /etc/`) the fix is unsafe, as the files it matches may
    include such an archive. No fix is offered with ADD-only flags.
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
            context = _context(ctx.path)
            needed = [s for s in sources if s.kind in ("git", "http")
                      or (s.kind == "local" and not no_unpack
                          and (unpackable(s.value) or _archive_in_context(context, s)))]
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
                              _fix(ctx, add, sources))


#: How a tar archive (at offset 257) or a compressed stream ADD would unpack begins, whatever its name.
_TAR_MAGIC = (257, b"ustar")
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def _context(path: Optional[str]) -> Optional[str]:
    """The build context taken for ``path``: its directory, as for ``docker build -f``-less builds."""
    return None if not path or path == "-" else os.path.dirname(path) or "."


def _archive_in_context(context: Optional[str], source: Source) -> bool:
    """``source`` is a file of the context that begins as a tar archive or a compressed stream does.

    ADD unpacks such a file whatever it is called (`ADD rootfs /`), so it
    needs ADD. Only a plain path is read, and only its first bytes.
    """
    if context is None or source.glob or not source.value:
        return False
    path = os.path.join(context, source.value.lstrip("/"))
    try:
        with open(path, "rb") as handle:
            start = handle.read(_TAR_MAGIC[0] + len(_TAR_MAGIC[1]))
    except (OSError, ValueError):  # missing, a directory, unreadable: nothing says it is an archive
        return False
    return start.startswith(_COMPRESSED) or start[_TAR_MAGIC[0]:] == _TAR_MAGIC[1]


def _fix(ctx: RuleContext, add: ast.AddInstruction, sources: tuple[Source, ...]) -> Optional[Fix]:
    if any(add.flag(name) is not None for name in ADD_ONLY_FLAGS):
        return None
    keyword = add.keyword
    written = keyword.text
    copy = "COPY" if written.isupper() else "copy" if written.islower() else "Copy"
    safe = not any(s.glob for s in sources)
    return ctx.fix("Replace ADD with COPY", ctx.edit(keyword.span.start.offset, keyword.span.end.offset, copy),
                   applicability=Applicability.SAFE if safe else Applicability.UNSAFE)
