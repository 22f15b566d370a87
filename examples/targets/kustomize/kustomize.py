"""An external target for Stave: a Kustomize layout. `base/` holds every object all environments
share; `overlays/<environment>/` adds that environment's namespace, its own objects, and its
differences from the base as JSON patches, so that `kubectl kustomize overlays/<environment>`
renders exactly what `stave compile --target kubernetes --env <environment>` writes.
Standard library only. It reads the request (stave.dev/target/v1) on standard input and prints
the response; its platform file declares it with `objects: kubernetes`."""
import copy
import json
import sys

request = json.load(sys.stdin)
if request["apiVersion"] != "stave.dev/target/v1":
    sys.exit(f"kustomize: cannot read a request of {request['apiVersion']}")


def identity(obj):
    return (obj["apiVersion"], obj["kind"], obj["metadata"]["name"])


def file_name(index, obj):
    return f"{index:03d}-{obj['kind'].lower()}-{obj['metadata']['name']}.json"


def pointer(path, key):
    return path + "/" + str(key).replace("~", "~0").replace("/", "~1")


def diff(old, new, path=""):
    """RFC 6902 operations that turn `old` into `new` (maps compared key by key)."""
    if isinstance(old, dict) and isinstance(new, dict):
        ops = [{"op": "remove", "path": pointer(path, k)} for k in old if k not in new]
        for k, value in new.items():
            if k not in old:
                ops.append({"op": "add", "path": pointer(path, k), "value": value})
            elif old[k] != value:
                ops.extend(diff(old[k], value, pointer(path, k)))
        return ops
    return [] if old == new else [{"op": "replace", "path": path, "value": new}]


def namespace_of(objects):
    """The one namespace of every object, to be set by the overlay; None when there is not one."""
    found = {obj["metadata"].get("namespace") for obj in objects}
    return found.pop() if len(found) == 1 else None


environments = []
for environment in request["environments"]:
    objects = environment["kubernetes"]["objects"]
    namespace = namespace_of(objects)
    shared = []
    for obj in objects:
        obj = copy.deepcopy(obj)
        if namespace is not None:
            del obj["metadata"]["namespace"]
        shared.append(obj)
    environments.append((environment["name"], namespace, {identity(o): o for o in shared}, shared))

files = []
first = environments[0]
common = [key for key in first[2] if all(key in env[2] for env in environments)]
for index, key in enumerate(common):
    files.append({"path": f"base/{file_name(index, first[2][key])}", "content": json.dumps(first[2][key], indent=2)})
base = {"resources": [f["path"].split("/", 1)[1] for f in files]}
files.append({"path": "base/kustomization.yaml", "content": json.dumps(base, indent=2)})
for name, namespace, by_identity, ordered in environments:
    overlay = {"resources": ["../../base"]}
    if namespace is not None:
        overlay["namespace"] = namespace
    own = [obj for obj in ordered if identity(obj) not in common]
    for index, obj in enumerate(own):
        path = f"objects/{file_name(index, obj)}"
        files.append({"path": f"overlays/{name}/{path}", "content": json.dumps(obj, indent=2)})
        overlay["resources"].append(path)
    patches = []
    for key in common:
        ops = diff(first[2][key], by_identity[key])
        if ops:
            api_version, kind, object_name = key
            group, _, version = api_version.rpartition("/")
            target = {"group": group, "version": version, "kind": kind, "name": object_name}
            patches.append({"target": target, "patch": json.dumps(ops)})
    if patches:
        overlay["patches"] = patches
    files.append({"path": f"overlays/{name}/kustomization.yaml", "content": json.dumps(overlay, indent=2)})
# Secrets hold the passwords derived from the seed: every file is its owner's only.
for f in files:
    f["secret"] = True
json.dump({"files": files, "diagnostics": []}, sys.stdout)
