//! The command line's reference, for the book (doc-hidden): every command's `--help` text,
//! rendered from the same clap definition the binary parses with, at a fixed width so that the
//! generated pages do not depend on the terminal they were made in.

use clap::CommandFactory;

use super::Cli;

/// The width the reference is wrapped at (clap's own default when there is no terminal).
const WIDTH: usize = 100;

/// Every command, `stave` first, then each subcommand depth first in the order of `--help`
/// (`stave provisioners list` after `stave provisioners`; clap's `help` left out): its full name
/// and its long help, as `stave … --help` prints it.
#[doc(hidden)]
pub fn help_pages() -> Vec<(String, String)> {
    let mut command = Cli::command().term_width(WIDTH).max_term_width(WIDTH);
    command.build();
    let mut pages = Vec::new();
    collect(&mut command, &mut pages);
    pages
}

fn collect(command: &mut clap::Command, pages: &mut Vec<(String, String)>) {
    let name = command.get_bin_name().unwrap_or(command.get_name()).to_string();
    pages.push((name, command.render_long_help().to_string()));
    for sub in command.get_subcommands_mut().filter(|sub| sub.get_name() != "help") {
        collect(sub, pages);
    }
}
