"""The package's shape: what imports what, so the next change does not tie it in knots."""

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).parents[1] / "app"


def modules():
    """Module name → its file, for every module of the app."""
    out = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def run_time_imports(name, path, known):
    """The app modules `name` imports when it is loaded (not under TYPE_CHECKING, not lazily)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in known and m != name}


def cycles(graph):
    """Groups of modules that import each other, directly or round about (Tarjan)."""
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while (w := stack.pop()) != v:
                on.discard(w)
                group.add(w)
            on.discard(v)
            if group:
                groups.append(group | {v})

    for v in graph:
        if v not in index:
            visit(v)
    return groups


def test_no_module_imports_itself_round_about():
    known = modules()
    graph = {name: run_time_imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_check_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [{"a", "b", "c"}]


def test_package_inits_hold_only_their_docstring():
    for path in APP.rglob("__init__.py"):
        body = ast.parse(path.read_text()).body
        assert len(body) <= 1 and all(isinstance(n, ast.Expr) for n in body), path


def loaded_after(statement):
    """The app modules and web stack a fresh interpreter has loaded after `statement`."""
    probe = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_settings_load_without_the_web_stack():
    loaded = loaded_after("import app.config")
    assert "flask" not in loaded
    assert {m for m in loaded if m.startswith("app.")} == {"app.config", "app.errors"}


def test_channels_never_load_the_composition_root():
    for channel in (
        "app.channels.live_calls",
        "app.channels.webchat.chats",
        "app.channels.sip_edge.server",
        "app.channels.terminal",
    ):
        assert "app.wiring" not in loaded_after(f"import {channel}"), channel


def test_every_module_imports():
    """A name moved to another module is imported from there (a re-export is not relied on)."""
    probe = (
        "import importlib, sys; bad = []\n"
        f"for name in {sorted(n for n in modules() if not n.endswith('__main__'))!r}:\n"
        "    try: importlib.import_module(name)\n"
        "    except Exception as exc: bad.append(f'{name}: {exc!r}')\n"
        "print('\\n'.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_services_give_each_channel_what_it_names(phone_settings):
    """A channel depends on a small Protocol of its own; `Services` must provide every member."""
    from app.channels.live_calls import PhoneServices
    from app.channels.webchat.chats import ChatServices
    from app.wiring import Services

    services = Services(phone_settings, speech_model=None)
    try:
        for protocol in (PhoneServices, ChatServices):
            members = set(protocol.__annotations__) | {
                name for name, value in vars(protocol).items() if callable(value)
            }
            members = {m for m in members if not m.startswith("_")}
            missing = [m for m in members if m not in vars(services) and not hasattr(Services, m)]
            assert missing == [], protocol.__name__
    finally:
        services.close()
