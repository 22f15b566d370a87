"""Validates Kubernetes manifests with kubernetes-validate (strict, Kubernetes 1.32).

Usage: check_manifests.py FILE...   Prints one line per problem; exits 1 if there are any.
A kind with no schema fails, unless it is an allow-listed custom resource. kubernetes-validate reports
only the first error per object, and its YAML loader keeps the last of duplicate keys (yamllint's job).
"""
import functools
import sys

import kubernetes_validate
import kubernetes_validate.utils
import yaml
from kubernetes_validate.utils import SchemaNotFoundError

# kubernetes-validate reads and parses the kind's schema and the 1.3 MB `_definitions.json` again for
# every object it validates; the files do not change during a run, so each is read once (the
# validation itself is untouched).
# (`serve.py` runs this script many times in one interpreter: the cache is put in place once.)
if not hasattr(kubernetes_validate.utils.schema_contents, "cache_info"):
    kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(
        kubernetes_validate.utils.schema_contents
    )
# libyaml's parser where PyYAML has it (same safe constructor, same values).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

VERSION = "1.32"
ALLOWED_CUSTOM_RESOURCES = {
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("external-secrets.io/v1beta1", "ExternalSecret"),
}

problems = 0
checked = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as handle:
            documents = [d for d in yaml.load_all(handle, Loader=SAFE_LOADER) if d is not None]
    except (OSError, yaml.YAMLError) as error:
        problems += 1
        print(f"{path}: cannot read: {error}")
        continue
    for document in documents:
        checked += 1
        if not isinstance(document, dict):
            problems += 1
            print(f"{path}: a document is a {type(document).__name__}, not a Kubernetes object")
            continue
        kind = (document.get("apiVersion"), document.get("kind"))
        name = (document.get("metadata") or {}).get("name")
        try:
            kubernetes_validate.validate(document, VERSION, strict=True)
        except SchemaNotFoundError:
            if kind not in ALLOWED_CUSTOM_RESOURCES:
                problems += 1
                print(f"{path}: {kind[1]} {name}: no schema for {kind[0]} {kind[1]} in Kubernetes {VERSION}")
        except kubernetes_validate.ValidationError as error:
            problems += 1
            print(f"{path}: {kind[1]} {name}: {error.message} at {'.'.join(str(p) for p in error.path)}")
print(f"kubernetes-validate: {checked} objects, {problems} problems")
sys.exit(1 if problems else 0)
