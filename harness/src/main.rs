fn main() {
    std::process::exit(wsprobe::cli::main());
}
