use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    backupchecks::memory::limit_arenas();
    let cli = backupchecks::cli::Cli::parse();
    match backupchecks::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
