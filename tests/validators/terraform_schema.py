"""Turns a cdktn/cdktf provider package into a compact Terraform schema (used by check_terraform.py).

The package's jsii assembly is generated from the provider's real schema: one class per resource, data
source and ephemeral resource (its docs link names the Terraform type), whose `config` struct has a
property per argument and per nested block (snake_case name in the link's fragment; a block's summary is
exactly "NAME block."; a struct type is a single block, an array of structs a list block; computed-only
attributes are absent). The compact schema:
  {provider, provider_version, provider_config, resources|data_sources|ephemeral_resources: {TYPE: BLOCK}}
  BLOCK = {arguments: {NAME: "required"|"optional"},
           blocks: {NAME: {nesting: single|list, required, max_items (1 for single), arguments, blocks}},
           as_blocks: {NAME: BLOCK}}   (only if any)
`as_blocks` holds the arguments of type list of objects, which Terraform also accepts written as
repeated blocks (as for aws_security_group's `ingress`); written so, every field is optional.
`terraform providers schema -json` output (a .json) converts too, for cross-checks against `terraform
validate` where a provider binary is at hand (its version is then unknown: set provider_version by hand).
Limits: a list block's max_items above 1 and min_items above 1 are not in the assembly, nor value types.
"""
import json
import re
import tarfile
import zipfile

LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/([^/\s]+)/([^/\s]+)/([^/\s]+)/docs"
                  r"(?:/(?:resources|data-sources|ephemeral-resources)/[^\s}]+)?\s+([^\s}]+)\}")
FRAGMENT = re.compile(r"\{@link https://registry\.terraform\.io/providers/[^\s#}]+#([^\s}]+)\s")
KINDS = {"TerraformResource": "resources", "TerraformDataSource": "data_sources",
         "TerraformEphemeralResource": "ephemeral_resources", "TerraformProvider": "provider_config"}


def read_jsii_tgz(fileobj, where):
    with tarfile.open(fileobj=fileobj, mode="r|gz") as tar:
        for member in tar:
            if member.name == "package/.jsii":
                return json.load(tar.extractfile(member))
    raise SystemExit(f"{where}: no package/.jsii inside")


def read_assembly(path):
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
            if len(names) != 1:
                raise SystemExit(f"{path}: expected one embedded .jsii.tgz, found {names}")
            with wheel.open(names[0]) as inner:
                return read_jsii_tgz(inner, path)
    if path.endswith((".tgz", ".tar.gz")):
        with open(path, "rb") as handle:
            return read_jsii_tgz(handle, path)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def struct_nesting(typ, types):
    """('single'|'list'|'map', struct fqn) when typ is a struct or a collection of structs."""
    if "fqn" in typ:
        return ("single", typ["fqn"]) if types.get(typ["fqn"], {}).get("datatype") else None
    if "collection" in typ:
        inner = struct_nesting(typ["collection"]["elementtype"], types)
        return ("map" if typ["collection"]["kind"] == "map" else "list", inner[1]) if inner else None
    for member in typ.get("union", {}).get("types", []):
        inner = struct_nesting(member, types)
        if inner:
            return inner
    return None


def struct_properties(fqn, types):
    """A struct's own properties and those of its parents in the same assembly."""
    found = list(types[fqn].get("properties", []))
    for parent in types[fqn].get("interfaces", []):
        if parent in types:
            found += struct_properties(parent, types)
    return found


