fn main() -> std::process::ExitCode {
    ratify::cli::main()
}
