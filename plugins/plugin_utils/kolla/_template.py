# -*- coding: utf-8 -*-
# Copyright: multiarch.kolla contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluate kolla-ansible's own Jinja expressions the way Ansible does, in a sandbox, with variables resolved on use.

Controller side. kolla-ansible builds image names and service placement from templated
variables (``nova_compute_image_full: "{{ nova_compute_image }}:{{ nova_compute_tag }}"``,
``enabled: "{{ enable_nova_libvirt_container }}"``). A :class:`Scope` holds variable
layers in Ansible's precedence order and templates a variable only when an expression
uses it, once (as Ansible's lazy templating does). A template that is one ``{{ expr }}``
gives the expression's native value, anything else a string (Ansible's native types).

The environment is Jinja2's immutable sandbox with a fixed set of ansible-core's pure
filters and tests: no lookups, no file or environment access. What cannot be evaluated
(an undefined variable, a filter outside that set, a syntax error, a loop) raises
:class:`TemplateProblem` naming the variables on the way.
"""

from collections.abc import Mapping

from ansible.plugins.filter.core import FilterModule as _CoreFilters
from ansible.plugins.filter.mathstuff import FilterModule as _MathFilters
from ansible.plugins.test.core import TestModule as _CoreTests
from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# ansible-core filters and tests that only transform their input (no lookups, files, environment or randomness).
_FILTERS = (
    "b64decode", "b64encode", "basename", "bool", "combine", "dict2items", "dirname", "flatten", "from_json", "from_yaml",
    "items2dict", "mandatory", "quote", "regex_escape", "regex_findall", "regex_replace", "regex_search", "split", "ternary",
    "to_json", "to_nice_json", "to_nice_yaml", "to_yaml",
)
_MATH_FILTERS = ("difference", "intersect", "symmetric_difference", "union", "unique")
_TESTS = ("falsy", "match", "regex", "search", "truthy", "version", "version_compare")
# Names only a host has (Ansible's magic variables of one host).
HOST_NAMES = ("inventory_hostname", "inventory_hostname_short", "group_names")
_VALUE = "__multiarch_value"


class TemplateProblem(Exception):
    """An expression or variable that cannot be evaluated.

    ``reason`` says why, with the expression; ``chain`` names the variables that led to it, the outermost first.
    """

    def __init__(self, reason, chain=()):
        self.reason, self.chain = reason, list(chain)
        super().__init__(": ".join([*self.chain, reason]))

    @property
    def cause(self):
        """The innermost variable and why it fails (what the operator fixes)."""
        return "%s: %s" % (self.chain[-1], self.reason) if self.chain else self.reason


class HostSpecific(Exception):
    """Raised in a scope without a host when an expression needs one (inventory_hostname, group_names)."""


class Unsafe(str):
    """A string YAML tagged ``!unsafe``: Ansible never templates it."""

    __slots__ = ()


class Members(list):
    """A group's host list, as Ansible's ``groups`` has it, with set-speed ``in``."""

    def __init__(self, hosts):
        super().__init__(hosts)
        self._set = frozenset(self)

    def __contains__(self, item):
        return item in self._set


def _pick(available, names):
    return {name: available[name] for name in names if name in available}


class Evaluator:
    """One sandboxed environment and its compiled templates, shared by every scope of one run."""

    def __init__(self):
        env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True)
        env.filters.update(_pick(_CoreFilters().filters(), _FILTERS))
        env.filters.update(_pick(_MathFilters().filters(), _MATH_FILTERS))
        env.tests.update(_pick(_CoreTests().tests(), _TESTS))
        self.env = env
        self._to_bool = env.filters["bool"]
        self._compiled = {}

    def scope(self, layers, magic=None):
        """A scope over ``layers`` (dicts, the highest precedence first); ``magic`` values (Ansible's ``groups``) are used as they are."""
        return Scope(self, layers, magic=magic)

    def _compile(self, source):
        """``(native, template)``: native when the source is exactly one ``{{ expression }}``."""
        if source not in self._compiled:
            try:
                tree = self.env.parse(source)
                body = tree.body
                single = len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1
                if single and not isinstance(body[0].nodes[0], nodes.TemplateData):
                    assign = nodes.Assign(nodes.Name(_VALUE, "store"), body[0].nodes[0], lineno=1)
                    self._compiled[source] = (True, self.env.from_string(nodes.Template([assign], lineno=1)))
                else:
                    self._compiled[source] = (False, self.env.from_string(tree))
            except Exception as exc:  # Jinja's syntax and assertion errors: reported as the input's problem
                self._compiled[source] = exc
        compiled = self._compiled[source]
        if isinstance(compiled, Exception):
            raise TemplateProblem("%r: %s" % (source, compiled))
        return compiled

    def render(self, source, scope):
        native, template = self._compile(source)
        context = template.new_context(scope, shared=True)
        try:
            if not native:
                return self.env.concat(template.root_render_func(context))
            for _chunk in template.root_render_func(context):
                pass
            value = context.vars.get(_VALUE)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            return value
        except (HostSpecific, TemplateProblem):
            raise
        except Exception as exc:  # whatever kolla-ansible's expression raises is reported, never a traceback
            raise TemplateProblem("%r: %s" % (source, exc)) from None

    def to_bool(self, value):
        """Ansible's ``bool`` filter, as kolla-ansible applies it to ``enabled`` (kolla_ansible/helpers.py _call_bool_filter)."""
        return self._to_bool(value)


class Scope(Mapping):
    """Variables in layers (the first wins), templated when used; a child scope adds one host's magic variables."""

    def __init__(self, evaluator, layers, parent=None, magic=None):
        self._ev = evaluator
        self._layers = tuple(layer for layer in layers if layer)
        self._parent = parent
        self._magic = magic or {}
        self._cache = {}
        self._busy = set()

    def for_host(self, host, group_names):
        """A child scope for ``host``: what does not depend on the host is taken from this scope, computed once."""
        magic = dict(self._magic, inventory_hostname=host, inventory_hostname_short=host.split(".", 1)[0], group_names=group_names)
        return Scope(self._ev, self._layers, parent=self, magic=magic)

    def raw(self, name, default=None):
        """The untemplated value of ``name`` from the first layer that has it."""
        for layer in self._layers:
            if name in layer:
                return layer[name]
        return default

    def __contains__(self, name):
        if name in self._magic or name in HOST_NAMES:
            return True
        return any(name in layer for layer in self._layers) or name in self._ev.env.globals

    def __iter__(self):
        seen = set(self._magic)
        yield from self._magic
        for layer in self._layers:
            for name in layer:
                if name not in seen:
                    seen.add(name)
                    yield name

    def __len__(self):
        return sum(1 for _name in self)

    def __getitem__(self, name):
        if name in self._magic:
            return self._magic[name]
        if name in self._cache:
            value = self._cache[name]
            if isinstance(value, Exception):
                raise value
            return value
        if self._parent is not None:
            try:
                return self._parent[name]
            except HostSpecific:
                pass  # depends on the host: evaluated in this scope
        elif name in HOST_NAMES:
            raise HostSpecific(name)
        return self._resolve(name)

    def _resolve(self, name):
        for layer in self._layers:
            if name in layer:
                raw = layer[name]
                break
        else:
            if name in self._ev.env.globals:
                return self._ev.env.globals[name]
            raise KeyError(name)
        if name in self._busy:
            raise TemplateProblem("its value refers to itself", [name])
        self._busy.add(name)
        try:
            value = self.evaluate(raw)
        except TemplateProblem as exc:
            value = TemplateProblem(exc.reason, [name, *exc.chain])
        except HostSpecific as exc:
            value = exc
        finally:
            self._busy.discard(name)
        self._cache[name] = value
        if isinstance(value, Exception):
            raise value
        return value

    def evaluate(self, raw):
        """``raw`` templated in this scope (strings with ``{{``/``{%``, recursively inside lists and dicts)."""
        if isinstance(raw, Unsafe):
            return str(raw)
        if isinstance(raw, Members):
            return raw
        if isinstance(raw, str):
            return self._ev.render(raw, self) if ("{{" in raw or "{%" in raw) else raw
        if isinstance(raw, list):
            return [self.evaluate(item) for item in raw]
        if isinstance(raw, dict):
            return {key: self.evaluate(item) for key, item in raw.items()}
        return raw

    def flag(self, raw):
        """A templated flag (a service's ``enabled``) through Ansible's ``bool``."""
        return self._ev.to_bool(self.evaluate(raw))

    def condition(self, raw):
        """A ``when:`` condition: an expression without braces (or a boolean), as Ansible evaluates it."""
        if isinstance(raw, str) and not isinstance(raw, Unsafe) and "{{" not in raw and "{%" not in raw:
            raw = "{{ %s }}" % raw
        return self.flag(raw)
