"""kolla-ansible 23.0.0's own files, in excerpt: what decides which images are pulled where.

Path by path under ``<share>/ansible``: site.yml and the playbooks it imports (plays,
host patterns, role entries), group_vars/all (the enable_* flags and the image
variables), and for each role its ``vars/main.yml`` and, from its ``defaults/main.yml``,
the ``<project>_services`` dict (container_name, group, enabled, image, host_in_groups
only) and the Docker section. Lines are kolla-ansible's, cut down; nothing is rewritten.
Used through kolla_share_testlib.
"""

_GROUP_BY = """\
- name: Group hosts based on configuration
  hosts: all
  gather_facts: false
  tasks:
    - name: Group hosts based on Kolla action
      ansible.builtin.group_by:
        key: "kolla_action_{{ kolla_action }}"
      changed_when: false

    - name: Group hosts based on enabled services
      ansible.builtin.group_by:
        key: "{{ item }}"
      changed_when: false
      with_items:
        - enable_fluentd_{{ enable_fluentd | bool }}
        - enable_loadbalancer_{{ enable_loadbalancer | bool }}
        - enable_mariadb_{{ enable_mariadb | bool }}
        - enable_nova_{{ enable_nova | bool }}
        - enable_openvswitch_{{ enable_openvswitch | bool }}_enable_ovs_dpdk_{{ enable_ovs_dpdk | bool }}
        - enable_rabbitmq_{{ enable_rabbitmq | bool }}
  tags: always
"""

SITE_YML = _GROUP_BY + """
- name: Apply role prechecks
  gather_facts: false
  hosts: kolla_action_precheck
  roles:
    - role: prechecks

- name: Apply role cron
  gather_facts: false
  hosts:
    - cron
  tags:
    - cron
  roles:
    - role: cron

- name: Apply role fluentd
  gather_facts: false
  hosts:
    - fluentd
    - '&enable_fluentd_True'
  tags:
    - fluentd
  roles:
    - role: fluentd

- name: Apply role mariadb
  import_playbook: mariadb.yml

- name: Apply role loadbalancer
  gather_facts: false
  hosts:
    - loadbalancer
    - '&enable_loadbalancer_True'
  tags:
    - haproxy
    - keepalived
    - loadbalancer
  roles:
    - { role: loadbalancer }
  tasks:
    - name: Configure loadbalancer for enabled services
      when:
        - enable_haproxy | bool
        - kolla_action in ['deploy', 'reconfigure', 'upgrade', 'config']
      block:
        - name: Configure loadbalancer for nova
          ansible.builtin.include_role:
            name: nova
            tasks_from: loadbalancer
          tags:
            - nova
            - nova-api
          when: enable_nova | bool

- name: Apply role rabbitmq
  import_playbook: rabbitmq.yml

- name: Apply role openvswitch
  gather_facts: false
  hosts:
    - openvswitch
    - "&enable_openvswitch_True_enable_ovs_dpdk_False"
  roles:
    - { role: openvswitch, tags: openvswitch, when: "(enable_openvswitch | bool) and not (enable_ovs_dpdk | bool)" }

- name: Apply role ovs-dpdk
  gather_facts: false
  hosts:
    - openvswitch
    - "&enable_openvswitch_True_enable_ovs_dpdk_True"
  roles:
    - { role: ovs-dpdk, tags: ovs-dpdk, when: "(enable_openvswitch | bool) and (enable_ovs_dpdk | bool)" }

- name: Apply role nova
  import_playbook: nova.yml
"""

NOVA_YML = """\
- name: Apply role nova
  gather_facts: false
  hosts:
    - nova-api
    - nova-scheduler
    - nova-super-conductor
    - '&enable_nova_True'
  tags:
    - nova
    - nova-api
  roles:
    - role: nova
      when: enable_nova | bool

- name: Apply role nova-cell
  gather_facts: false
  hosts:
    - compute
    - nova-compute-ironic
    - nova-conductor
    - nova-novncproxy
    - nova-serialproxy
    - nova-spicehtml5proxy
    - '&enable_nova_True'
  tags:
    - nova
    - nova-cell
  roles:
    - role: nova-cell
      when: enable_nova | bool
"""

