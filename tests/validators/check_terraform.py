"""Checks Terraform HCL offline against real provider schemas; prints one problem a line, exits 1 on any.

  extract PACKAGE -o SCHEMA.json.gz         PACKAGE: a cdktn/cdktf provider wheel, npm tarball or .jsii
  check -s SCHEMA [-s SCHEMA ...] PATH...   PATH: a .tf file or a directory (each directory is a module)

`extract` is terraform_schema.py's. `check` parses with python-hcl2 (its rule tree, for line numbers and
repeated arguments) and reports, as `FILE:LINE: ADDRESS: message`: syntax errors, unknown top-level
blocks, unknown resource/data/ephemeral types, unknown arguments and blocks, a block written as an
argument and the reverse, a repeated argument, missing required arguments and blocks, too many single
blocks, count with for_each, duplicate addresses, references to undeclared variables, locals, modules,
resources and data sources, and a provider used without a `terraform { required_providers }` entry, with
another source, or with a version constraint the checked schema's version does not meet. It does not
evaluate expressions, check value types, the keys of object values, or the attribute a reference reads.
"""
import argparse
import difflib
import gzip
import json
import os
import re
import sys

from terraform_schema import extract

SECTIONS = {"resource": "resources", "data": "data_sources", "ephemeral": "ephemeral_resources"}
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
META_BLOCKS = {"resource": {"lifecycle", "provisioner", "connection"}, "data": {"lifecycle"},
               "ephemeral": {"lifecycle"}}
LABELS = {"resource": 2, "data": 2, "ephemeral": 2, "provider": 1, "terraform": 0, "variable": 1,
          "locals": 0, "output": 1, "module": 1, "moved": 0, "import": 0, "check": 1, "removed": 0}
NO_REFERENCES = {"terraform", "moved", "import", "removed"}  # addresses there need not be declared


def unquote(text):
    text = str(text)
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


def line_of(node):
    return getattr(getattr(node, "_meta", None), "line", None)


def items(body):
    """(kind, name, labels, line, node) for each argument and block of a body, in order."""
    from hcl2.rules.base import AttributeRule, BlockRule
    for child in body.children:
        if isinstance(child, AttributeRule):
            yield "argument", child.identifier.serialize(), [], line_of(child), child
        elif isinstance(child, BlockRule):
            labels = [unquote(label.serialize()) for label in child.labels]
            yield "block", labels[0], labels[1:], line_of(child), child


def arguments_of(body):
    return {name: node for kind, name, _labels, _at, node in items(body) if kind == "argument"}


