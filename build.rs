// The migrations are embedded at compile time; a new file in the directory must rebuild the
// crate, which the embedding macro alone does not ask for.
//
// `--version` names the commit the binary was built from. Outside a git checkout (a source
// tarball, a package build) `BUILD_COMMIT` can name it; without either the version alone
// is shown. The line reaches the code as `BC_VERSION_LINE`: not `BACKUPCHECKS_*`, because
// cargo also sets it when it runs the binary, and that prefix is checked for unknown settings.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=BUILD_COMMIT");
    let commit = std::env::var("BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            // A new commit or a switched branch must rebuild the version line: watch HEAD, the
            // branch it points at and packed-refs (in a worktree they live outside the checkout).
            // Only files that exist: a missing one would make every build rebuild the crate.
            let branch = git(&["symbolic-ref", "-q", "HEAD"]);
            let watched = ["HEAD", "packed-refs"]
                .into_iter()
                .map(str::to_string)
                .chain(branch)
                .filter_map(|r| git(&["rev-parse", "--git-path", &r]))
                .filter(|p| std::path::Path::new(p).exists());
            for path in watched {
                println!("cargo:rerun-if-changed={path}");
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        });
    let version = env!("CARGO_PKG_VERSION");
    let line = match commit {
        Some(c) => format!("{version} (commit {})", c.trim()),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=BC_VERSION_LINE={line}");
}
