// The migrations are embedded at compile time; a new file in the directory must rebuild the
// crate, which the embedding macro alone does not ask for.
//
// `--version` names the commit the binary was built from. Outside a git checkout (a source
// tarball, a package build) `BACKUPCHECKS_COMMIT` can name it; without either the version alone
// is shown.
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
    println!("cargo:rerun-if-env-changed=BACKUPCHECKS_COMMIT");
    let commit = std::env::var("BACKUPCHECKS_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            // A new commit or a switched branch must rebuild the version line: watch HEAD and
            // the branch it points at (in a worktree both live outside `.git` of the checkout).
            for path in [git(&["rev-parse", "--git-path", "HEAD"])]
                .into_iter()
                .chain([git(&["symbolic-ref", "-q", "HEAD"])
                    .and_then(|r| git(&["rev-parse", "--git-path", &r]))])
                .flatten()
            {
                println!("cargo:rerun-if-changed={path}");
            }
            if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
                println!("cargo:rerun-if-changed={packed}");
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        });
    let version = env!("CARGO_PKG_VERSION");
    let line = match commit {
        Some(c) => format!("{version} (commit {})", c.trim()),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=BACKUPCHECKS_VERSION={line}");
}
