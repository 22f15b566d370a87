"""An external target for Stave: one `<environment>/<workload>.env` file per workload, for a
runner that reads env files (docker run --env-file, systemd's EnvironmentFile). Standard library
only. It reads the request (stave.dev/target/v1) on standard input and prints the response."""
import json
import sys

request = json.load(sys.stdin)
if request["apiVersion"] != "stave.dev/target/v1":
    sys.exit(f"envfile: cannot read a request of {request['apiVersion']}")
files, diagnostics = [], []
for environment in request["environments"]:
    for workload in environment["workloads"]:
        lines = []
        for container in workload["containers"].values():
            for name, value in sorted(container["variables"].items()):
                if isinstance(value, str):
                    lines.append(f"{name}={value}")
                else:  # a secret reference or another target's expression: no text to write
                    diagnostics.append({
                        "severity": "error", "code": "symbolic-value", "file": workload["file"],
                        "message": f"`{name}` is not text, and an env file holds only text",
                        "help": "use provisioners that return plain values for this target",
                    })
        if workload["servicePorts"]:
            diagnostics.append({
                "severity": "warning", "code": "ports-unpublished", "file": workload["file"],
                "line": 3, "column": 1, "message": "an env file publishes no port",
                "help": "publish the service's ports with your runner (`docker run -p`)",
            })
        files.append({
            "path": f"{environment['name']}/{workload['name']}.env",
            "content": "".join(line + "\n" for line in lines),
            "secret": True,  # it holds passwords: readable by its owner only
        })
json.dump({"files": files, "diagnostics": diagnostics}, sys.stdout)
