//! Thin binary: all logic lives in the library.
fn main() -> std::process::ExitCode {
    rolesmith::cli::main()
}