def block_schema(fqn, types, outer):
    arguments, blocks, as_blocks = {}, {}, {}
    for prop in struct_properties(fqn, types):
        docs = prop.get("docs", {})
        summary = docs.get("summary", "")
        match = FRAGMENT.search(f"{summary} {docs.get('remarks', '')} ")
        name = match.group(1) if match else re.sub(r"(?<!^)(?=[A-Z])", "_", prop["name"]).lower()
        required = not prop.get("optional", False)
        nested = struct_nesting(prop["type"], types)
        if nested and nested[0] != "map" and summary == f"{name} block." and nested[1] not in outer:
            block = {"nesting": nested[0], "required": required}
            if nested[0] == "single":
                block["max_items"] = 1
            block.update(block_schema(nested[1], types, outer | {nested[1]}))
            blocks[name] = block
        else:
            arguments[name] = "required" if required else "optional"
            if nested and nested[0] == "list" and nested[1] not in outer:
                fields = block_schema(nested[1], types, outer | {nested[1]})
                as_blocks[name] = {**fields, "arguments": {field: "optional" for field in fields["arguments"]}}
    schema = {"arguments": dict(sorted(arguments.items())), "blocks": dict(sorted(blocks.items()))}
    if as_blocks:
        schema["as_blocks"] = dict(sorted(as_blocks.items()))
    return schema


def from_terraform_block(block):
    """The same compact form from `terraform providers schema -json` (needs the provider binary)."""
    arguments, blocks, as_blocks = {}, {}, {}
    for name, attr in block.get("attributes", {}).items():
        if attr.get("required") or attr.get("optional"):
            arguments[name] = "required" if attr.get("required") else "optional"
            typ = attr.get("type")
            if isinstance(typ, list) and typ[0] in ("list", "set") and isinstance(typ[1], list) and typ[1][0] == "object":
                as_blocks[name] = {"arguments": {field: "optional" for field in sorted(typ[1][1])}, "blocks": {}}
    for name, nested in block.get("block_types", {}).items():
        single = nested["nesting_mode"] in ("single", "group") or nested.get("max_items") == 1
        blocks[name] = {"nesting": "single" if single else "list", "required": nested.get("min_items", 0) > 0,
                        **({"max_items": 1 if single else nested["max_items"]} if single or nested.get("max_items")
                           else {}), **from_terraform_block(nested["block"])}
    schema = {"arguments": dict(sorted(arguments.items())), "blocks": dict(sorted(blocks.items()))}
    return {**schema, "as_blocks": dict(sorted(as_blocks.items()))} if as_blocks else schema


def from_terraform_json(path):
    with open(path, encoding="utf-8") as handle:
        (source, provider), = json.load(handle)["provider_schemas"].items()
    tables = {"resources": "resource_schemas", "data_sources": "data_source_schemas",
              "ephemeral_resources": "ephemeral_resource_schemas"}
    return {"format": 1, "package": path, "package_version": None, "provider": source.split("/", 1)[1],
            "provider_version": None, "provider_config": from_terraform_block(provider["provider"]["block"]),
            **{table: {name: from_terraform_block(schema["block"]) for name, schema in provider.get(key, {}).items()}
               for table, key in tables.items()}}


def extract(path):
    if path.endswith(".json"):
        return from_terraform_json(path)
    assembly = read_assembly(path)
    types = assembly["types"]
    out = {"format": 1, "package": assembly["name"], "package_version": assembly["version"],
           "provider": None, "provider_version": None, "provider_config": None,
           "resources": {}, "data_sources": {}, "ephemeral_resources": {}}
    for fqn, typ in sorted(types.items()):
        kind = KINDS.get((typ.get("base") or "").rsplit(".", 1)[-1])
        link = LINK.search(typ.get("docs", {}).get("summary", ""))
        if typ.get("kind") != "class" or not kind or not link:
            continue
        namespace, name, version, tftype = link.groups()
        if out["provider"] not in (None, f"{namespace}/{name}"):
            raise SystemExit(f"{path}: two providers in one package: {out['provider']}, {namespace}/{name}")
        out["provider"], out["provider_version"] = f"{namespace}/{name}", version
        config = [p for p in typ.get("initializer", {}).get("parameters", []) if p["name"] == "config"]
        schema = block_schema(config[0]["type"]["fqn"], types, {config[0]["type"]["fqn"]}) if config else \
            {"arguments": {}, "blocks": {}}
        if kind == "provider_config":
            out[kind] = schema
        else:
            out[kind][tftype] = schema
    if not out["resources"] or out["provider_config"] is None:
        raise SystemExit(f"{path}: no resources or no provider found: not a cdktn/cdktf provider package?")
    return out
