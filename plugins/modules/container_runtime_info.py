#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: container_runtime_info
short_description: Report Docker, containerd, kubelet and Podman cgroup settings and the driver Docker must use
version_added: 0.1.0
description:
  - Reads the container runtimes' configuration on a host and returns one dict, C(runtime).
  - "Docker: whether it is installed, whether its daemon answers on the unix socket (C(GET /info), spoken with the
    Python standard library), the parsed C(daemon.json), the cgroup driver that C(exec-opts) sets, and the cgroup
    driver, cgroup version and image store that the running daemon reports."
  - "containerd: config version, C(SystemdCgroup) of the CRI C(runc) runtime and whether C(disabled_plugins) switches
    the CRI plugin off."
  - "kubelet: C(cgroupDriver) of its KubeletConfiguration (kubelet's C(config.yaml) or a multi-document kubeadm
    config), C(--cgroup-driver) in kubeadm's flags file, and whether a kubelet process runs."
  - "Podman: C([engine] cgroup_manager) from the containers.conf files."
  - "C(required_cgroup_driver): the cgroup driver Docker must use so that it agrees with Kubernetes on the host,
    with the file that decided it, or the two files that disagree."
  - Read-only. Unreadable or unparsable files are reported as warnings (and in their section), never as failures.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.info_module
attributes:
  platform:
    platforms: posix
    details: Linux hosts; the Docker socket, /proc and /sys/fs/cgroup are read.
notes:
  - "The decision, in order: kubelet (C(--cgroup-driver) in the flags file and C(cgroupDriver) in the
    KubeletConfiguration; kubelet lets a flag override its config file, but when both are set and differ the
    module reports a conflict naming both files instead of picking one); containerd's C(SystemdCgroup) of the
    C(runc) runtime (true is systemd, false is cgroupfs; a commented-out key does not count); C(systemd) on a host
    booted with systemd that runs cgroup v2; otherwise no driver is required."
  - "The containerd image store is taken from the running daemon (C(/info) C(DriverStatus) entry
    C(driver-type=io.containerd.snapshotter.v1), or a storage driver only containerd snapshotters use such as
    C(overlayfs)); when the daemon does not answer, from C(features.containerd-snapshotter) in C(daemon.json)."
  - TOML is parsed with C(tomllib) on Python 3.11 and later, with a built-in reader before that. YAML is parsed
    with PyYAML when it is importable, else with a built-in reader that understands top-level keys only.
  - containerd files named by C(imports) are not read; a warning says so.
seealso:
  - module: multiarch.kolla.docker_daemon_config
