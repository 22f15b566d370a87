#!/usr/bin/env python3
"""What a refactor must not change: every valid fixture (each environment, every target, to a
directory and to standard output, and `check --provision`) and every Score file of the corpus
(every target), compiled by one `stave` binary, with exit codes, standard output, standard error
and written files kept under OUT. Run it with the binary before and after a change, then compare:

    python3 tests/compare-outputs.py OLD-STAVE /tmp/before
    python3 tests/compare-outputs.py NEW-STAVE /tmp/after
    diff -r /tmp/before /tmp/after

The corpus is $STAVE_SCORE_CORPUS, or ../shared/score-corpus beside the repository. Needs PyYAML
(for the fixtures' case.yaml)."""
import glob, os, re, shutil, subprocess, sys, tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("STAVE_SCORE_CORPUS", os.path.join(ROOT, "..", "shared", "score-corpus"))
TARGETS = ["kubernetes", "helm", "terraform"]


def main(binary, out):
    binary, out = os.path.abspath(binary), os.path.abspath(out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    env = dict(os.environ, STAVE_SEED="compare-outputs", NO_COLOR="1")

    def run(cwd, args, tag):
        folder = os.path.join(out, tag)
        os.makedirs(folder, exist_ok=True)
        done = subprocess.run([binary] + args, cwd=cwd, env=env, capture_output=True, timeout=300)
        with open(os.path.join(folder, "exit"), "w") as f:
            f.write(str(done.returncode))
        with open(os.path.join(folder, "stdout"), "wb") as f:
            f.write(done.stdout)
        with open(os.path.join(folder, "stderr"), "wb") as f:
            f.write(done.stderr.replace(cwd.encode(), b"CWD"))

    work = tempfile.mkdtemp()
    for fixture in sorted(glob.glob(os.path.join(ROOT, "fixtures", "valid", "*"))):
        name = os.path.basename(fixture)
        case_file = os.path.join(fixture, "case.yaml")
        case = yaml.safe_load(open(case_file)) if os.path.exists(case_file) else {}
        files, args = case.get("files") or ["workload.yaml"], case.get("args") or []
        cwd = os.path.join(work, "fixtures", name)
        shutil.copytree(fixture, cwd)
        environments = [None]
        platform = os.path.join(cwd, "stave.yaml")
        if os.path.exists(platform):
            environments += list((yaml.safe_load(open(platform)) or {}).get("environments", {}))
        for environment in environments:
            these = list(args)
            if environment is not None:
                if "--env" in these:
                    at = these.index("--env")
                    del these[at : at + 2]
                these += ["--env", environment]
            tag = f"fixtures/{name}/{environment or 'as-given'}"
            run(cwd, ["check", "--provision"] + files + these, f"{tag}/check")
            for target in TARGETS:
                written = os.path.join(cwd, f"out-{environment}-{target}")
                run(cwd, ["compile"] + files + these + ["--target", target, "-o", written + "/"], f"{tag}/{target}-dir")
                if os.path.isdir(written):
                    shutil.copytree(written, os.path.join(out, tag, f"{target}-files"))
                run(cwd, ["compile"] + files + these + ["--target", target], f"{tag}/{target}-stdout")
    for path in sorted(glob.glob(os.path.join(CORPUS, "**", "*.yaml"), recursive=True)):
        if "score.dev/v1b1" not in open(path, errors="replace").read():
            continue
        tag = "corpus/" + os.path.relpath(path, CORPUS).replace("/", "__")
        cwd = os.path.join(work, tag)
        shutil.copytree(os.path.dirname(path), cwd)
        with open(os.path.join(cwd, "file.txt"), "w") as f:
            f.write("provided by the comparison\n")
        for target in TARGETS:
            args = ["compile", os.path.basename(path), "--image", "conformance/image:1", "--namespace", "corpus"]
            run(cwd, args + ["--target", target], f"{tag}/{target}")
    shutil.rmtree(work)
    count = sum(len(names) for _, _, names in os.walk(out))
    print(f"{count} files under {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
