//! The Python validators (kubernetes-validate, yamllint, the Terraform schema check) run in
//! long-lived interpreters (`tests/validators/serve.py`) instead of a new one a check: a run of
//! the test suite asks for some fifty checks, and each new interpreter spent a third to half a
//! second importing the validator before it checked anything. Interpreters are started as tests
//! ask, one for each check running at once, and kept for the next; each ends when the test
//! process does (its standard input closes).

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// An interpreter waiting for a check.
struct Interpreter {
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    _child: Child,
}

static IDLE: Mutex<Vec<Interpreter>> = Mutex::new(Vec::new());

/// Runs `argv` (`["yamllint", ARG…]` or `[SCRIPT, ARG…]`) in an interpreter of the venv; its exit
/// code and what it printed.
pub fn run(argv: &[OsString]) -> (i32, String) {
    let idle = IDLE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
    let mut interpreter = idle.unwrap_or_else(start);
    let request: Vec<String> =
        argv.iter().map(|arg| arg.to_str().unwrap_or_else(|| panic!("not UTF-8: {arg:?}")).to_string()).collect();
    let line = serde_json::to_string(&request).expect("a JSON array") + "\n";
    interpreter
        .input
        .write_all(line.as_bytes())
        .and_then(|()| interpreter.input.flush())
        .unwrap_or_else(|e| panic!("the validator interpreter (tests/validators/serve.py) is gone: {e}"));
    let mut answer = String::new();
    let read = interpreter.output.read_line(&mut answer).expect("the validator interpreter's answer");
    assert!(read > 0, "the validator interpreter (tests/validators/serve.py) ended while checking {request:?}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
    let status = answer["status"].as_i64().and_then(|s| i32::try_from(s).ok()).expect("an exit code");
    let output = answer["output"].as_str().expect("the output").to_string();
    IDLE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(interpreter);
    (status, output)
}

fn start() -> Interpreter {
    let mut child = Command::new(super::python())
        .arg(super::script("serve.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start tests/validators/serve.py: {e}"));
    let input = child.stdin.take().expect("piped");
    let output = BufReader::new(child.stdout.take().expect("piped"));
    Interpreter { input, output, _child: child }
}
