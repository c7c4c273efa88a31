"""Environment variables that widely used base images set with ``ENV``.

A linter cannot see a base image's environment, but the official images set
a small, stable set of names (``python`` sets ``PYTHON_VERSION``, ``golang``
sets ``GOPATH``...), and so do the many images built on them. A global ARG of
such a name that a stage does not declare is still defined in that stage,
by the image: ``ARG PYTHON_VERSION=3.12`` then ``FROM python:3.12-slim`` then
``LABEL python=$PYTHON_VERSION`` gives the image's own value, not nothing.
:data:`IMAGE_ENV` lists these names (as the official images' Dockerfiles, current
and older, set them; a name is only worth listing if a global ARG could share it).
:func:`version_variable` adds any name ending in ``VERSION``, the usual
spelling of the version variable an image sets, for a global ARG that a
FROM uses in its tag (``FROM tomcat:${TOMCAT_VERSION}``).

Checked in 2026-11 against the ENV lines of the current Dockerfiles and
templates of docker-library's python, golang, ruby, php, httpd, postgres,
redis, mysql, mongo, rabbitmq, tomcat, haproxy, docker and openjdk,
nodejs/docker-node, nginxinc/docker-nginx, MariaDB/mariadb-docker,
adoptium/containers (eclipse-temurin), carlossg/docker-maven,
keeganwitt/docker-gradle, rust-lang/docker-rust, erlang/docker-erlang-otp,
c0b/docker-elixir, dotnet/dotnet-docker and osrf/docker_images (``ros``,
``osrf/ros``: ros-core sets ``ROS_DISTRO``, the ros1-bridge images
``ROS1_DISTRO`` and ``ROS2_DISTRO``): names no image sets any more were
dropped (``BUNDLE_PATH``, gone from ruby in 2020; ``RABBITMQ_LOGS``), names
that still-pulled older tags set were kept (python's ``PYTHON_PIP_VERSION``...
until 2024-09, ruby's ``RUBY_MAJOR`` until 2024-05), and versions, homes and
paths the images set were added (``MYSQL_SHELL_VERSION``, ``OPENSSL_VERSION``,
``LD_LIBRARY_PATH``...); the images' other hashes, URLs and settings, which
no global ARG would share, were not.

The bare operating-system images (``debian``, ``ubuntu``, ``alpine``...) set
none of these (``PATH`` at most): on them, :func:`image_may_set` says no, so
that ``ARG NODE_VERSION`` read in a ``FROM debian:12-slim`` stage is still
found empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["IMAGE_ENV", "BARE_IMAGES", "version_variable", "image_may_set", "bare_image"]

#: Names the official images (and images built on them) set with ENV.
IMAGE_ENV = frozenset((
    # common to many
    "HOME", "LANG", "LANGUAGE", "LC_ALL", "GPG_KEY", "GPG_KEYS", "GOSU_VERSION", "PATH", "LD_LIBRARY_PATH",
    # python (PYTHON_PIP_VERSION to PYTHON_GET_PIP_SHA256: tags built before 2024-09)
    "PYTHON_VERSION", "PYTHON_SHA256", "PYTHON_PIP_VERSION", "PYTHON_SETUPTOOLS_VERSION",
    "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256",
    # node
    "NODE_VERSION", "YARN_VERSION",
    # golang (GIT_VERSION: the Windows images)
    "GOLANG_VERSION", "GOPATH", "GOTOOLCHAIN", "GIT_VERSION",
    # eclipse-temurin, openjdk, maven, gradle
    "JAVA_HOME", "JAVA_VERSION", "MAVEN_HOME", "MAVEN_CONFIG", "GRADLE_HOME", "GRADLE_VERSION",
    # ruby (RUBY_MAJOR: tags built before 2024-05)
    "RUBY_VERSION", "RUBY_MAJOR", "RUBY_DOWNLOAD_SHA256", "RUBY_DOWNLOAD_URL", "GEM_HOME",
    "BUNDLE_APP_CONFIG", "BUNDLE_SILENCE_ROOT_WARNING",
    # php
    "PHP_VERSION", "PHP_INI_DIR", "PHP_URL", "PHP_ASC_URL", "PHP_SHA256", "PHP_CFLAGS", "PHP_CPPFLAGS",
    "PHP_LDFLAGS", "PHPIZE_DEPS", "APACHE_CONFDIR", "APACHE_ENVVARS",
    # nginx, httpd, haproxy, tomcat
    "NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE", "OTEL_VERSION",
    "HTTPD_VERSION", "HTTPD_PREFIX", "HTTPD_SHA256", "HTTPD_PATCHES", "HAPROXY_VERSION", "HAPROXY_URL",
    "HAPROXY_SHA256", "CATALINA_HOME", "TOMCAT_VERSION", "TOMCAT_MAJOR", "TOMCAT_SHA512", "TOMCAT_NATIVE_LIBDIR",
    # databases and brokers
    "PG_MAJOR", "PG_VERSION", "PGDATA", "REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA",
    "MYSQL_MAJOR", "MYSQL_VERSION", "MYSQL_SHELL_VERSION", "MARIADB_VERSION", "MARIADB_MAJOR", "MONGO_VERSION",
    "MONGO_MAJOR", "MONGO_PACKAGE", "MONGO_REPO", "JSYAML_VERSION", "RABBITMQ_VERSION", "RABBITMQ_HOME",
    "RABBITMQ_DATA_DIR", "OPENSSL_VERSION", "OPENSSL_INSTALL_PATH_PREFIX", "ERLANG_INSTALL_PATH_PREFIX",
    # .NET
    "DOTNET_VERSION", "ASPNET_VERSION", "DOTNET_SDK_VERSION", "APP_UID", "ASPNETCORE_HTTP_PORTS",
    "DOTNET_RUNNING_IN_CONTAINER", "DOTNET_USE_POLLING_FILE_WATCHER", "NUGET_XMLDOC_MODE",
    # rust, erlang, elixir
    "RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION", "OTP_VERSION", "REBAR_VERSION", "REBAR3_VERSION",
    "ELIXIR_VERSION",
    # ros and osrf/ros (from ros-core on; ROS1_DISTRO, ROS2_DISTRO: the ros1-bridge images)
    "ROS_DISTRO", "ROS1_DISTRO", "ROS2_DISTRO",
    # docker
    "DOCKER_VERSION", "DOCKER_BUILDX_VERSION", "DOCKER_COMPOSE_VERSION", "DOCKER_TLS_CERTDIR",
))


#: Official operating-system images, whose environment holds PATH at most.
BARE_IMAGES = frozenset(f"docker.io/library/{name}" for name in (
    "alpine", "debian", "ubuntu", "busybox", "centos", "rockylinux", "almalinux", "amazonlinux",
    "archlinux", "oraclelinux", "photon"))


def bare_image(model: "BuildModel", stage: "Stage") -> bool:
    """The image ``stage``'s lineage starts from is one of :data:`BARE_IMAGES` (or ``scratch``)."""
    base = model.lineage(stage)[0].base
    if base.is_scratch:
        return True
    reference = base.reference
    return reference is not None and reference.registry_known and reference.repository_known \
        and f"{reference.registry}/{reference.repository}" in BARE_IMAGES


def image_may_set(model: "BuildModel", stage: "Stage", name: str) -> bool:
    """The image ``stage`` is built on may set ``name`` in its environment: ``name`` is one of
    :data:`IMAGE_ENV` and the image is neither ``scratch`` nor a bare operating-system image."""
    return name in IMAGE_ENV and not bare_image(model, stage)


def version_variable(name: str) -> bool:
    """``name`` looks like the version variable an image sets: one of :data:`IMAGE_ENV`, or a name
    ending in ``VERSION`` (``NODE_VERSION``, ``TOMCAT_VERSION``)."""
    return name in IMAGE_ENV or name.upper().endswith("VERSION")
