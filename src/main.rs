fn main() -> std::process::ExitCode {
    clerkmap::cli::main()
}