options:
  root:
    description:
      - Directory under which every default path is looked up (for a mounted image, a container's root, or tests).
      - Paths given in the other options are used as they are.
    type: path
    default: /
  daemon_json_path:
    description:
      - Docker daemon configuration file.
      - Defaults to C(/etc/docker/daemon.json) under O(root).
    type: path
  docker_socket:
    description:
      - Unix socket of the Docker daemon.
      - Defaults to C(/var/run/docker.sock) under O(root).
    type: path
  docker_timeout:
    description: Seconds to wait for the Docker daemon's answer.
    type: float
    default: 5.0
  containerd_config_path:
    description:
      - containerd configuration file.
      - Defaults to C(/etc/containerd/config.toml) under O(root).
    type: path
  kubelet_config_path:
    description:
      - kubelet's KubeletConfiguration file, or a kubeadm configuration with a KubeletConfiguration document.
      - Defaults to C(/var/lib/kubelet/config.yaml) under O(root).
    type: path
  kubeadm_flags_path:
    description:
      - Environment file in which kubeadm writes C(KUBELET_KUBEADM_ARGS).
      - Defaults to C(/var/lib/kubelet/kubeadm-flags.env) under O(root).
    type: path
  containers_conf_paths:
    description:
      - containers.conf files in reading order; later files win. A directory stands for its C(*.conf) files in
        lexical order.
      - Defaults to C(/usr/share/containers/containers.conf), C(/etc/containers/containers.conf) and
        C(/etc/containers/containers.conf.d), under O(root).
    type: list
    elements: path
"""

EXAMPLES = r"""
- name: Read the container runtime settings
  multiarch.kolla.container_runtime_info:
  register: _runtime

- name: Stop when kubelet's own settings disagree
  ansible.builtin.assert:
    that: _runtime.runtime.required_cgroup_driver.conflict is none
    fail_msg: "{{ _runtime.runtime.required_cgroup_driver.reason }}"

- name: Make Docker use the driver Kubernetes needs
  multiarch.kolla.docker_daemon_config:
    settings:
      exec-opts:
        - "native.cgroupdriver={{ _runtime.runtime.required_cgroup_driver.driver }}"
  when: _runtime.runtime.required_cgroup_driver.driver is not none

- name: Inspect a host image mounted under /mnt/image
  multiarch.kolla.container_runtime_info:
    root: /mnt/image
"""

RETURN = r"""
runtime:
  description: Everything the module found.
  returned: always
  type: dict
  contains:
    docker:
      description: Docker Engine.
      type: dict
      returned: always
      contains:
        installed:
          description: C(dockerd) or C(docker) is installed, or daemon.json or a docker.service unit exists.
          type: bool
          sample: true
        binary:
          description: Path of C(dockerd) (or C(docker)), or null.
          type: str
          sample: /usr/bin/dockerd
        daemon_json_path:
          description: daemon.json path that was read.
          type: str
          sample: /etc/docker/daemon.json
        daemon_json_present:
          description: daemon.json exists.
          type: bool
          sample: true
        daemon_json:
          description: Parsed daemon.json; null when absent or unparsable.
          type: dict
          sample: {"exec-opts": ["native.cgroupdriver=systemd"], "log-driver": "json-file"}
        daemon_json_error:
          description: Why daemon.json could not be parsed; null when it could.
          type: dict
          sample: {"path": "/etc/docker/daemon.json", "line": 3, "column": 5, "msg": "invalid JSON: Expecting ',' delimiter",
                   "text": "/etc/docker/daemon.json (line 3, column 5): invalid JSON: Expecting ',' delimiter"}
          contains:
            path:
              description: The file.
              type: str
            line:
              description: Line of the error (1-based), or null.
              type: int
            column:
              description: Column of the error (1-based), or null.
              type: int
            msg:
              description: What is wrong.
              type: str
            text:
              description: File, position and message in one sentence.
              type: str
        cgroup_driver_configured:
          description: Driver set by C(native.cgroupdriver) in daemon.json C(exec-opts) (the first entry, as dockerd reads it), or null.
          type: str
          sample: systemd
        containerd_snapshotter_configured:
          description: C(features.containerd-snapshotter) in daemon.json, or null when not set.
          type: bool
          sample: null
        socket:
          description: Socket that was asked.
          type: str
          sample: /var/run/docker.sock
        running:
          description: The daemon answered C(GET /info).
          type: bool
          sample: true
        info_error:
          description: Why the daemon did not answer, or null.
          type: str
          sample: null
        cgroup_driver:
          description: C(CgroupDriver) reported by the running daemon, or null.
          type: str
          sample: cgroupfs
        cgroup_version:
          description: C(CgroupVersion) reported by the running daemon, or null.
          type: int
          sample: 2
        storage_driver:
          description: C(Driver) reported by the running daemon, or null.
          type: str
          sample: overlay2
        server_version:
          description: C(ServerVersion) of the running daemon, or null.
          type: str
          sample: 28.2.2
        containerd_image_store:
          description: Docker uses the containerd image store; null when unknown.
          type: bool
          sample: false
        containerd_image_store_source:
          description: Where that came from, C(docker_info) or C(daemon_json); null when unknown.
          type: str
          sample: docker_info
        containerd_image_store_reason:
          description: The evidence in words, or null.
          type: str
          sample: storage driver overlay2 without a containerd snapshotter driver-type
        cgroup_driver_effective:
          description:
            - The driver Docker uses or will use. The running daemon's report; else daemon.json's C(exec-opts);
              else Docker's default (systemd on a systemd host with cgroup v2, cgroupfs otherwise) when Docker is installed.
          type: str
          sample: cgroupfs
        cgroup_driver_effective_source:
          description: C(docker_info), C(daemon_json), C(docker_default), or null.
          type: str
          sample: docker_info
        agrees_with_required:
          description: C(cgroup_driver_effective) equals C(required_cgroup_driver.driver); null when either is unknown.
          type: bool
          sample: false
    containerd:
      description: containerd.
      type: dict
      returned: always
      contains:
        installed:
          description: C(containerd) is installed or its config file exists.
          type: bool
          sample: true
        binary:
          description: Path of C(containerd), or null.
          type: str
          sample: /usr/bin/containerd
        config_path:
          description: Config file that was read.
          type: str
          sample: /etc/containerd/config.toml
        config_present:
          description: The config file exists.
          type: bool
          sample: true
        config_error:
          description: Why the config could not be parsed (same keys as C(docker.daemon_json_error)), or null.
          type: dict
          sample: null
        version:
          description: Config version (1 when the file has no C(version) key; 2 for containerd 1.x, 3 for 2.x); null when unknown.
          type: int
          sample: 2
        systemd_cgroup:
          description: C(SystemdCgroup) of the CRI C(runc) runtime; null when not set.
          type: bool
          sample: true
        systemd_cgroup_key:
          description: The TOML key that was looked up for this version.
          type: str
          sample: plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup
        cri_disabled:
          description: C(disabled_plugins) switches the CRI plugin off; false when there is no config file (containerd's defaults load it).
          type: bool
          sample: false
        cri_disabled_by:
          description: The C(disabled_plugins) entries that switch CRI off.
          type: list
          elements: str
          sample: ["cri"]
        disabled_plugins:
          description: C(disabled_plugins) as written.
          type: list
          elements: str
          sample: []
        default_runtime_name:
          description: C(default_runtime_name) of the CRI plugin, or null.
          type: str
          sample: runc
    kubelet:
      description: kubelet.
      type: dict
      returned: always
      contains:
        present:
          description: The kubelet binary, its config, kubeadm's flags file or a kubelet process exists.
          type: bool
          sample: true
        binary:
          description: Path of C(kubelet), or null.
          type: str
          sample: /usr/bin/kubelet
        running:
          description: A process named C(kubelet) runs.
          type: bool
          sample: true
        config_path:
          description: KubeletConfiguration file that was read.
          type: str
          sample: /var/lib/kubelet/config.yaml
        config_present:
          description: That file exists.
          type: bool
          sample: true
        config_error:
          description: Why it could not be parsed (same keys as C(docker.daemon_json_error)), or null.
          type: dict
          sample: null
        config_cgroup_driver:
          description: C(cgroupDriver) of the KubeletConfiguration document, or null.
          type: str
          sample: systemd
        kind_found:
          description: The file has a C(kind) KubeletConfiguration document; null when not read.
          type: bool
          sample: true
        flags_path:
          description: kubeadm flags file that was read.
          type: str
          sample: /var/lib/kubelet/kubeadm-flags.env
        flags_present:
          description: That file exists.
          type: bool
          sample: true
        flags_error:
          description: Why it could not be parsed (same keys as C(docker.daemon_json_error)), or null.
          type: dict
          sample: null
        flags_cgroup_driver:
          description: C(--cgroup-driver) in C(KUBELET_KUBEADM_ARGS), or null.
          type: str
          sample: null
        container_runtime_endpoint:
          description: kubelet's container runtime endpoint (flags file first, then the config), or null.
          type: str
          sample: unix:///run/containerd/containerd.sock
    podman:
      description: Podman.
      type: dict
      returned: always
      contains:
        installed:
          description: C(podman) is installed.
          type: bool
          sample: false
        cgroup_manager:
          description: C([engine] cgroup_manager) from the last containers.conf that sets it, or null.
          type: str
          sample: systemd
        cgroup_manager_file:
          description: The file that set it, or null.
          type: str
          sample: /etc/containers/containers.conf
        config_files:
          description: containers.conf files that were read, in order.
          type: list
          elements: str
          sample: ["/usr/share/containers/containers.conf"]
    host:
      description: Host facts the decision uses.
      type: dict
      returned: always
      contains:
        cgroup_version:
          description: 2 (unified), 1 (legacy or hybrid), or null when /sys/fs/cgroup is missing.
          type: int
          sample: 2
        systemd:
          description: systemd is the init system (/run/systemd/system is a directory).
          type: bool
          sample: true
    required_cgroup_driver:
      description: The cgroup driver Docker must use, and why.
      type: dict
      returned: always
      contains:
        driver:
          description: C(systemd), C(cgroupfs), or null (nothing requires one, or a conflict).
          type: str
          sample: systemd
        source:
          description: C(kubelet) (config and flags agree), C(kubelet_config), C(kubelet_flags), C(containerd), C(host_default), C(none) or C(conflict).
          type: str
          sample: kubelet_config
        reason:
          description: The deciding setting and the file it is in, in words.
          type: str
          sample: "kubelet cgroupDriver: systemd in /var/lib/kubelet/config.yaml"
        files:
          description: Files the decision rests on.
          type: list
          elements: str
          sample: ["/var/lib/kubelet/config.yaml"]
        conflict:
          description: The two settings that disagree, each with C(driver), C(file) and C(setting); null without a conflict.
          type: dict
          sample: {"a": {"driver": "systemd", "file": "/var/lib/kubelet/config.yaml", "setting": "cgroupDriver"},
                   "b": {"driver": "cgroupfs", "file": "/var/lib/kubelet/kubeadm-flags.env", "setting": "--cgroup-driver"}}
        overridden:
          description: Lower-priority settings (containerd) that disagree with the chosen driver.
          type: list
          elements: dict
          sample: []
    warnings:
      description: One sentence per source that could not be read or that looks wrong (also emitted as Ansible warnings).
      type: list
      elements: str
      sample: ["Docker is installed but its socket /var/run/docker.sock does not exist (daemon not running)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.container_runtime import (
    default_paths,
    find_binary,
    gather_runtime_info,
)

PATH_OPTIONS = ("daemon_json_path", "docker_socket", "containerd_config_path", "kubelet_config_path", "kubeadm_flags_path")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/"),
            daemon_json_path=dict(type="path"),
            docker_socket=dict(type="path"),
            docker_timeout=dict(type="float", default=5.0),
            containerd_config_path=dict(type="path"),
            kubelet_config_path=dict(type="path"),
            kubeadm_flags_path=dict(type="path"),
            containers_conf_paths=dict(type="list", elements="path"),
        ),
        supports_check_mode=True,
    )
    root = module.params["root"]
    paths = default_paths(root)
    for name in PATH_OPTIONS:
        if module.params[name]:
            paths[name] = module.params[name]
    if module.params["containers_conf_paths"] is not None:
        paths["containers_conf_paths"] = module.params["containers_conf_paths"]

    if root in ("/", ""):
        def which(name):
            return module.get_bin_path(name)
    else:
        def which(name):
            return find_binary(name, root)

    runtime = gather_runtime_info(paths, which=which, timeout=module.params["docker_timeout"])
    for warning in runtime["warnings"]:
        module.warn(warning)
    module.exit_json(changed=False, runtime=runtime)


if __name__ == "__main__":
    main()