MARIADB_YML = """\
- name: Apply role mariadb
  gather_facts: false
  hosts:
    - mariadb
    - "&enable_mariadb_True"
  tags:
    - mariadb
  tasks:
    - name: Apply mariadb role
      ansible.builtin.import_role:
        name: mariadb
"""

RABBITMQ_YML = """\
- name: Apply role rabbitmq
  gather_facts: false
  hosts:
    - rabbitmq
    - '&enable_rabbitmq_True'
  tags:
    - rabbitmq
  tasks:
    - name: Apply rabbitmq role
      ansible.builtin.import_role:
        name: rabbitmq
      vars:
        role_rabbitmq_groups: rabbitmq
"""

GROUP_VARS = {
    "group_vars/all/common.yml": """\
docker_registry: "quay.io"
docker_namespace: "openstack.kolla"
docker_image_name_prefix: ""
docker_image_url: "{{ docker_registry ~ '/' if docker_registry else '' }}{{ docker_namespace }}/{{ docker_image_name_prefix }}"
kolla_base_distro: "rocky"
kolla_base_distro_version_default_map: {
  "debian": "trixie",
  "rocky": "10",
  "ubuntu": "noble",
}
kolla_base_distro_version: "{{ kolla_base_distro_version_default_map[kolla_base_distro] }}"
openstack_release: "2026.2"
openstack_tag: "{{ openstack_release }}-{{ kolla_base_distro }}-{{ kolla_base_distro_version }}{{ openstack_tag_suffix }}"
openstack_tag_suffix: ""
enable_openstack_core: true
om_rpc_transport: "rabbit"
om_notify_transport: "rabbit"
""",
    "group_vars/all/fluentd.yml": "enable_fluentd: true\n",
    "group_vars/all/haproxy.yml": "enable_haproxy: true\n",
    "group_vars/all/ironic.yml": "enable_ironic: false\n",
    "group_vars/all/keepalived.yml": 'enable_keepalived: "{{ enable_haproxy | bool }}"\n',
    "group_vars/all/letsencrypt.yml": "enable_letsencrypt: false\n",
    "group_vars/all/loadbalancer.yml": 'enable_loadbalancer: "{{ enable_haproxy | bool or enable_keepalived | bool or enable_proxysql | bool }}"\n',
    "group_vars/all/manila.yml": "enable_manila: false\nenable_manila_backend_generic: false\n",
    "group_vars/all/mariadb.yml": """\
enable_mariadb: true
mariadb_default_database_shard_id: 0
mariadb_shard_id: "{{ mariadb_default_database_shard_id }}"
mariadb_shard_name: "shard_{{ mariadb_shard_id }}"
mariadb_shard_group: "mariadb_{{ mariadb_shard_name }}"
""",
    "group_vars/all/neutron.yml": 'enable_neutron: "{{ enable_openstack_core | bool }}"\nneutron_plugin_agent: "openvswitch"\n',
    "group_vars/all/nova.yml": """\
enable_cells: false
enable_nova: "{{ enable_openstack_core | bool }}"
enable_nova_libvirt_container: "{{ nova_compute_virt_type in ['kvm', 'qemu'] }}"
enable_nova_serialconsole_proxy: false
enable_nova_ssh: true
nova_compute_virt_type: "kvm"
nova_console: "novnc"
enable_nova_fake: false
nova_spice_html5: true
""",
    "group_vars/all/openvswitch.yml": 'enable_openvswitch: "{{ enable_neutron | bool }}"\nenable_ovs_dpdk: false\n',
    "group_vars/all/proxysql.yml": 'enable_proxysql: "{{ enable_mariadb }}"\n',
    "group_vars/all/rabbitmq.yml": "enable_rabbitmq: \"{{ 'yes' if om_rpc_transport == 'rabbit' or om_notify_transport == 'rabbit' else 'no' }}\"\n",
}

