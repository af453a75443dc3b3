// The migrations are embedded at compile time; a new file in the directory must rebuild the
// crate, which the embedding macro alone does not ask for.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
