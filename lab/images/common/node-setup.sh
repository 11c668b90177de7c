#!/bin/sh
# Trim systemd to what a container node needs, and enable the engine.
set -eu
systemctl mask getty.target console-getty.service systemd-logind.service \
  systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
  sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount \
  systemd-remount-fs.service apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
systemctl enable docker.service containerd.service >/dev/null 2>&1 || true
# The journal is where the collection reads dockerd's own errors from.
mkdir -p /var/log/journal
