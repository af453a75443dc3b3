//! `completions SHELL` and `manpage [--out DIR]`: shell completions and man pages written from
//! the same clap definitions that parse the command line, so they never drift from it. They are
//! produced by the binary rather than at build time: a build script would have to compile the
//! whole command-line module a second time, and the package build runs the binary anyway.

use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Print the completion script of a shell.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Write the man pages: backupchecks(1) and one page per command.
#[derive(Debug, clap::Args)]
pub struct ManpageArgs {
    /// Write backupchecks.1 and backupchecks-COMMAND.1 into this directory (created when
    /// missing) instead of printing backupchecks.1 on standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn command() -> clap::Command {
    super::Cli::command()
}

pub fn completions(args: CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut cmd = command();
    clap_complete::generate(args.shell, &mut cmd, "backupchecks", out);
    Ok(ExitCode::SUCCESS)
}

pub fn manpage(args: ManpageArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match args.out {
        Some(dir) => {
            let written = write_pages(&dir)?;
            for page in written {
                writeln!(out, "{}", page.display())?;
            }
        }
        None => clap_mangen::Man::new(command()).render(out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of the program and of every command (nested ones too) into `dir`; returns
/// the files written.
pub fn write_pages(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut cmd = command();
    // Subcommand pages are named after the full command line ("backupchecks-jobs-export").
    cmd.build();
    let mut written = Vec::new();
    write_tree(&cmd, dir, &mut written)?;
    Ok(written)
}

fn write_tree(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if cmd.is_hide_set() {
        return Ok(());
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut buf = Vec::new();
    man.render(&mut buf)?;
    std::fs::write(&path, buf).with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        // clap's implicit `help` command needs no page.
        if sub.get_name() != "help" {
            write_tree(sub, dir, written)?;
        }
    }
    Ok(())
}
