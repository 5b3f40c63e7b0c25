#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: container_runtime_info
short_description: Read what Docker, containerd, kubelet and Podman are configured with, as raw text and answers
version_added: 0.1.0
description:
  - Reads, in one call, what the controller needs to decide the cgroup driver a host's container engine must use,
    and returns it as found, in one dict, RV(runtime). Parsing the controller can do (TOML, YAML) is left to the
    controller; decide with the filter C(multiarch.kolla.cgroup_driver_decision).
  - "Files, each with its path, whether it exists, its text and why it could not be read: Docker's C(daemon.json),
    containerd's C(config.toml), kubelet's C(config.yaml) (or a kubeadm config), kubeadm's C(kubeadm-flags.env), and
    every containers.conf file in reading order. Which C(docker.service) unit files exist."
  - "Docker: the raw JSON answer of C(GET /info) on the daemon's unix socket (spoken with the Python standard
    library), or why there is none. The daemon is asked when its socket exists or Docker looks installed."
  - "The host: binaries found (C(dockerd), C(docker), C(containerd), C(kubelet), C(podman)), whether a C(kubelet)
    process runs, the cgroup version and whether systemd is the init system."
  - "Host libvirt, for the preflight check C(host_libvirt): the C(libvirtd) and C(virtqemud) processes, each with
    whether it shares the module's mount namespace (on the host) or has another one (in a container); which of
    C(/run/libvirt/libvirt-sock) and C(/var/run/libvirt/libvirt-sock) exist; the libvirt service and socket units
    enabled (linked in C(/etc/systemd/system/*.wants)) or masked; and, when Docker answered C(/info), the names of
    its containers (C(GET /containers/json?all=1)), so that kolla's C(nova_libvirt) can be told from a host libvirt."
  - "Versions: what C(kubelet --version) and C(containerd --version) print, as printed (kubelet's cgroup driver
    depends on both releases). Each runs with stdin closed and a timeout (O(version_timeout)); under a O(root) other
    than C(/) nothing runs and only the binary's path is reported."
  - Read-only. A file that cannot be read or a daemon that does not answer is reported as a sentence (in its entry
    and as a warning), never as a failure.
author:
  - multiarch.kolla developers (@multiarch-kolla)
extends_documentation_fragment:
  - multiarch.kolla.attributes
  - multiarch.kolla.attributes.info_module
attributes:
  platform:
    details: >-
      Linux hosts; the Docker socket, /proc, /run/systemd, /run/libvirt, /etc/systemd/system and /sys/fs/cgroup are read.
      The mount namespace of another user's process can only be read as root (become); without it C(host_namespace)
      is null.
notes:
  - "The decision the filter C(multiarch.kolla.cgroup_driver_decision) makes from this result: where kubelet is
    present, the driver kubelet will use by its own rules (C(--cgroup-driver) in the flags file and C(cgroupDriver)
    in the KubeletConfiguration, which must agree; without them kubelet's default C(cgroupfs); from kubelet 1.31 the
    driver containerd 2.0 or later reports, its runc C(SystemdCgroup)); when a release it depends on is unknown and
    the answers differ, it refuses and names the fix. Without kubelet: containerd's C(SystemdCgroup) of the C(runc)
    runtime; C(systemd) on a host booted with systemd that runs cgroup v2; otherwise no driver is required. The rules
    and their sources are in the collection's C(docs/container-runtime.md)."
  - "The containerd image store is taken from the running daemon (C(/info) C(DriverStatus) entry
    C(driver-type=io.containerd.snapshotter.v1), or a storage driver only containerd snapshotters use such as
    C(overlayfs)); when the daemon does not answer, from C(features.containerd-snapshotter) in C(daemon.json)."
  - Runs on the target's Python 3.9 or later with the standard library only.
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
  version_timeout:
    description: Seconds to wait for each of C(kubelet --version) and C(containerd --version).
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

- name: Decide the cgroup driver on the controller (fails, naming the files, when kubelet's settings disagree)
  ansible.builtin.set_fact:
    _decision: "{{ _runtime.runtime | multiarch.kolla.cgroup_driver_decision('', inventory_hostname) }}"

- name: Make Docker use the driver Kubernetes needs, keeping the operator's other settings
  multiarch.kolla.docker_daemon_config:
    settings: "{{ _decision.docker_settings }}"

- name: Inspect a host image mounted under /mnt/image
  multiarch.kolla.container_runtime_info:
    root: /mnt/image
"""

RETURN = r"""
runtime:
  description: Everything the module found, unparsed.
  returned: always
  type: dict
  contains:
    files:
      description:
        - The single configuration files, each a dict with C(path) (the file read), C(exists), C(text) (its UTF-8
          content; null when absent or unreadable) and C(error) (why it could not be read, or null).
      type: dict
      returned: always
      contains:
        daemon_json:
          description: Docker's daemon.json (O(daemon_json_path)).
          type: dict
          sample: {"path": "/etc/docker/daemon.json", "exists": true, "text": "{\"exec-opts\": [\"native.cgroupdriver=systemd\"]}\n",
                   "error": null}
        containerd_config:
          description: containerd's config.toml (O(containerd_config_path)).
          type: dict
          sample: {"path": "/etc/containerd/config.toml", "exists": false, "text": null, "error": null}
        kubelet_config:
          description: kubelet's KubeletConfiguration file or a kubeadm config (O(kubelet_config_path)).
          type: dict
          sample: {"path": "/var/lib/kubelet/config.yaml", "exists": true,
                   "text": "kind: KubeletConfiguration\ncgroupDriver: systemd\n", "error": null}
        kubeadm_flags:
          description: kubeadm's flags file (O(kubeadm_flags_path)).
          type: dict
          sample: {"path": "/var/lib/kubelet/kubeadm-flags.env", "exists": false, "text": null, "error": null}
    containers_conf:
      description:
        - The containers.conf files that exist, in reading order (a directory of O(containers_conf_paths) stands for
          its C(*.conf) files in lexical order), each with C(path), C(exists), C(text) and C(error) as in RV(runtime.files).
      type: list
      elements: dict
      returned: always
      sample: [{"path": "/usr/share/containers/containers.conf", "exists": true, "text": "[engine]\ncgroup_manager = \"systemd\"\n",
                "error": null}]
    docker_units:
      description: The C(docker.service) unit files that exist (C(/etc/systemd/system), C(/lib/systemd/system), C(/usr/lib/systemd/system)).
      type: list
      elements: str
      returned: always
      sample: ["/lib/systemd/system/docker.service"]
    docker_info:
      description: Docker's answer to C(GET /info).
      type: dict
      returned: always
      contains:
        socket:
          description: The socket that was asked (O(docker_socket)).
          type: str
          sample: /var/run/docker.sock
        socket_present:
          description: The socket exists.
          type: bool
          sample: true
        asked:
          description: The daemon was asked (its socket exists or Docker looks installed).
          type: bool
          sample: true
        info:
          description: The daemon's JSON answer as it sent it (C(CgroupDriver), C(CgroupVersion), C(Driver), C(DriverStatus), ...); null without one.
          type: dict
          sample: {"CgroupDriver": "cgroupfs", "CgroupVersion": "2", "Driver": "overlay2", "ServerVersion": "28.2.2"}
        error:
          description: Why there is no answer, or null.
          type: str
          sample: null
    binaries:
      description: Path of each of C(dockerd), C(docker), C(containerd), C(kubelet) and C(podman), or null when not found.
      type: dict
      returned: always
      sample: {"dockerd": "/usr/sbin/dockerd", "docker": "/usr/bin/docker", "containerd": "/usr/bin/containerd",
               "kubelet": null, "podman": null}
    versions:
      description:
        - What C(kubelet --version) and C(containerd --version) answered, one entry each, with C(binary) (the path found,
          or null), C(ran), C(rc), C(stdout), C(stderr) (as printed, at most 4096 characters each) and C(error) (why
          there is no usable answer, a failure, a timeout, or not run under another O(root); null otherwise).
      type: dict
      returned: always
      sample: {"kubelet": {"binary": "/usr/bin/kubelet", "ran": true, "rc": 0, "stdout": "Kubernetes v1.33.1\n", "stderr": "",
                           "error": null},
               "containerd": {"binary": "/usr/bin/containerd", "ran": true, "rc": 0,
                              "stdout": "containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n",
                              "stderr": "", "error": null}}
    kubelet_running:
      description: A process named C(kubelet) runs; null when /proc cannot be listed.
      type: bool
      returned: always
      sample: false
    libvirt:
      description:
        - Traces of a libvirt daemon on the host, as found; the preflight check C(host_libvirt) decides from them
          (kolla-ansible runs libvirt in its C(nova_libvirt) container unless C(enable_nova_libvirt_container) is false).
      type: dict
      returned: always
      contains:
        daemons:
          description:
            - The C(libvirtd) and C(virtqemud) processes, by pid; null when /proc cannot be listed.
            - C(host_namespace) is true when the process shares the module's mount namespace (C(/proc/<pid>/ns/mnt) equals
              C(/proc/self/ns/mnt)), false when it has another one (a process in a container), null when either cannot be read.
          type: list
          elements: dict
          returned: always
          sample: [{"pid": 812, "name": "libvirtd", "host_namespace": true}]
        sockets:
          description:
            - Which of C(/run/libvirt/libvirt-sock) and C(/var/run/libvirt/libvirt-sock) exist (both, where C(/var/run) links to
              C(/run)). kolla mounts C(/run) into its containers, so C(nova_libvirt) makes it too.
          type: list
          elements: str
          returned: always
          sample: ["/run/libvirt/libvirt-sock", "/var/run/libvirt/libvirt-sock"]
        units_enabled:
          description:
            - The C(libvirtd) and C(virtqemud) service and socket units linked in C(/etc/systemd/system/*.wants), sorted
              (they start at boot; a socket starts its daemon on the first connection).
          type: list
          elements: str
          returned: always
          sample: ["libvirtd-admin.socket", "libvirtd-ro.socket", "libvirtd.service", "libvirtd.socket"]
        units_masked:
          description: The C(libvirtd) and C(virtqemud) units linked to C(/dev/null) in C(/etc/systemd/system) (C(systemctl mask)), sorted.
          type: list
          elements: str
          returned: always
          sample: []
        containers:
          description:
            - The names of every Docker container, running or not, without Docker's leading C(/), sorted; null when Docker did
              not answer C(/info) (then it is not asked) or did not answer this.
          type: list
          elements: str
          returned: always
          sample: ["nova_compute", "nova_libvirt", "nova_ssh"]
        containers_error:
          description: Why the container list is missing although Docker answered C(/info), or null.
          type: str
          returned: always
          sample: null
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
    warnings:
      description:
        - One sentence per file that could not be read, per daemon or Docker endpoint that did not answer and per
          C(--version) that failed (also emitted as Ansible warnings).
      type: list
      elements: str
      returned: always
      sample: ["Docker is installed but its socket /var/run/docker.sock does not exist (daemon not running)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multiarch.kolla.plugins.module_utils.runtime.gather import default_paths, gather_runtime

PATH_OPTIONS = ("daemon_json_path", "docker_socket", "containerd_config_path", "kubelet_config_path", "kubeadm_flags_path")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/"),
            daemon_json_path=dict(type="path"),
            docker_socket=dict(type="path"),
            docker_timeout=dict(type="float", default=5.0),
            version_timeout=dict(type="float", default=5.0),
            containerd_config_path=dict(type="path"),
            kubelet_config_path=dict(type="path"),
            kubeadm_flags_path=dict(type="path"),
            containers_conf_paths=dict(type="list", elements="path"),
        ),
        supports_check_mode=True,
    )
    for name in ("docker_timeout", "version_timeout"):
        if not module.params[name] > 0:
            module.fail_json(msg="%s is %s; give a number of seconds above 0" % (name, module.params[name]))
    root = module.params["root"]
    paths = default_paths(root)
    for name in PATH_OPTIONS:
        if module.params[name]:
            paths[name] = module.params[name]
    if module.params["containers_conf_paths"] is not None:
        paths["containers_conf_paths"] = module.params["containers_conf_paths"]
    runtime = gather_runtime(paths, root=root, timeout=module.params["docker_timeout"], version_timeout=module.params["version_timeout"])
    for warning in runtime["warnings"]:
        module.warn(warning)
    module.exit_json(changed=False, runtime=runtime)


if __name__ == "__main__":
    main()
