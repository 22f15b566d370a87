"""Runs the validators many times in one interpreter, for the tests: the imports and schemas that
each run of a script would load again (kubernetes-validate, python-hcl2's parser, yamllint) are
loaded once.

Reads one JSON array a line on standard input: the command line of a run, `["yamllint", ARG...]`
or `[SCRIPT, ARG...]` (a script of this folder, run as `__main__` with those arguments). Writes one
JSON object a line: `{"status": EXIT_CODE, "output": STDOUT_AND_STDERR}`. Ends at end of input.
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run(argv):
    """The exit code and output of one run of `argv`."""
    output = io.StringIO()
    status = 0
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            sys.argv = list(argv)
            if argv[0] == "yamllint":
                from yamllint import cli
                cli.run(argv[1:])
            else:
                runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except Exception:  # a crash of the validator is a failure with its traceback, not the server's end
        status = 1
        output.write(traceback.format_exc())
    return status, output.getvalue()


for line in sys.stdin:
    status, text = run(json.loads(line))
    sys.stdout.write(json.dumps({"status": status, "output": text}) + "\n")
    sys.stdout.flush()
