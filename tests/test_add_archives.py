"""add-instead-of-copy reads the first bytes of a source in the build context: ADD unpacks archives by content."""

import gzip
import io
import tarfile

import pytest

from dflint.testing import lint_snippet

DOCKERFILE = "FROM scratch\nADD rootfs /\n"


def tar_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("etc/os-release")
        data = b"ID=demo\n"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def findings(tmp_path, content: bytes, dockerfile: str = DOCKERFILE):
    (tmp_path / "rootfs").write_bytes(content)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    path = str(tmp_path / "Dockerfile")
    fixed = lint_snippet(dockerfile, "add-instead-of-copy", path=path, fix=True).text
    return lint_snippet(dockerfile, "add-instead-of-copy", path=path).diagnostics, fixed


@pytest.mark.parametrize("content", [tar_bytes(), gzip.compress(tar_bytes(), mtime=0)], ids=["tar", "tar.gz"])
def test_an_archive_named_like_a_file_is_left_to_add(tmp_path, content):
    diagnostics, fixed = findings(tmp_path, content)
    assert diagnostics == [] and fixed == DOCKERFILE  # COPY would not unpack it: the image would break


def test_a_plain_file_of_that_name_is_still_reported_and_fixed(tmp_path):
    diagnostics, fixed = findings(tmp_path, b"just text\n")
    assert [d.name for d in diagnostics] == ["add-instead-of-copy"]
    assert fixed == "FROM scratch\nCOPY rootfs /\n"


def test_an_archive_in_a_mix_keeps_add_and_the_plain_file_is_reported(tmp_path):
    (tmp_path / "motd").write_text("hello\n")
    diagnostics, _ = findings(tmp_path, tar_bytes(), "FROM scratch\nADD rootfs motd /\n")
    assert [d.message.split(":")[0] for d in diagnostics] == ["ADD of `motd` along with an archive to unpack"]


def test_without_the_file_names_are_taken_at_their_word(tmp_path):
    result = lint_snippet(DOCKERFILE, "add-instead-of-copy", path=str(tmp_path / "Dockerfile"))
    assert [d.name for d in result.diagnostics] == ["add-instead-of-copy"]
