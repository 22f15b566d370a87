//! What one run of the command line reads and writes besides files: standard input, output and
//! error, and the environment variables Stave consults. `stave::cli::main` runs on the
//! process's own; a program embedding the command line (the tests do) passes its own.

use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Read, Write};

/// The environment variables the command line reads; no other variable changes what it does
/// (the library reads none, apart from the process-wide limits `STAVE_SPOOL_MEMORY` and
/// `STAVE_RENDER_MEMORY`, and the `PATH` that command provisioners search).
pub const VARIABLES: [&str; 3] = [
    // Plain output even on a terminal.
    "NO_COLOR",
    // `true` on a GitHub runner: what is printed for people cannot become a workflow command.
    "GITHUB_ACTIONS",
    // The seed of generated values (else `.stave/seed`, else the development seed).
    "STAVE_SEED",
];

/// Standard input, output and error, and the variables of [`VARIABLES`] that are set.
pub struct Console<'a> {
    stdin: RefCell<&'a mut dyn Read>,
    stdout: RefCell<&'a mut dyn Write>,
    stderr: RefCell<&'a mut dyn Write>,
    stderr_is_terminal: bool,
    /// Whether these are the process's own streams (else help is wrapped as for a pipe).
    process: bool,
    variables: BTreeMap<&'static str, OsString>,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("variables", &self.variables).finish_non_exhaustive()
    }
}

impl<'a> Console<'a> {
    /// A console on these streams, none of them a terminal, with no variable set.
    pub fn new(stdin: &'a mut dyn Read, stdout: &'a mut dyn Write, stderr: &'a mut dyn Write) -> Self {
        Console {
            stdin: RefCell::new(stdin),
            stdout: RefCell::new(stdout),
            stderr: RefCell::new(stderr),
            stderr_is_terminal: false,
            process: false,
            variables: BTreeMap::new(),
        }
    }

    /// Sets one of the variables of [`VARIABLES`]; any other name is ignored.
    pub fn with_variable(mut self, name: &str, value: impl Into<OsString>) -> Self {
        if let Some(known) = VARIABLES.iter().find(|known| **known == name) {
            self.variables.insert(known, value.into());
        }
        self
    }

    /// The process's own streams and variables.
    pub(crate) fn process(
        stdin: &'a mut std::io::Stdin,
        stdout: &'a mut std::io::Stdout,
        stderr: &'a mut std::io::Stderr,
    ) -> Self {
        let terminal = stderr.is_terminal();
        let mut console = Console::new(stdin, stdout, stderr);
        console.stderr_is_terminal = terminal;
        console.process = true;
        for name in VARIABLES {
            if let Some(value) = std::env::var_os(name) {
                console.variables.insert(name, value);
            }
        }
        console
    }

    /// A variable of [`VARIABLES`], when set.
    pub(crate) fn variable(&self, name: &str) -> Option<&OsStr> {
        self.variables.get(name).map(OsString::as_os_str)
    }

    /// Whether people's output may use colours: standard error is a terminal, and `NO_COLOR`
    /// is not set.
    pub(crate) fn colors(&self) -> bool {
        self.stderr_is_terminal && self.variable("NO_COLOR").is_none()
    }

    /// The width help is wrapped at: the terminal's (clap's choice) for the process's streams,
    /// else clap's width for a pipe, whatever the process's terminal or `COLUMNS`.
    pub(crate) fn help_width(&self) -> Option<usize> {
        (!self.process).then_some(100)
    }

    /// Whether these are the process's own streams (which clap may print to itself).
    pub(crate) fn is_process(&self) -> bool {
        self.process
    }

    pub(crate) fn stdin(&self) -> RefMut<'_, &'a mut dyn Read> {
        self.stdin.borrow_mut()
    }

    pub(crate) fn stdout(&self) -> RefMut<'_, &'a mut dyn Write> {
        self.stdout.borrow_mut()
    }

    /// Prints a result on standard output (a closed pipe is not an error of the run).
    pub(crate) fn out(&self, text: &[u8]) {
        let mut stdout = self.stdout();
        let _ = stdout.write_all(text).and_then(|()| stdout.flush());
    }

    /// Prints on standard error.
    pub(crate) fn err(&self, text: &[u8]) {
        let mut stderr = self.stderr.borrow_mut();
        let _ = stderr.write_all(text).and_then(|()| stderr.flush());
    }
}
