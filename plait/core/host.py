"""The plugin host: discovers plugins, calls their hooks, keeps the registries.

Built-in plugins are the ones named in ``BUILTIN_PLUGINS``; third-party plugins are entry points in
the group ``plait``. Both go through the same hooks, and any of them can be turned off
(``plait --disable NAME``, ``PLAIT_DISABLE_PLUGINS``, ``PLAIT_LOAD_PLUGINS``). Every registry holds
factories of one shape, ``factory(ctx) -> T`` (see :mod:`plait.core.factories`); tools are values.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, NamedTuple

import pluggy

from plait.core import hookspecs
from plait.core.context import use_process_host
from plait.core.errors import PluginError
from plait.core.redact import redact_text
from plait.core.factories import (
    AgentFactory,
    CharacterSourceFactory,
    EmbedderFactory,
    GateFactory,
    ModelFactory,
    PipelineFactory,
    SandboxFactory,
    adapt,
)
from plait.core.registry import Registry
from plait.core.tools import Tool

ENTRY_POINT_GROUP = "plait"

# What a plugin may raise without taking plait down: any error, and SystemExit (a plugin calling
# sys.exit() at import or in a hook). KeyboardInterrupt still stops plait: the user asked for it.
PLUGIN_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit)

# hook name -> registry attribute on the Host
REGISTRY_HOOKS = {
    "register_models": "models",
    "register_embedders": "embedders",
    "register_tools": "tools",
    "register_retrieval_gates": "gates",
    "register_characters": "characters",
    "register_sandboxes": "sandboxes",
    "register_agents": "agents",
    "register_pipelines": "pipelines",
}

class Builtin(NamedTuple):
    """A built-in plugin: loaded as ``plait.<short>`` from ``module``; ``extra`` names the pip
    extra that brings the modules in ``needs`` (an optional plugin's dependencies)."""

    short: str
    module: str
    extra: str | None = None
    needs: tuple[str, ...] = ()


# Every built-in plugin, loaded in this order. Strings, not imports: core names the built-ins but
# imports no plugin (DESIGN.md), and a module dropped into plait/plugins/ is not a plugin until it is
# listed here. The capabilities live in plait.plugins; a layer may ship one too (plait.pipeline's
# example pipelines). They register through the same hooks as any plugin, and any can be turned off.
BUILTIN_PLUGINS: tuple[Builtin, ...] = (
    Builtin("characters", "plait.plugins.characters", "characters", ("PIL", "anyascii")),
    Builtin("codeverify", "plait.plugins.codeverify"),
    Builtin("data", "plait.plugins.data", "data", ("sklearn", "matplotlib")),
    Builtin("gates", "plait.plugins.gates"),
    Builtin("evaluation", "plait.plugins.evaluation"),
    Builtin("math", "plait.plugins.math", "math", ("math_verify",)),
    Builtin("mining", "plait.plugins.mining", "mining", ("datasketch",)),
    Builtin("mcts", "plait.plugins.mcts"),
    Builtin("models", "plait.plugins.models"),
    Builtin("rag", "plait.plugins.rag"),
    Builtin("sandboxes", "plait.plugins.sandboxes"),
    Builtin("uar", "plait.plugins.uar", "uar", ("sklearn",)),
    Builtin("pipeline", "plait.pipeline.builtin"),
)

# Plugins turned off for this process by ``plait --disable NAME`` (the CLI sets it before the host loads).
_DISABLED: set[str] = set()


@dataclass
class PluginInfo:
    name: str
    module: ModuleType | None
    builtin: bool
    version: str | None = None
    distribution: str | None = None
    error: str | None = None
    hooks: list[str] = field(default_factory=list)


def _allowed_plugins() -> set[str] | None:
    """PLAIT_LOAD_PLUGINS: unset = all, '' = no third-party plugin, 'a,b' = only those.

    Built-ins (``plait.math``, ``plait.rag``...) all load unless the list names at least one of
    them; then only the built-ins it names load (``PLAIT_LOAD_PLUGINS=plait.models,plait.rag``).
    """
    raw = os.environ.get("PLAIT_LOAD_PLUGINS")
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def disable_plugins(names: list[str] | set[str]) -> None:
    """Turn plugins off for this process (``plait --disable NAME``): built-ins as ``plait.NAME``
    (``NAME`` alone is accepted for a built-in), third-party ones by entry-point name."""
    _DISABLED.update(names)


def _disabled_by(name: str, builtin: bool, allowed: set[str] | None) -> str | None:
    """Why plugin ``name`` is turned off (the switch to undo), or None when it loads."""
    short = name.removeprefix("plait.") if builtin else None
    off = os.environ.get("PLAIT_DISABLE_PLUGINS", "")
    disabled = _DISABLED | {p.strip() for p in off.split(",") if p.strip()}
    if name in disabled or (short and short in disabled):
        return f"--disable {name}" if (name in _DISABLED or short in _DISABLED) else "PLAIT_DISABLE_PLUGINS"
    if allowed is None:
        return None
    if builtin and not any(a.startswith("plait.") for a in allowed):
        return None  # a list of third-party plugins leaves the built-ins alone
    return None if name in allowed else "PLAIT_LOAD_PLUGINS"


def _undo(plugin: str, switch: str) -> str:
    if switch.startswith("--disable"):
        return f"run without {switch} to use it"
    if switch == "PLAIT_DISABLE_PLUGINS":
        return f"remove {plugin} from PLAIT_DISABLE_PLUGINS"
    return f"add {plugin} to PLAIT_LOAD_PLUGINS or unset it"


def _missing_modules(builtin: Builtin) -> list[str]:
    """The modules of ``builtin``'s extra that are not installed (found without importing them)."""
    return [m for m in builtin.needs if importlib.util.find_spec(m) is None]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit: the plugin called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _hook_error(exc: BaseException, plugin: str, hook: str) -> PluginError:
    """``exc`` raised by ``plugin`` in ``hook`` as a PluginError naming both (secrets redacted)."""
    if isinstance(exc, PluginError):  # e.g. a RegistrationClash, already naming both plugins
        error = exc
        if error.plugin is None:
            error.plugin = plugin
        if hook not in str(error):
            error.args = (f"{error} (in hook {hook})",)
    else:
        error = PluginError(f"plugin {plugin!r} raised in hook {hook}: {redact_text(_describe(exc))}", plugin=plugin)
        error.__cause__ = exc
    error.hook = hook  # type: ignore[attr-defined]
    return error


def _trace(msg: str) -> None:
    if os.environ.get("PLAIT_TRACE_PLUGINS", "") not in ("", "0", "false"):
        print(f"[plait plugins] {msg}", file=sys.stderr)


class Host:
    """Loads plugins and holds what they register."""

    def __init__(
        self,
        *,
        builtins: bool | list[str] = True,
        entry_points: bool = True,
        extra_plugins: list[tuple[str, object]] | None = None,
        strict: bool = False,
    ):
        self.strict = strict
        self.pm = pluggy.PluginManager("plait")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginInfo] = []  # plugins that failed to load
        self.hook_errors: list[PluginError] = []  # failures in hooks, each naming plugin and hook
        self.disabled: dict[str, str] = {}  # plugin turned off -> the switch that did it
        hint = self._missing_hint
        self.models: Registry[ModelFactory] = Registry("model backend", hint)
        self.embedders: Registry[EmbedderFactory] = Registry("embedder backend", hint)
        self.tools: Registry[Tool] = Registry("tool", hint)
        self.gates: Registry[GateFactory] = Registry("retrieval gate", hint)
        self.characters: Registry[CharacterSourceFactory] = Registry("character source", hint)
        self.sandboxes: Registry[SandboxFactory] = Registry("sandbox backend", hint)
        self.agents: Registry[AgentFactory] = Registry("agent", hint)
        self.pipelines: Registry[PipelineFactory] = Registry("pipeline", hint)
        if builtins:
            self._load_builtins(None if builtins is True else list(builtins))
        if entry_points:
            self._load_entry_points()
        for name, obj in extra_plugins or []:
            self.add_plugin(name, obj, builtin=False)
        self._fill_registries()

    # -- discovery -------------------------------------------------------------------------
    def _load_builtins(self, only: list[str] | None) -> None:
        allowed = _allowed_plugins()
        for builtin in BUILTIN_PLUGINS:
            if only is not None and builtin.short not in only:
                continue
            name = f"plait.{builtin.short}"
            switch = _disabled_by(name, True, allowed)
            if switch:
                self.disabled[name] = switch
                _trace(f"skipped {name}: turned off by {switch}")
                continue
            missing = _missing_modules(builtin)
            if missing:  # the failure policy: reported, skipped, and the message says what to install
                self._fail(PluginInfo(name, None, True), ImportError(
                    f"it needs the extra [{builtin.extra}] (missing: {', '.join(missing)}); "
                    f"install it with: pip install 'plait[{builtin.extra}]'"))
                continue
            try:
                module = importlib.import_module(builtin.module)
            except PLUGIN_FAILURES as exc:  # a broken built-in must not take the host down either
                self._fail(PluginInfo(name, None, True), exc)
                continue
            self.add_plugin(name, module, builtin=True)

    def _load_entry_points(self) -> None:
        allowed = _allowed_plugins()
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            switch = _disabled_by(ep.name, False, allowed)
            if switch:
                if switch != "PLAIT_LOAD_PLUGINS":  # not listed is not worth a line; turned off is
                    self.disabled[ep.name] = switch
                continue
            dist = getattr(ep, "dist", None)
            info = PluginInfo(
                ep.name,
                None,
                False,
                version=dist.version if dist else None,
                distribution=dist.metadata["Name"] if dist else None,
            )
            try:
                module = ep.load()
            except PLUGIN_FAILURES as exc:  # sys.exit() at import included: it must not end plait
                self._fail(info, exc)
                continue
            self.add_plugin(ep.name, module, builtin=False, info=info)

    def _missing_hint(self, name: str) -> str:
        """Why a registry may lack ``name``: a plugin turned off or failed, and how to get it back."""
        wanted = {name, name.partition("/")[0]}
        wanted |= {w + "s" for w in wanted} | {w.removesuffix("s") for w in wanted}
        off = [(p, f"turned off by {how}", _undo(p, how)) for p, how in self.disabled.items()]
        broken = [(f.name, "failed to load", f.error or "") for f in self.failures]
        likely = [row for row in off + broken if row[0].removeprefix("plait.") in wanted]
        rows = likely or off + broken
        if not rows:
            return ""
        lead = "it comes from" if likely else "maybe it comes from"
        return f"{lead} " + "; ".join(f"plugin {p!r}, {state} ({fix})" for p, state, fix in rows)

    def add_plugin(self, name: str, obj: object, *, builtin: bool, info: PluginInfo | None = None) -> None:
        """Register a plugin object (module or instance with @hookimpl functions)."""
        info = info or PluginInfo(name, None, builtin)
        info.module = obj if isinstance(obj, ModuleType) else None
        if info.version is None and builtin:
            from plait import __version__

            info.version = __version__
        try:
            self.pm.register(obj, name=name)
        except PLUGIN_FAILURES as exc:
            self._fail(info, exc)
            return
        info.hooks = sorted(h.name for h in self.pm.get_hookcallers(obj) or [])
        self.plugins[name] = info
        _trace(f"loaded {name} ({'builtin' if builtin else 'plugin'}): hooks {', '.join(info.hooks)}")

    def _fail(self, info: PluginInfo, exc: BaseException) -> None:
        info.error = redact_text(_describe(exc))
        if self.strict:
            raise PluginError(f"plugin {info.name!r} failed to load: {info.error}", plugin=info.name) from exc
        print(
            f"warning: plugin {info.name!r} failed to load and was skipped: {info.error} "
            f"(set PLAIT_LOAD_PLUGINS to exclude it, or uninstall it)",
            file=sys.stderr,
        )
        self.failures.append(info)
        self.plugins.pop(info.name, None)

    # -- hook calls --------------------------------------------------------------------------
    def _call_impls(self, hook: str, after: Callable[[str, bool], None] | None, kwargs: dict[str, Any]) -> list[PluginError]:
        """Call ``hook`` on every plugin separately; return one PluginError per plugin that failed.

        ``after(plugin, failed)`` runs right after each plugin's call (e.g. a clash check of what it
        added, or removing what a failed call half-added); what it raises counts as that plugin's
        failure in that hook. With ``strict`` the first
        failure is raised instead.
        """
        caller = getattr(self.pm.hook, hook)
        errors: list[PluginError] = []
        for impl in caller.get_hookimpls():  # registration order: built-ins, entry points, extras
            _trace(f"call {hook} -> {impl.plugin_name}")
            args = {k: v for k, v in kwargs.items() if k in impl.argnames}
            bound = {
                k: (self._bind_register(v, impl.plugin_name) if k == "register" else v)
                for k, v in args.items()
            }
            failure: BaseException | None = None
            try:
                impl.function(**bound)
            except PLUGIN_FAILURES as exc:
                failure = exc
            if after is not None:
                try:
                    after(impl.plugin_name, failure is not None)
                except PLUGIN_FAILURES as exc:
                    failure = failure or exc
            if failure is not None:
                error = _hook_error(failure, impl.plugin_name, hook)
                if self.strict:
                    raise error
                errors.append(error)
        return errors

    def call_each(self, hook: str, **kwargs: Any) -> None:
        """Call ``hook`` on every plugin separately, so a failure names its plugin and hook.

        Every plugin is called even when an earlier one raises (one broken plugin must not hide
        the others); afterwards the first failure is raised, with all of them in ``.errors``.
        """
        errors = self._call_impls(hook, None, kwargs)
        if errors:
            errors[0].errors = errors  # type: ignore[attr-defined]
            raise errors[0]

    def call_isolated(self, hook: str, *, after: Callable[[str, bool], None] | None = None, **kwargs: Any) -> list[PluginError]:
        """The one failure policy, for every hook: call each plugin, and for each that raises print a
        warning naming plugin and hook, record it (``hook_errors``, the plugin's ``error``) and go on.

        With ``strict`` the first failure raises PluginError instead (``plait --strict`` exits 1).
        """
        errors = self._call_impls(hook, after, kwargs)
        for error in errors:
            print(f"warning: {error}", file=sys.stderr)
            self.hook_errors.append(error)
            info = self.plugins.get(error.plugin or "")
            if info is not None and info.error is None:
                info.error = str(error)
        return errors

    def problems(self) -> list[str]:
        """Every plugin failure so far, loading and hooks, one line each (for ``--strict``)."""
        loads = [f"plugin {f.name!r} failed to load: {f.error}" for f in self.failures]
        return loads + [str(e) for e in self.hook_errors]

    @staticmethod
    def _bind_register(register: Callable, plugin: str) -> Callable:
        def bound(*args: Any, **kwargs: Any) -> None:
            register(plugin, *args, **kwargs)

        return bound

    def _fill_registries(self) -> None:
        for hook, attr in REGISTRY_HOOKS.items():
            registry: Registry = getattr(self, attr)
            adder = self._tool_adder if attr == "tools" else self._named_adder(attr, registry)
            self.call_isolated(hook, register=adder, after=self._rollback(registry))

    @staticmethod
    def _rollback(registry: Registry) -> Callable[[str, bool], None]:
        def after(plugin: str, failed: bool) -> None:
            if failed:  # go on without what it half-registered, before the next plugin registers
                registry.remove_plugin(plugin)

        return after

    @staticmethod
    def _named_adder(attr: str, registry: Registry) -> Callable:
        def add(plugin: str, name: str, factory: Any) -> None:
            # one shape, factory(ctx); an old shape is adapted (with a DeprecationWarning) this release
            registry.add(name, adapt(attr, name, factory, plugin), plugin)

        return add

    def _tool_adder(self, plugin: str, fn: Any, name: str | None = None) -> None:
        tool = fn if isinstance(fn, Tool) else Tool.from_function(fn, name=name)
        self.tools.add(tool.name, tool, plugin)

    def registered_by(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin put in each registry (empty registries left out)."""
        out = {}
        for attr in REGISTRY_HOOKS.values():
            names = getattr(self, attr).by_plugin(plugin)
            if names:
                out[attr] = names
        return out


_HOST: Host | None = None


def get_host() -> Host:
    """The process-wide host, loaded on first use."""
    global _HOST
    if _HOST is None:
        _HOST = Host()
    return _HOST


def set_host(host: Host | None) -> None:
    """Replace the process-wide host (tests, ``plait.testing``)."""
    global _HOST
    _HOST = host


use_process_host(get_host)  # a Context built without host= finds this process's host