_OVS_HOSTS = """\
    host_in_groups: >-
      {{
      inventory_hostname in groups['compute']
      or (enable_manila_backend_generic | bool and inventory_hostname in groups['manila-share'])
      or inventory_hostname in groups['neutron-dhcp-agent']
      or inventory_hostname in groups['neutron-l3-agent']
      or inventory_hostname in groups['neutron-metadata-agent']
      }}
"""

ROLES = {
    "cron": ('project_name: "cron"\n', """\
cron_services:
  cron:
    container_name: cron
    group: cron
    enabled: true
    image: "{{ cron_image_full }}"
cron_image: "{{ docker_image_url }}cron"
cron_tag: "{{ openstack_tag }}"
cron_image_full: "{{ cron_image }}:{{ cron_tag }}"
"""),
    "fluentd": ('project_name: "fluentd"\n', """\
fluentd_services:
  fluentd:
    container_name: fluentd
    group: fluentd
    enabled: "{{ enable_fluentd | bool }}"
    image: "{{ fluentd_image_full }}"
fluentd_tag: "{{ openstack_tag }}"
fluentd_image: "{{ docker_image_url }}fluentd"
fluentd_image_full: "{{ fluentd_image }}:{{ fluentd_tag }}"
"""),
    "loadbalancer": ('project_name: "loadbalancer"\n', """\
loadbalancer_services:
  haproxy:
    container_name: haproxy
    group: loadbalancer
    enabled: true
    image: "{{ haproxy_image_full }}"
  proxysql:
    container_name: proxysql
    group: loadbalancer
    enabled: "{{ enable_proxysql | bool }}"
    image: "{{ proxysql_image_full }}"
  keepalived:
    container_name: keepalived
    group: loadbalancer
    enabled: "{{ enable_keepalived | bool }}"
    image: "{{ keepalived_image_full }}"
  haproxy-ssh:
    container_name: "haproxy_ssh"
    group: loadbalancer
    enabled: "{{ enable_letsencrypt | bool }}"
    image: "{{ haproxy_ssh_image_full }}"
keepalived_image: "{{ docker_image_url }}keepalived"
keepalived_tag: "{{ openstack_tag }}"
keepalived_image_full: "{{ keepalived_image }}:{{ keepalived_tag }}"
haproxy_image: "{{ docker_image_url }}haproxy"
haproxy_tag: "{{ openstack_tag }}"
haproxy_image_full: "{{ haproxy_image }}:{{ haproxy_tag }}"
proxysql_image: "{{ docker_image_url }}proxysql"
proxysql_tag: "{{ openstack_tag }}"
proxysql_image_full: "{{ proxysql_image }}:{{ proxysql_tag }}"
haproxy_ssh_image: "{{ docker_image_url }}haproxy-ssh"
haproxy_ssh_tag: "{{ haproxy_tag }}"
haproxy_ssh_image_full: "{{ haproxy_ssh_image }}:{{ haproxy_ssh_tag }}"
"""),
    "mariadb": ('project_name: "mariadb"\n', """\
mariadb_services:
  mariadb:
    container_name: mariadb
    group: "{{ mariadb_shard_group }}"
    enabled: true
    image: "{{ mariadb_image_full }}"
mariadb_image: "{{ docker_image_url }}mariadb-server"
mariadb_tag: "{{ openstack_tag }}"
mariadb_image_full: "{{ mariadb_image }}:{{ mariadb_tag }}"
"""),
    "rabbitmq": ('project_name: "rabbitmq"\n', """\
rabbitmq_services:
  rabbitmq:
    container_name: "{{ project_name }}"
    group: "{{ role_rabbitmq_groups }}"
    enabled: true
    image: "{{ rabbitmq_image_full }}"
rabbitmq_image: "{{ docker_image_url }}rabbitmq"
rabbitmq_tag: "{{ openstack_tag }}"
rabbitmq_image_full: "{{ rabbitmq_image }}:{{ rabbitmq_tag }}"
"""),
    "openvswitch": ('project_name: "openvswitch"\n', """\
openvswitch_services:
  openvswitch-db-server:
    container_name: "openvswitch_db"
    image: "{{ openvswitch_db_image_full }}"
    enabled: "{{ enable_openvswitch }}"
    group: openvswitch
""" + _OVS_HOSTS + """\
  openvswitch-vswitchd:
    container_name: "openvswitch_vswitchd"
    image: "{{ openvswitch_vswitchd_image_full }}"
    enabled: "{{ enable_openvswitch }}"
    group: openvswitch
""" + _OVS_HOSTS + """\
openvswitch_tag: "{{ openstack_tag }}"
openvswitch_db_image: "{{ docker_image_url }}openvswitch-db-server"
openvswitch_db_tag: "{{ openvswitch_tag }}"
openvswitch_db_image_full: "{{ openvswitch_db_image }}:{{ openvswitch_db_tag }}"
openvswitch_vswitchd_image: "{{ docker_image_url }}openvswitch-vswitchd"
openvswitch_vswitchd_tag: "{{ openvswitch_tag }}"
openvswitch_vswitchd_image_full: "{{ openvswitch_vswitchd_image }}:{{ openvswitch_vswitchd_tag }}"
"""),
    "ovs-dpdk": ('project_name: "ovs"\nkolla_role_name: "ovsdpdk"\n', """\
ovsdpdk_services:
  ovsdpdk-db:
    container_name: "ovsdpdk_db"
    image: "{{ ovsdpdk_db_image_full }}"
    enabled: "{{ neutron_plugin_agent in ['openvswitch'] }}"
""" + _OVS_HOSTS.replace("enable_manila_backend_generic", "enable_manila") + """\
ovsdpdk_tag: "{{ openstack_tag }}"
ovsdpdk_db_image: "{{ docker_image_url }}ovsdpdk-db"
ovsdpdk_db_tag: "{{ ovsdpdk_tag }}"
ovsdpdk_db_image_full: "{{ ovsdpdk_db_image }}:{{ ovsdpdk_db_tag }}"
"""),
    "nova": ('project_name: "nova"\n', """\
nova_services:
  nova-api:
    container_name: "nova_api"
    group: "nova-api"
    image: "{{ nova_api_image_full }}"
    enabled: true
  nova-metadata:
    container_name: "nova_metadata"
    group: "nova-metadata"
    image: "{{ nova_api_image_full }}"
    enabled: true
  nova-scheduler:
    container_name: "nova_scheduler"
    group: "nova-scheduler"
    image: "{{ nova_scheduler_image_full }}"
    enabled: true
  nova-super-conductor:
    container_name: "nova_super_conductor"
    group: "nova-super-conductor"
    enabled: "{{ enable_cells }}"
    image: "{{ nova_super_conductor_image_full }}"
nova_tag: "{{ openstack_tag }}"
nova_super_conductor_image: "{{ docker_image_url }}nova-conductor"
nova_super_conductor_tag: "{{ nova_tag }}"
nova_super_conductor_image_full: "{{ nova_super_conductor_image }}:{{ nova_super_conductor_tag }}"
nova_scheduler_image: "{{ docker_image_url }}nova-scheduler"
nova_scheduler_tag: "{{ nova_tag }}"
nova_scheduler_image_full: "{{ nova_scheduler_image }}:{{ nova_scheduler_tag }}"
nova_api_image: "{{ docker_image_url }}nova-api"
nova_api_tag: "{{ nova_tag }}"
nova_api_image_full: "{{ nova_api_image }}:{{ nova_api_tag }}"
"""),
    "nova-cell": ('project_name: "nova"\nkolla_role_name: "nova_cell"\n', """\
nova_cell_services:
  nova-libvirt:
    container_name: nova_libvirt
    group: "{{ nova_cell_compute_group }}"
    enabled: "{{ enable_nova_libvirt_container }}"
    image: "{{ nova_libvirt_image_full }}"
  nova-ssh:
    container_name: "nova_ssh"
    group: "{{ nova_cell_compute_group }}"
    image: "{{ nova_ssh_image_full }}"
    enabled: "{{ enable_nova_ssh | bool }}"
  nova-novncproxy:
    container_name: "nova_novncproxy"
    group: "{{ nova_cell_novncproxy_group }}"
    image: "{{ nova_novncproxy_image_full }}"
    enabled: "{{ nova_console == 'novnc' }}"
  nova-spicehtml5proxy:
    container_name: "nova_spicehtml5proxy"
    group: "{{ nova_cell_spicehtml5proxy_group }}"
    image: "{{ nova_spicehtml5proxy_image_full }}"
    enabled: "{{ nova_console == 'spice' and (nova_spice_html5 | bool) }}"
  nova-serialproxy:
    container_name: "nova_serialproxy"
    group: "{{ nova_cell_serialproxy_group }}"
    image: "{{ nova_serialproxy_image_full }}"
    enabled: "{{ enable_nova_serialconsole_proxy | bool }}"
  nova-conductor:
    container_name: "nova_conductor"
    group: "{{ nova_cell_conductor_group }}"
    enabled: true
    image: "{{ nova_conductor_image_full }}"
  nova-compute:
    container_name: "nova_compute"
    group: "{{ nova_cell_compute_group }}"
    image: "{{ nova_compute_image_full }}"
    enabled: "{{ not enable_nova_fake | bool }}"
  nova-compute-ironic:
    container_name: "nova_compute_ironic"
    group: "{{ nova_cell_compute_ironic_group }}"
    image: "{{ nova_compute_ironic_image_full }}"
    enabled: "{{ enable_ironic | bool and nova_cell_name == nova_cell_ironic_cell_name }}"
nova_cell_name: ''
nova_cell_ironic_cell_name: ''
nova_cell_compute_group: 'compute'
nova_cell_compute_ironic_group: 'nova-compute-ironic'
nova_cell_conductor_group: 'nova-conductor'
nova_cell_novncproxy_group: 'nova-novncproxy'
nova_cell_serialproxy_group: 'nova-serialproxy'
nova_cell_spicehtml5proxy_group: 'nova-spicehtml5proxy'
nova_tag: "{{ openstack_tag }}"
nova_libvirt_image: "{{ docker_image_url }}nova-libvirt"
nova_libvirt_tag: "{{ nova_tag }}"
nova_libvirt_image_full: "{{ nova_libvirt_image }}:{{ nova_libvirt_tag }}"
nova_ssh_image: "{{ docker_image_url }}nova-ssh"
nova_ssh_tag: "{{ nova_tag }}"
nova_ssh_image_full: "{{ nova_ssh_image }}:{{ nova_ssh_tag }}"
nova_novncproxy_image: "{{ docker_image_url }}nova-novncproxy"
nova_novncproxy_tag: "{{ nova_tag }}"
nova_novncproxy_image_full: "{{ nova_novncproxy_image }}:{{ nova_novncproxy_tag }}"
nova_spicehtml5proxy_image: "{{ docker_image_url }}nova-spicehtml5proxy"
nova_spicehtml5proxy_tag: "{{ nova_tag }}"
nova_spicehtml5proxy_image_full: "{{ nova_spicehtml5proxy_image }}:{{ nova_spicehtml5proxy_tag }}"
nova_serialproxy_image: "{{ docker_image_url }}nova-serialproxy"
nova_serialproxy_tag: "{{ nova_tag }}"
nova_serialproxy_image_full: "{{ nova_serialproxy_image }}:{{ nova_serialproxy_tag }}"
nova_conductor_image: "{{ docker_image_url }}nova-conductor"
nova_conductor_tag: "{{ nova_tag }}"
nova_conductor_image_full: "{{ nova_conductor_image }}:{{ nova_conductor_tag }}"
nova_compute_image: "{{ docker_image_url }}nova-compute"
nova_compute_tag: "{{ nova_tag }}"
nova_compute_image_full: "{{ nova_compute_image }}:{{ nova_compute_tag }}"
nova_compute_ironic_image: "{{ docker_image_url }}nova-compute-ironic"
nova_compute_ironic_tag: "{{ nova_tag }}"
nova_compute_ironic_image_full: "{{ nova_compute_ironic_image }}:{{ nova_compute_ironic_tag }}"
"""),
    # A role with variables but no services (site.yml applies it; it pulls nothing).
    "prechecks": ("docker_version_min: '18.09'\n", None),
}