def suggest(name, candidates):
    close = difflib.get_close_matches(str(name), list(candidates), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


class Module:
    """The problems found so far and what one module declares and uses."""

    def __init__(self, checker):
        self.ck = checker
        self.declared = {"var": set(), "local": set(), "module": set(), "resource": set(), "data": set(),
                         "ephemeral": set()}
        self.required, self.used, self.addresses, self.expressions = {}, {}, {}, []

    def problem(self, file, line, address, message):
        self.ck.problems.add((file, line or 0, f"{file}:{line or '?'}: {address}: {message}"))


class Checker:
    def __init__(self, schemas):
        self.schemas = schemas
        self.tables = {table: {} for table in SECTIONS.values()}
        for schema in schemas:
            for table in SECTIONS.values():
                self.tables[table].update(schema[table])
        self.problems = set()
        self.blocks_checked = 0

    def schema_for(self, local):
        return next((s for s in self.schemas if s["provider"].split("/")[1] == local), None)


def check_body(mod, file, body, schema, address, line, meta=None):
    """Checks one body against a block schema; `meta` names the meta-blocks allowed (top level)."""
    seen, counts, dynamic = {}, {}, set()
    arguments, as_blocks = schema["arguments"], schema.get("as_blocks", {})
    blocks = {**{n: {**b, "nesting": "list", "required": False} for n, b in as_blocks.items()}, **schema["blocks"]}
    for kind, name, labels, at, node in items(body):
        if kind == "argument":
            if name in seen:
                mod.problem(file, at, address, f'argument "{name}" is set twice (first on line {seen[name]})')
            seen[name] = at
            if (meta is not None and name in META_ARGUMENTS) or name in arguments:
                continue
            if name in blocks:
                mod.problem(file, at, address, f'"{name}" is a block, not an argument: write `{name} {{ ... }}`')
            else:
                mod.problem(file, at, address, f'unsupported argument "{name}"{suggest(name, arguments)}')
        elif meta is not None and name in meta:
            continue
        elif name == "dynamic":
            target = labels[0] if len(labels) == 1 else None
            if target in blocks:
                dynamic.add(target)
                check_dynamic(mod, file, node.body, blocks[target], f"{address}.{target}[dynamic]", at)
            elif target in arguments:
                mod.problem(file, at, address, f'"{target}" is an argument, not a block: no dynamic block for it')
            else:
                mod.problem(file, at, address, f'dynamic block for unsupported block type "{target}"'
                            + suggest(target, blocks))
        elif name not in blocks:
            if name in arguments:
                mod.problem(file, at, address, f'"{name}" is an argument, not a block: write `{name} = ...`')
            else:
                mod.problem(file, at, address, f'unsupported block type "{name}"{suggest(name, blocks)}')
        else:
            if labels:
                mod.problem(file, at, address, f'block "{name}" takes no labels')
            counts[name] = counts.get(name, 0) + 1
            sub = blocks[name]
            if sub.get("max_items") and counts[name] == sub["max_items"] + 1:
                mod.problem(file, at, address, f'too many "{name}" blocks (at most {sub["max_items"]})')
            index = f"[{counts[name] - 1}]" if sub["nesting"] == "list" else ""
            check_body(mod, file, node.body, sub, f"{address}.{name}{index}", at)
    for name, need in arguments.items():
        if need == "required" and name not in seen and name not in counts and name not in dynamic:
            mod.problem(file, line, address, f'missing required argument "{name}"')
    for name, sub in blocks.items():
        if sub["required"] and name not in counts and name not in dynamic:
            mod.problem(file, line, address, f'missing required block "{name}"')
    for name in as_blocks:
        if name in seen and (name in counts or name in dynamic):
            mod.problem(file, seen[name], address, f'"{name}" is set both as an argument and as blocks')
    if meta is not None and "count" in seen and "for_each" in seen:
        mod.problem(file, seen["for_each"], address, "count and for_each cannot both be set")


def check_dynamic(mod, file, body, schema, address, line):
    contents = 0
    for kind, name, _labels, at, node in items(body):
        if kind == "block" and name == "content":
            contents += 1
            check_body(mod, file, node.body, schema, address, at)
        elif kind == "block" or name not in ("for_each", "iterator", "labels"):
            mod.problem(file, at, address, f'unexpected "{name}" in a dynamic block')
    if contents != 1:
        mod.problem(file, line, address, f"a dynamic block needs exactly one content block, found {contents}")


def value_of(node):
    from hcl2.rules.base import BlockRule
    return node.body.serialize() if isinstance(node, BlockRule) else node.expression.serialize()


# --------------------------------------------------------------------------------------- references
def traversal(tree):
    """The names of a reference such as `a.b[0].c` (['a', 'b', '[]', 'c']), or None."""
    from lark import Tree
    kids = [c for c in tree.children if isinstance(c, Tree)]
    if tree.data == "expr_term" and len(tree.children) == 1 and kids:
        if kids[0].data == "identifier":
            return [str(kids[0].children[0])]
        return traversal(kids[0]) if kids[0].data.endswith("_expr_term") else None
    if tree.data in ("get_attr_expr_term", "index_expr_term") and kids:
        base = traversal(kids[0])
        if base is None or len(kids) < 2:
            return None
        names = [str(t.children[0]) for t in kids[1].children if isinstance(t, Tree) and t.data == "identifier"]
        return base + (names[:1] if tree.data == "get_attr_expr_term" else ["[]"])
    return None


def check_references(mod, tree, file, line, address):
    for node in tree.iter_subtrees():
        names = traversal(node)
        if not names or len(names) < 2:
            continue
        root, what = names[0], None
        if root in ("var", "local", "module"):
            what = (root, names[1]) if names[1] not in mod.declared[root] else None
        elif root in ("data", "ephemeral") and len(names) >= 3:
            what = (root, f"{names[1]}.{names[2]}") if f"{names[1]}.{names[2]}" not in mod.declared[root] else None
        elif root in mod.ck.tables["resources"] and f"{root}.{names[1]}" not in mod.declared["resource"]:
            what = ("resource", f"{root}.{names[1]}")
        if what:
            kind = {"var": "input variable", "local": "local value"}.get(what[0], what[0])
            mod.problem(file, line, address, f'reference to undeclared {kind} "{what[1]}"')


def collect_expressions(mod, file, body, address, skip=()):
    """Remembers every argument's expression under `body` for the reference check."""
    for kind, name, _labels, at, node in items(body):
        if kind == "argument" and name not in skip:
            mod.expressions.append((file, at, address, node.expression.to_lark()))
        elif kind == "block" and name != "lifecycle":
            collect_expressions(mod, file, node.body, address)
        elif kind == "block":
            collect_expressions(mod, file, node.body, address, skip=("ignore_changes",))


# ------------------------------------------------------------------------------------------ modules
def check_top_block(mod, file, name, labels, at, node):
    if name == "terraform":
        for kind, sub, _l, _a, sub_node in items(node.body):
            if kind == "block" and sub == "required_providers":
                for _k, local, _l2, entry_at, entry in items(sub_node.body):
                    mod.required[local] = (file, entry_at, value_of(entry))
        return
    if name == "variable":
        mod.declared["var"].add(labels[0])
        collect_expressions(mod, file, node.body, f"var.{labels[0]}", skip=("type",))
        return
    if name == "locals":
        mod.declared["local"].update(arguments_of(node.body))
    if name == "module":
        mod.declared["module"].add(labels[0])
    if name not in ("provider", *SECTIONS):
        if name not in NO_REFERENCES:
            collect_expressions(mod, file, node.body, " ".join([name, *labels]))
        return
    args = arguments_of(node.body)
    if name == "provider":
        alias = unquote(value_of(args["alias"])) if "alias" in args else None
        address, local = f"provider.{labels[0]}" + (f".{alias}" if alias else ""), labels[0]
        schema = mod.ck.schema_for(local)
        if schema is None:
            mod.problem(file, at, address, f'no schema loaded for provider "{local}"')
        else:
            config = schema["provider_config"]
            config = {"arguments": {**config["arguments"], "alias": "optional"}, "blocks": config["blocks"]}
            check_body(mod, file, node.body, config, address, at)
    else:
        rtype, rname = labels
        address = ("" if name == "resource" else f"{name}.") + f"{rtype}.{rname}"
        explicit = unquote(value_of(args["provider"])) if "provider" in args else None
        local = re.sub(r"^\$\{(.*)\}$", r"\1", explicit).split(".")[0] if explicit else rtype.split("_")[0]
        mod.declared[name].add(f"{rtype}.{rname}")
        table = mod.ck.tables[SECTIONS[name]]
        mod.ck.blocks_checked += 1
        if rtype not in table:
            known = mod.ck.schema_for(rtype.split("_")[0]) is not None
            hint = suggest(rtype, table) if known else f' (no schema loaded for provider "{local}")'
            mod.problem(file, at, address, f'unknown {name} type "{rtype}"{hint}')
        else:
            check_body(mod, file, node.body, table[rtype], address, at, META_BLOCKS[name])
    collect_expressions(mod, file, node.body, address, skip=("provider",))
    if address in mod.addresses:
        mod.problem(file, at, address, f"declared twice (first in {mod.addresses[address]})")
    mod.addresses[address] = f"{file}:{at}"
    mod.used.setdefault(local, (file, at, address))


def satisfies(version, constraint):
    """Whether a version meets a Terraform version constraint; None when it cannot be read."""
    have = tuple(int(x) for x in version.split("-")[0].split("."))
    for part in constraint.split(","):
        match = re.fullmatch(r"\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+)*)\s*", part)
        if not match:
            return None
        op, want = match.group(1) or "=", tuple(int(x) for x in match.group(2).split("."))
        width = max(len(have), len(want), 3)
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {"=": a == b, "!=": a != b, ">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b,
              "~>": a >= b and a[: len(want) - 1] == b[: len(want) - 1]}[op]
        if not ok:
            return False
    return True


def check_required_providers(mod):
    for local, (file, at, address) in sorted(mod.used.items()):
        if local not in mod.required:
            mod.problem(file, at, address, f'provider "{local}" is not listed in terraform {{ required_providers }}')
            continue
        req_file, req_at, entry = mod.required[local]
        where = f"terraform.required_providers.{local}"
        schema = mod.ck.schema_for(local)
        if not isinstance(entry, dict) or "source" not in entry:
            mod.problem(req_file, req_at, where, 'needs an object with a source, e.g. { source = "hashicorp/NAME" }')
            continue
        if schema is None:
            continue
        source = unquote(entry["source"]).lower().removeprefix("registry.terraform.io/")
        if source != schema["provider"]:
            mod.problem(req_file, req_at, where, f'source "{source}" is not the checked "{schema["provider"]}"')
        constraint = unquote(entry["version"]) if "version" in entry else None
        verdict = satisfies(schema["provider_version"], constraint) if constraint and schema["provider_version"] else True
        if verdict is None:
            mod.problem(req_file, req_at, where, f'cannot read version constraint "{constraint}"')
        elif not verdict:
            mod.problem(req_file, req_at, where, f'version constraint "{constraint}" excludes '
                        f'{schema["provider"]} {schema["provider_version"]}, the version checked against')


def check_module(ck, root, files):
    """Checks the .tf files of one module (one directory)."""
    import hcl2
    mod = Module(ck)
    for path in files:
        file = os.path.relpath(path, root) if os.path.isdir(root) else os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as handle:
                start = hcl2.parse(handle)
        except Exception as error:  # noqa: BLE001 (python-hcl2 raises lark's many error types)
            first = (str(error).strip() or type(error).__name__).splitlines()[0]
            mod.problem(file, getattr(error, "line", None), "(file)", f"cannot parse: {first}")
            continue
        for kind, name, labels, at, node in items(start.body):
            if kind == "argument":
                mod.problem(file, at, "(top level)", f'an argument "{name}" is not expected here')
            elif name not in LABELS:
                mod.problem(file, at, "(top level)", f'unsupported block type "{name}"{suggest(name, LABELS)}')
            elif len(labels) != LABELS[name]:
                mod.problem(file, at, name, f'a "{name}" block takes {LABELS[name]} labels, found {len(labels)}')
            else:
                check_top_block(mod, file, name, labels, at, node)
    check_required_providers(mod)
    for file, at, address, tree in mod.expressions:
        check_references(mod, tree, file, at, address)


def modules(paths):
    """(root, [files]) per module: each directory holding .tf files, or each file given."""
    for path in paths:
        if not os.path.isdir(path):
            yield path, [path]
            continue
        for directory, subdirs, names in os.walk(path):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            tf = sorted(os.path.join(directory, n) for n in names if n.endswith(".tf"))
            if tf:
                yield path, tf


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ex = commands.add_parser("extract")
    ex.add_argument("package")
    ex.add_argument("-o", "--out", required=True)
    ch = commands.add_parser("check")
    ch.add_argument("-s", "--schema", action="append", required=True)
    ch.add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.command == "extract":
        schema = extract(args.package)
        with gzip.open(args.out + ".partial", "wt", encoding="utf-8") as handle:
            json.dump(schema, handle, sort_keys=True, separators=(",", ":"))
        os.replace(args.out + ".partial", args.out)
        print(f"{schema['package']}@{schema['package_version']}: {schema['provider']} {schema['provider_version']}: "
              f"{len(schema['resources'])} resources, {len(schema['data_sources'])} data sources, "
              f"{len(schema['ephemeral_resources'])} ephemeral resources -> {args.out}")
        return 0
    schemas = []
    for path in args.schema:
        with (gzip.open if path.endswith(".gz") else open)(path, "rt", encoding="utf-8") as handle:
            schemas.append(json.load(handle))
    checker, files = Checker(schemas), 0
    for root, module_files in modules(args.paths):
        files += len(module_files)
        check_module(checker, root, module_files)
    if files == 0:
        print(f"check_terraform: no .tf files in {' '.join(args.paths)}")
        return 1
    for _file, _line, text in sorted(checker.problems):
        print(text)
    print(f"check_terraform: {files} files, {checker.blocks_checked} resource/data/ephemeral blocks, "
          f"{len(checker.problems)} problems")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
