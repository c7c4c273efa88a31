"""DF216 apt-key-deprecated: a RUN adds an APT key with apt-key, which APT 3.0 no longer has."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, NamedTuple, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.distro import root_reference
from dflint.model.layers import Step, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import program_name

if TYPE_CHECKING:  # pragma: no cover
    from dflint.model.image import ImageReference


class AptKeyDeprecated(Rule):
    r"""A RUN that uses `apt-key`: deprecated, and gone from APT 3.0, where the build fails.

    ## What it does
    Reports `apt-key add` (a file, or `-` for a key piped in: `curl URL |
    apt-key add -`), `apt-key adv` (`--recv-keys` from a keyserver,
    `--fetch-keys`), `apt-key update` and `apt-key net-update` in a RUN
    (shell form, exec form, the script of an `sh -c`, heredocs, ONBUILD
    triggers), behind `sudo` and other wrappers and after `--keyring
    FILE`. Commands that only read or remove keys (`apt-key list`,
    `finger`, `export`, `del`, and an `adv` that only runs gpg's
    `--list-keys`, `--fingerprint`, `--export` or `--delete-key`) are
    reported only where the base image is known to have no apt-key, since
    they fail the build there.

    The advice depends on the command. `apt-key update` adds no
    third-party key (on Debian it does nothing; on Ubuntu it imports the
    distribution's own archive keys again) and `net-update` has long been
    disabled (it exits with status 1): the message says to remove them.
    A key added with `--keyring FILE` outside /etc/apt/trusted.gpg and
    /etc/apt/trusted.gpg.d is trusted only by the sources entries that
    name FILE with `signed-by`: the message then says to write the key to
    FILE with `gpg --dearmor`, and does not say that every repository
    trusts it (nor where FILE is a variable).

    APT deprecated apt-key in version 2.2 (Debian 11; Ubuntu 22.04 prints
    "Warning: apt-key is deprecated"), and its manual page says it "will
    last be available in Debian 12 and Ubuntu 24.04". APT 2.9.x removed
    it, so APT 3.0 (Debian 13 trixie, Ubuntu 25.04 plucky, and later) has
    no apt-key. The message says the build fails when the base image's tag
    names such a release: `debian:13`, `debian:trixie-slim` (or forky,
    sid), `debian:latest`, `stable`, `testing` or an untagged `debian`,
    `ubuntu:25.04` or later (plucky, questing, resolute, stonking),
    `ubuntu:latest` and an untagged `ubuntu` (26.04 since April 2026),
    `rolling` and `devel`, and any image whose tag names one of those code
    names (`python:3.13-slim-trixie`, `node:22-trixie`), through the
    stages a stage is built `FROM` and an ARG default. So do the official
    images' tags that name no release where docker-library builds them on
    trixie (official-images, August 2026; such a tag never goes back to an
    older release): python 3.9 and later (`python:3.12-slim`, `python:3`,
    `python:slim`), ruby 3.2 and later, php 8.1 and later (`php:8.2-fpm`),
    golang 1.24 and later, node 26 and later (`node:current`,
    `node:latest`). Elsewhere the message says the build fails on those
    releases: a pinned patch release (`python:3.12.3-slim`) may be an
    older build on bookworm, `node:22`, `node:24` and `node:lts` are still
    bookworm, and a digest (`debian:latest@sha256:...`) fixes whichever
    release the image had then.

    Nothing is reported when the same RUN also tests for apt-key (`command
    -v apt-key`, `which apt-key`, `[ -x /usr/bin/apt-key ]`): the script
    then handles both. Windows stages are not read. hadolint has no
    equivalent rule; BuildKit neither.

    ## Why is this bad?
    On Debian 13, Ubuntu 25.04 and later the RUN stops with "apt-key: not
    found" (in `curl URL | apt-key add -`, curl then fails with "Failed
    writing body"). On older releases it works with a warning, but the key
    goes into /etc/apt/trusted.gpg (or a `--keyring` file in
    /etc/apt/trusted.gpg.d), where APT trusts it for every repository: the third-party repository it was
    meant for can then replace any package of the distribution. A key of
    its own, named with `signed-by` in that repository's sources entry,
    is trusted for that repository only.

    ## Example
    ```dockerfile
    FROM python:3.12-slim-trixie
    RUN apt-get update && apt-get install -y --no-install-recommends curl gnupg \
        && curl -fsSL https://dl-ssl.google.com/linux/linux_signing_key.pub | apt-key add - \
        && echo "deb https://dl.google.com/linux/chrome/deb/ stable main" > /etc/apt/sources.list.d/google.list
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim-trixie
    RUN apt-get update && apt-get install -y --no-install-recommends curl gnupg \
        && install -d -m 0755 /etc/apt/keyrings \
        && curl -fsSL https://dl-ssl.google.com/linux/linux_signing_key.pub | gpg --dearmor -o /etc/apt/keyrings/google.gpg \
        && echo "deb [signed-by=/etc/apt/keyrings/google.gpg] https://dl.google.com/linux/chrome/deb/ stable main" \
            > /etc/apt/sources.list.d/google.list
    ```

    ## Fix safety
    There is no fix: the keyring's name, the key's URL (or, for a key
    fetched from a keyserver, its fingerprint) and the sources entry that
    must name it with `signed-by` are the author's to write.
    """

    code = "DF216"
    name = "apt-key-deprecated"
    summary = "apt-key is deprecated and missing from APT 3.0 (Debian 13, Ubuntu 25.04): the build fails there"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "apt-key" not in ctx.file.text:
            return  # most files
        model = ctx.model
        for stage in model.stages:
            if model.is_windows(stage):
                continue
            reference = root_reference(model, stage)
            missing = _without_apt_key(reference)
            for node in stage.instructions:
                if not isinstance(node.effective, ast.RunInstruction):
                    continue
                steps = run_steps(ctx.analysis, node)
                if _guarded(steps):
                    continue
                for step in steps:
                    found = _apt_key(step)
                    if found is None:
                        continue
                    if found.kind == "read" and missing is None:
                        continue  # reading or removing keys: harmless where apt-key still exists
                    yield ctx.finding(step.command, _message(found, reference, missing))


class _Use(NamedTuple):
    """How a command runs apt-key: its subcommand, what it does (``add`` a key, ``refresh`` the
    distribution's keys, ``read`` or remove keys), and the file named by ``--keyring`` (None: none, the
    default /etc/apt/trusted.gpg; ``""``: one that cannot be read here, `$KEYRING`)."""

    subcommand: str
    kind: str
    keyring: Optional[str]


def _apt_key(step: Step) -> Optional[_Use]:
    """How ``step`` runs apt-key (behind its wrappers), or None when it does not."""
    invocation = step.invocation
    if invocation is None or program_name(invocation.program) != "apt-key":
        return None
    argv = invocation.command.argv
    start = next((i for i, word in enumerate(argv) if program_name(word.value) == "apt-key"), None)
    if start is None:
        return None
    args = argv[start + 1:]
    keyring: Optional[str] = None
    i = 0
    while i < len(args) and args[i].value.startswith("-"):  # --keyring FILE, --keyring=FILE, --quiet, -q
        option = args[i].value
        if option == "--keyring" and i + 1 < len(args) or option.startswith("--keyring="):
            word = args[i + 1] if option == "--keyring" else args[i]
            keyring = "" if word.has_expansion else word.value.removeprefix("--keyring=")
        i += 2 if option == "--keyring" else 1
    subcommand = args[i].value if i < len(args) else ""
    if subcommand in ("update", "net-update"):
        kind = "refresh"
    elif subcommand == "adv":
        options = {word.value.split("=", 1)[0] for word in args[i + 1:]}
        kind = "read" if options.isdisjoint(_ADV_IMPORTS) and not options.isdisjoint(_ADV_READS) else "add"
    else:
        kind = "add" if subcommand == "add" else "read"
    return _Use(subcommand, kind, keyring)


def _guarded(steps: list[Step]) -> bool:
    """The RUN tests whether apt-key exists (``command -v apt-key``, ``[ -x /usr/bin/apt-key ]``)."""
    for step in steps:
        invocation = step.invocation
        if invocation is not None and program_name(invocation.program) == "apt-key":
            continue
        if any(program_name(word.value) == "apt-key" for word in step.command.argv):
            return True
    return False


#: The gpg commands of an `apt-key adv` that put keys into the keyring.
_ADV_IMPORTS = frozenset({"--recv-keys", "--recv-key", "--recv", "--receive-keys", "--fetch-keys", "--fetch-key",
                          "--import", "--refresh-keys", "--search-keys", "--search", "--locate-keys",
                          "--locate-external-keys"})
#: The gpg commands of an `apt-key adv` that only read (or delete) keys: such an adv is treated as `list`.
_ADV_READS = frozenset({"--list-keys", "--list-key", "-k", "--list-public-keys", "--list-sigs", "--list-signatures",
                        "--check-sigs", "--check-signatures", "--fingerprint", "--fingerprints", "--export",
                        "--export-ssh-key", "--list-packets", "--show-keys", "--list-secret-keys", "-K",
                        "--delete-key", "--delete-keys", "--delete-secret-and-public-key",
                        "--delete-secret-and-public-keys"})

#: Code names of releases whose APT (3.0 and later) has no apt-key, with their names.
_RELEASES = {"trixie": "Debian 13 (trixie)", "forky": "Debian 14 (forky)", "duke": "Debian 15 (duke)",
             "sid": "Debian unstable (sid)", "plucky": "Ubuntu 25.04 (plucky)",
             "questing": "Ubuntu 25.10 (questing)", "resolute": "Ubuntu 26.04 (resolute)",
             "stonking": "Ubuntu 26.10 (stonking)"}
#: Tags of the distributions' images that follow a release without apt-key: debian:latest is trixie since
#: August 2025; ubuntu:latest is 26.04 (APT 3.1) since its release in April 2026, `rolling` the newest
#: release, `devel` the one in development (official-images library/ubuntu).
_FLOATING = {"debian": {"": "Debian 13 (trixie) or later", "latest": "Debian 13 (trixie) or later",
                        "stable": "Debian 13 (trixie) or later", "testing": "Debian testing",
                        "unstable": "Debian unstable (sid)"},
             "ubuntu": {"": "Ubuntu 26.04 (resolute) or later", "latest": "Ubuntu 26.04 (resolute) or later",
                        "rolling": "Ubuntu's latest release (26.04 or later)",
                        "devel": "Ubuntu's development release"}}
#: Official images whose tags that name no release (`python:3.12-slim`, `php:8.2-fpm`, `golang:1.26`) are
#: built on Debian 13 (trixie) from this version on (official-images library/<name>, August 2026; such a
#: tag never goes back to an older release, and versions dropped since, like python 3.9 or golang 1.24,
#: were last built on trixie), with the variants that keep that base. node:22 and node:24 (and `lts`)
#: are still bookworm.
_TRIXIE_DEFAULT = {"python": ((3, 9), {"slim"}), "ruby": ((3, 2), {"slim"}),
                   "php": ((8, 1), {"cli", "apache", "fpm", "zts"}), "golang": ((1, 24), set()),
                   "node": ((26,), {"slim"})}
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")


def _without_apt_key(reference: Optional["ImageReference"]) -> Optional[str]:
    """The release ``reference``'s tag names when its APT has no apt-key (``Debian 13 (trixie)``), or None
    when unknown or when it still has one."""
    if reference is None or not reference.tag_known or reference.tag is None and reference.digest is not None:
        return None  # an unknown tag, or a digest alone (`debian@sha256:...`): any release
    tokens = re.split(r"[-_]", (reference.tag or "").lower())
    name = reference.repository.removeprefix("library/") if reference.registry == "docker.io" else ""
    floating = reference.digest is None  # `debian:latest@sha256:...` is whatever release that digest was
    if floating and name in _FLOATING and tokens[1:] in ([], ["slim"]) and tokens[0] in _FLOATING[name]:
        return _FLOATING[name][tokens[0]]
    if floating and name in _TRIXIE_DEFAULT and _default_trixie(name, tokens):
        return "Debian 13 (trixie) or later"
    number = _NUMBER.fullmatch(tokens[0])
    if number is not None and name == "debian" and int(number.group(1)) >= 13:
        return f"Debian {number.group(1)}"
    if number is not None and name == "ubuntu" and number.group(2) is not None \
            and (int(number.group(1)), int(number.group(2))) >= (25, 4):
        return f"Ubuntu {tokens[0]}"
    return next((_RELEASES[token] for token in tokens if token in _RELEASES), None)


def _default_trixie(name: str, tokens: list[str]) -> bool:
    """``name:tag`` (the tag split at ``-``) names no release and is built on trixie: `latest`, a variant
    alone (`slim`), or a version (major, or major.minor, not a pinned patch release) from
    :data:`_TRIXIE_DEFAULT`'s on, with an optional `rc` and variant."""
    since, variants = _TRIXIE_DEFAULT[name]
    first, rest = tokens[0], tokens[1:]
    if rest[:1] == ["rc"]:
        rest = rest[1:]
    if len(rest) > 1 or rest and rest[0] not in variants:
        return False  # bookworm, alpine3.24, windowsservercore, a pinned build...
    if first in ("", "latest") or first in variants and not rest or name == "node" and first == "current":
        return True
    number = _NUMBER.fullmatch(first)
    if number is None:
        return False  # lts, jod, krypton...
    major = int(number.group(1))
    if number.group(2) is None:
        return major >= since[0]  # `3`, `8`: the newest 3.x or 8.x, past the threshold in each image
    return (major, int(number.group(2)))[:len(since)] >= since


def _message(use: _Use, reference: Optional["ImageReference"], missing: Optional[str]) -> str:
    shown = f"apt-key {use.subcommand}".strip()
    if missing is not None:
        base = f" ({reference.text})" if reference is not None else ""
        what = (f"`{shown}` fails: the base image{base} is {missing}, whose APT (3.0 or later) has no "
                f"apt-key, so the RUN stops with \"apt-key: not found\"")
    else:
        what = (f"`{shown}` is deprecated (APT 2.2 and later warn) and fails on Debian 13, Ubuntu 25.04 and "
                f"later, whose APT has no apt-key (\"apt-key: not found\")")
    if use.kind == "refresh" and use.subcommand == "net-update":
        return (f"{what}; it adds no third-party key, and APT disabled it long ago (it exits with status 1 "
                f"unless APT::Key::Net-Update-Enabled is set); remove it")
    if use.kind == "refresh":
        return (f"{what}; it adds no third-party key (on Debian it does nothing; on Ubuntu it imports the "
                f"distribution's own archive keys again, which the system already has); remove it")
    if use.kind == "read":
        return f"{what}; remove it, or use `gpg --show-keys FILE` to read a key file"
    source = "'https://keyserver.ubuntu.com/pks/lookup?op=get&search=0x<fingerprint>'" if use.subcommand == "adv" \
        else "<url>"
    keyring = use.keyring
    if keyring is not None and keyring != "" and keyring != "/etc/apt/trusted.gpg" \
            and not keyring.startswith("/etc/apt/trusted.gpg.d/"):
        return (f"{what}; APT trusts {keyring} only for the sources entries that name it with `signed-by`; "
                f"write the key there without apt-key: `curl -fsSL {source} | gpg --dearmor -o {keyring}`")
    trusted = "; it also makes the key trusted for every repository" if keyring != "" else ""
    return (f"{what}{trusted}; download the key with `curl -fsSL "
            f"{source} | gpg --dearmor -o /etc/apt/keyrings/<name>.gpg` and name it in that repository's "
            f"sources entry only (`deb [signed-by=/etc/apt/keyrings/<name>.gpg] https://...`)")
